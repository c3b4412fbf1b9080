// examples/gitlab-ci/reproducible.gitlab-ci.yml, included as docs/gitlab-ci.md says
// and run by gitlab-ci-local as a merge request pipeline.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { cleanupTemp, EXAMPLES, REPO_ROOT, requireOrSkip, onPath } from '../helpers.js';
import {
  artifactsOf,
  gitlabCiLocal,
  gitlabProject,
  installedPrefixes,
  jobBlock,
  listJobs,
  preview,
  RUN,
  TEMPLATES,
  variables,
  whyNoGitlabCiLocal,
  yamlBlockAfter,
  type Project,
} from './project.js';

const MERGE_REQUEST = { CI_PIPELINE_SOURCE: 'merge_request_event' };

async function xpath(file: string, expression: string): Promise<string> {
  return (await realProcesses.capture(['xmllint', '--xpath', expression, file])).stdout.trim();
}

/** A project whose .gitlab-ci.yml is the documented snippet, with the template where the snippet includes it. */
async function snippetProject(example: string, snippet: string): Promise<Project> {
  const included = /local:\s*(\S+)/.exec(snippet)?.[1];
  if (!included) throw new Error(`the snippet includes no local file:\n${snippet}`);
  return gitlabProject(
    { '.gitlab-ci.yml': snippet },
    { [included]: join(TEMPLATES, 'reproducible.gitlab-ci.yml'), '.': join(EXAMPLES, example) },
    true,
  );
}

