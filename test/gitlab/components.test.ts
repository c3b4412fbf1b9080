// templates/*.yml: twinbuild's jobs as GitLab CI/CD components (typed spec:inputs),
// included the way GitLab documents for a component tested in its own project
// (`$CI_SERVER_FQDN/$CI_PROJECT_PATH/NAME@$CI_COMMIT_SHA`), and run by
// gitlab-ci-local.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
const plan = (jobs: readonly { name: string; when: string }[]) => Object.fromEntries(jobs.map((j) => [j.name, j.when]));

/** A project holding `example`, the component, and a .gitlab-ci.yml including it with `inputs` (YAML lines). */
async function componentProject(
  example: string | Record<string, string>,
  name: string,
  inputs: readonly string[],
  more = '',
  files: Record<string, string> = {},
): Promise<Project> {
  const include = [
    more,
    'include:',
    `  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/${name}@$CI_COMMIT_SHA`,
    ...(inputs.length > 0 ? ['    inputs:', ...inputs.map((line) => `      ${line}`)] : []),
  ].join('\n');
  const copies = typeof example === 'string' ? { '.': join(EXAMPLES, example) } : example;
  return gitlabProject(
    { '.gitlab-ci.yml': `${include}\n`, ...files },
    { [`templates/${name}.yml`]: join(COMPONENTS, `${name}.yml`), ...copies },
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

  it('sweep: `shards` parallel jobs, then one merged report; merge runs after a failed shard', async () => {
    const config = JSON.stringify({
      defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
      packages: [
        { name: 'reproducible', path: 'reproducible' },
        { name: 'leaks-locale-sort', path: 'leaks-locale-sort' },
      ],
    });
    const project = await componentProject(
      { reproducible: join(EXAMPLES, 'reproducible'), 'leaks-locale-sort': join(EXAMPLES, 'leaks-locale-sort') },
      'sweep',
      ['shards: 2', 'options: --no-bisect'],
      '',
      { 'twinbuild.config.json': config },
    );
    const planned = await listJobs(project, MERGE_REQUEST);
    expect(planned.map((j) => [j.name, j.when])).to.deep.equal([
      ['twinbuild-sweep: [1/2]', 'on_success'],
      ['twinbuild-sweep: [2/2]', 'on_success'],
      ['twinbuild-merge', 'always'],
    ]);
    expect((await listJobs(project, { CI_PIPELINE_SOURCE: 'schedule' })).every((j) => j.when === 'never')).to.equal(
      true,
    );
    const run = await gitlabCiLocal(project, [...RUN, ...variables(MERGE_REQUEST)]);
    expect(run.exitCode, run.stdout + run.stderr).to.equal(1);
    expect(run.stdout).to.match(/FAIL\s+twinbuild-sweep: \[\d\/2\]/);
    expect(run.stdout).to.match(/PASS\s+twinbuild-merge/);
    const out = join(artifactsOf(project, 'twinbuild-merge'), 'twinbuild-out', 'merged');
    for (const file of ['index.html', 'junit.xml', 'badge.svg'])
      expect(existsSync(join(out, file)), file).to.equal(true);
  });

  it('nightly: sweep, merge and pages on schedules only; pages can be switched off', async () => {
    const project = await componentProject('reproducible', 'nightly', ['shards: 2'], 'stages: [test, deploy]');
    expect(plan(await listJobs(project, { CI_PIPELINE_SOURCE: 'schedule' }))).to.deep.equal({
      'twinbuild-nightly-sweep: [1/2]': 'on_success',
      'twinbuild-nightly-sweep: [2/2]': 'on_success',
      'twinbuild-nightly-merge': 'always',
      pages: 'always',
    });
    expect(Object.values(plan(await listJobs(project, MERGE_REQUEST)))).to.deep.equal([
      'never',
      'never',
      'never',
      'never',
    ]);
    const without = await componentProject(
      'reproducible',
      'nightly',
      ['pages-rules: [{when: never}]'],
      'stages: [test, deploy]',
    );
    expect(plan(await listJobs(without, { CI_PIPELINE_SOURCE: 'schedule' }))['pages']).to.equal('never');
  });

  describe('as docs/gitlab-ci.md shows them', () => {
    let blocks: string[];
    before(async () => {
      const text = await readFile(join(REPO_ROOT, 'docs', 'gitlab-ci.md'), 'utf8');
      const section = text.slice(text.indexOf('## As a CI/CD component'), text.indexOf('## The merge request job'));
      blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
      expect(blocks).to.have.length(2);
    });

    /** The snippet in a project with examples/reproducible; its jobs install twinbuild from a clone of this checkout. */
    const snippetProject = (snippet: string) =>
      gitlabProject(
        { '.gitlab-ci.yml': snippet },
        { 'templates/check.yml': join(COMPONENTS, 'check.yml'), '.': join(EXAMPLES, 'reproducible') },
        true,
      );

    it('include: component: installs twinbuild, checks the package on a push, publishes the reports', async () => {
      // This project stands in for tools/twinbuild at v0.1.0: the component is its own.
      const snippet = blocks[0]!.replace(
        '$CI_SERVER_FQDN/tools/twinbuild/check@v0.1.0',
        '$CI_SERVER_FQDN/$CI_PROJECT_PATH/check@$CI_COMMIT_SHA',
      );
      expect(snippet).to.not.equal(blocks[0]);
      const project = await snippetProject(snippet);
      const run = await gitlabCiLocal(project, [...RUN, ...variables(PUSH)]);
      expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
      expect(run.stdout).to.match(/added \d+ packages/);
      expect(run.stdout).to.include('2 artifacts identical');
      expect(existsSync(join(artifactsOf(project, 'twinbuild-check'), 'twinbuild-out', 'junit.xml'))).to.equal(true);
    });

    it('include: remote: the same file by URL, with the same inputs', async () => {
      const server = createServer((request, response) => {
        const name = /^\/tools\/twinbuild\/-\/raw\/v0\.1\.0\/templates\/(\w+\.yml)$/.exec(request.url ?? '')?.[1];
        if (!name) return void response.writeHead(404).end();
        readFile(join(COMPONENTS, name)).then(
          (body) => response.writeHead(200).end(body),
          () => response.writeHead(404).end(),
        );
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      try {
        const port = (server.address() as AddressInfo).port;
        const snippet = blocks[1]!.replace('https://gitlab.example.com/', `http://127.0.0.1:${port}/`);
        expect(snippet).to.not.equal(blocks[1]);
        const project = await snippetProject(snippet);
        expect((await listJobs(project, PUSH)).map((j) => [j.name, j.when])).to.deep.equal([
          ['twinbuild-check', 'on_success'],
        ]);
        expect(jobBlock(await preview(project), 'twinbuild-check')).to.include('TWINBUILD_BUILD: sh build.sh');
      } finally {
        await new Promise((done) => server.close(done));
      }
    });
  });

  it('every component installs twinbuild with the same steps as the plain templates', async () => {
    const steps = (text: string) => [...text.matchAll(/if ! command -v twinbuild[\s\S]*?\n {6}fi\n/g)].map((m) => m[0]);
    const [plain] = steps(await readFile(join(TEMPLATES, 'reproducible.gitlab-ci.yml'), 'utf8'));
    expect(plain).to.be.a('string');
    for (const name of ['check', 'sweep', 'nightly']) {
      const found = steps(await readFile(join(COMPONENTS, `${name}.yml`), 'utf8'));
      expect(found, name).to.not.be.empty;
      for (const step of found) expect(step, name).to.equal(plain);
    }
  });
});
