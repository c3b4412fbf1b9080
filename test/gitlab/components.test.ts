// templates/*.yml: twinbuild's jobs as GitLab CI/CD components (typed spec:inputs),
// included the way GitLab documents for a component tested in its own project
// (`$CI_SERVER_FQDN/$CI_PROJECT_PATH/NAME@$CI_COMMIT_SHA`), and run by
// gitlab-ci-local.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { cleanupTemp, EXAMPLES, REPO_ROOT, requireOrSkip } from '../helpers.js';
import {
  artifactsOf,
  gitlabCiLocal,
  gitlabProject,
  jobBlock,
  listJobs,
  preview,
  RUN,
  TEMPLATES,
  variables,
  whyNoGitlabCiLocal,
  type Project,
} from './project.js';

const COMPONENTS = join(REPO_ROOT, 'templates');
const PUSH = { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'feature' };
const MERGE_REQUEST = { CI_PIPELINE_SOURCE: 'merge_request_event' };

/** A project holding `example`, the component, and a .gitlab-ci.yml including it with `inputs` (YAML lines). */
async function componentProject(example: string, name: string, inputs: readonly string[], more = ''): Promise<Project> {
  const include = [
    more,
    'include:',
    `  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/${name}@$CI_COMMIT_SHA`,
    ...(inputs.length > 0 ? ['    inputs:', ...inputs.map((line) => `      ${line}`)] : []),
  ].join('\n');
  return gitlabProject(
    { '.gitlab-ci.yml': `${include}\n` },
    { [`templates/${name}.yml`]: join(COMPONENTS, `${name}.yml`), '.': join(EXAMPLES, example) },
  );
}

describe('GitLab CI/CD components (templates/)', function () {
  this.timeout(600_000);
  after(cleanupTemp);
  before(async function () {
    const why = await whyNoGitlabCiLocal();
    requireOrSkip(this, why === undefined, why ?? '');
  });

  it('check: typed inputs reach the job; by default it runs on merge requests and on branch pushes', async () => {
    const project = await componentProject(
      'reproducible',
      'check',
      ['stage: verify', 'preset: generic', 'build: sh build.sh', 'artifacts: out/**', 'vary: -time'],
      'stages: [verify]',
    );
    const jobs = (vars: Record<string, string>) => listJobs(project, vars);
    expect((await jobs(MERGE_REQUEST)).map((j) => [j.name, j.stage, j.when])).to.deep.equal([
      ['twinbuild-check', 'verify', 'on_success'],
    ]);
    expect((await jobs(PUSH)).map((j) => j.when)).to.deep.equal(['on_success']);
    // A branch with an open merge request runs in the merge request pipeline only.
    expect((await jobs({ ...PUSH, CI_OPEN_MERGE_REQUESTS: 'group/p!1' })).map((j) => j.when)).to.deep.equal(['never']);
    const job = jobBlock(await preview(project), 'twinbuild-check');
    expect(job).to.include('TWINBUILD_BUILD: sh build.sh');
    expect(job).to.match(/TWINBUILD_VARY: ["']?-time\b/);
    expect(job).to.include('junit: twinbuild-out/junit.xml');
  });

  it("check: a value outside the preset input's options is refused by the pipeline", async () => {
    const project = await componentProject('reproducible', 'check', ['preset: debain']);
    const run = await gitlabCiLocal(project, ['--list-json', ...variables(PUSH)]);
    expect(run.exitCode).to.not.equal(0);
    expect(run.stdout + run.stderr).to.match(/debain.*not in the list of allowed options/);
  });

  it('check: the rules input replaces the default (merge requests only)', async () => {
    const project = await componentProject('reproducible', 'check', [
      'rules:',
      '  - if: $CI_PIPELINE_SOURCE == "merge_request_event"',
    ]);
    expect((await listJobs(project, PUSH)).map((j) => j.when)).to.deep.equal(['never']);
    expect((await listJobs(project, MERGE_REQUEST)).map((j) => j.when)).to.deep.equal(['on_success']);
  });

  it('check: runs on a branch push, passes on examples/reproducible, names the package after the project', async () => {
    const project = await componentProject('reproducible', 'check', ['build: sh build.sh', 'artifacts: out/**']);
    const run = await gitlabCiLocal(project, [...RUN, ...variables(PUSH)]);
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(/PASS\s+twinbuild-check/);
    // SOURCE is the checkout (gitlab-ci-local's builds/twinbuild-check): the package is CI_PROJECT_NAME.
    expect(run.stdout, run.stdout).to.match(/reproducible: fixture\b/);
    const junit = join(artifactsOf(project, 'twinbuild-check'), 'twinbuild-out', 'junit.xml');
    expect(existsSync(junit)).to.equal(true);
    expect(await readFile(junit, 'utf8')).to.match(/<testsuite name="fixture"/);
  });

  it('the component installs twinbuild with the same steps as the plain template', async () => {
    const step = (text: string) => /if ! command -v twinbuild[\s\S]*?\n {6}fi\n/.exec(text)?.[0];
    const plain = step(await readFile(join(TEMPLATES, 'reproducible.gitlab-ci.yml'), 'utf8'));
    expect(plain).to.be.a('string');
    expect(step(await readFile(join(COMPONENTS, 'check.yml'), 'utf8'))).to.equal(plain);
  });
});