describe('GitLab CI: reproducible.gitlab-ci.yml', function () {
  let snippet: string;
  after(cleanupTemp);
  before(async function () {
    const why = await whyNoGitlabCiLocal();
    requireOrSkip(this, why === undefined, why ?? '');
    snippet = await yamlBlockAfter(join(TEMPLATES, 'README.md'), '## Drop it into an existing .gitlab-ci.yml');
  });

  it('the snippet is under 10 lines, an include and one job, and docs/gitlab-ci.md shows the same', async () => {
    expect(snippet.trimEnd().split('\n')).to.have.length.below(10);
    expect(snippet).to.match(/^include:\n/);
    expect(snippet.match(/^\S.*:$/gm)).to.deep.equal(['include:', 'reproducible:']);
    expect(await yamlBlockAfter(join(REPO_ROOT, 'docs', 'gitlab-ci.md'), '## The merge request job')).to.equal(snippet);
  });

  it('passes schema validation; runs on merge requests and branch pushes (not twice), with the artifacts GitLab shows', async () => {
    const project = await snippetProject('reproducible', snippet);
    const onMergeRequest = await listJobs(project, MERGE_REQUEST);
    expect(onMergeRequest.map((j) => [j.name, j.stage, j.when])).to.deep.equal([
      ['reproducible', 'test', 'on_success'],
    ]);
    const push = { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'feature' };
    expect((await listJobs(project, push)).map((j) => j.when)).to.deep.equal(['on_success']);
    const withRequest = { ...push, CI_OPEN_MERGE_REQUESTS: 'group/p!1' };
    expect((await listJobs(project, withRequest)).map((j) => j.when)).to.deep.equal(['never']);
    expect((await listJobs(project, { ...push, TWINBUILD_ON_PUSH: 'false' })).map((j) => j.when)).to.deep.equal([
      'never',
    ]);
    const job = jobBlock(await preview(project), 'reproducible');
    expect(job).to.include('    when: always\n');
    expect(job).to.include('    expose_as: reproducibility report\n');
    expect(job).to.include('      - twinbuild-out/index.html\n');
    expect(job).to.include('      junit: twinbuild-out/junit.xml\n');
    expect(job).to.include('twinbuild check "$TWINBUILD_SOURCE"');
  });

  it('a template mistake is caught by the schema validation', async () => {
    const project = await snippetProject(
      'reproducible',
      `${snippet}  artifacts:\n    reports:\n      junitt: twinbuild-out/junit.xml\n`,
    );
    const run = await gitlabCiLocal(project, ['--list-json', ...variables(MERGE_REQUEST)]);
    expect(run.exitCode).to.equal(1);
    expect(run.stderr).to.include('Invalid .gitlab-ci.yml configuration');
    expect(run.stderr).to.include("'junitt' property is not expected");
  });

  describe('run as a merge request pipeline', function () {
    before(async function () {
      requireOrSkip(this, (await onPath('xmllint')) !== undefined, 'xmllint not installed (libxml2-utils)');
    });

    it('passes on examples/reproducible and publishes junit.xml and index.html', async () => {
      const project = await snippetProject('reproducible', snippet);
      const run = await gitlabCiLocal(project, [...RUN, ...variables(MERGE_REQUEST)]);
      expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
      expect(run.stdout).to.match(/PASS\s+reproducible/);
      expect(run.stdout).to.include('2 artifacts identical');
      // The job installed twinbuild itself, from the git URL, into the project's npm prefix.
      expect(run.stdout).to.match(/added \d+ packages/);
      expect(await installedPrefixes(project)).to.equal(1);
      const published = join(artifactsOf(project, 'reproducible'), 'twinbuild-out');
      expect(existsSync(join(published, 'index.html'))).to.equal(true);
      const junit = join(published, 'junit.xml');
      const lint = await realProcesses.capture(['xmllint', '--noout', junit]);
      expect(lint.exitCode, lint.stderr).to.equal(0);
      expect(await xpath(junit, 'count(//testcase[not(skipped)])')).to.equal('2');
      expect(await xpath(junit, 'count(//failure | //error)')).to.equal('0');
    });

    it('fails on examples/leaks-locale-sort, and still publishes the failure with its diffoscope page', async () => {
      const project = await snippetProject('leaks-locale-sort', snippet);
      const run = await gitlabCiLocal(project, [
        ...RUN,
        ...variables({ ...MERGE_REQUEST, TWINBUILD_OPTIONS: '--no-bisect' }),
      ]);
      expect(run.exitCode, run.stdout + run.stderr).to.equal(1);
      expect(run.stdout).to.match(/FAIL\s+reproducible/);
      expect(run.stdout).to.include('UNREPRODUCIBLE');
      const jobRoot = artifactsOf(project, 'reproducible');
      expect(existsSync(join(jobRoot, 'twinbuild-out', 'index.html'))).to.equal(true);
      const junit = join(jobRoot, 'twinbuild-out', 'junit.xml');
      expect((await realProcesses.capture(['xmllint', '--noout', junit])).exitCode).to.equal(0);
      expect(await xpath(junit, 'string(//testcase[failure]/@name)')).to.equal('out/index.txt');
      // GitLab resolves [[ATTACHMENT|…]] against the job's root, which is what the artifacts hold.
      const attachment = /\[\[ATTACHMENT\|(.+?)\]\]/.exec(
        await xpath(junit, 'string(//testcase[failure]/system-out)'),
      )?.[1];
      expect(attachment).to.be.a('string');
      expect(existsSync(join(jobRoot, attachment!)), attachment).to.equal(true);
    });
  });

  it(
    'every template installs only Debian packages from scripts/debian-packages.txt, ' +
      'and shares one .twinbuild-tools and runner note',
    async () => {
      const known = (await readFile(join(REPO_ROOT, 'scripts', 'debian-packages.txt'), 'utf8'))
        .split('\n')
        .map((line) => line.replace(/#.*/, '').trim())
        .filter(Boolean);
      const templates = (await readdir(TEMPLATES)).filter((name) => name.endsWith('.gitlab-ci.yml'));
      expect(templates).to.include.members([
        'reproducible.gitlab-ci.yml',
        'sweep.gitlab-ci.yml',
        'nightly.gitlab-ci.yml',
      ]);
      const texts = await Promise.all(templates.map((name) => readFile(join(TEMPLATES, name), 'utf8')));
      const shared = (text: string) => [
        text.slice(text.indexOf('# Unprivileged runners'), text.indexOf('`twinbuild doctor`')),
        /^\.twinbuild-tools:\n(?: .*\n)+/m.exec(text)?.[0],
      ];
      for (const text of texts) {
        const installed = /apt-get install [^\n]*--no-install-recommends ([^\n]+)/.exec(text)?.[1]?.split(/\s+/) ?? [];
        expect(installed).to.include.members(['disorderfs', 'faketime', 'locales']);
        expect(known).to.include.members(installed);
        expect(shared(text)).to.deep.equal(shared(texts[0]!));
        expect(text)
          .to.include('privileged = true')
          .and.include('devices = ["/dev/fuse"]')
          .and.include('cap_add = ["SYS_ADMIN"]');
      }
    },
  );
});
