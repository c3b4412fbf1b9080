// examples/gitlab-ci/nightly.gitlab-ci.yml's `pages` job, run by gitlab-ci-local:
// the first night starts the history (the published site answers 404), the next
// adds itself to the history.json the site serves, with its regression marked
// and every run linked to its nightly-merge job's report; an unreachable site
// fails the job without deploying.
import { expect } from 'chai';
import { appendFile, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import type { History } from '../../reports/history/model.js';
import { cleanupTemp, CLI, EXAMPLES, onPath, requireOrSkip } from '../helpers.js';
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

const CONFIG = JSON.stringify({
  defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
  packages: [
    { name: 'reproducible', path: 'reproducible' },
    { name: 'leaks-locale-sort', path: 'leaks-locale-sort' },
  ],
});

const nightlyProject = (): Promise<Project> =>
  gitlabProject(
    {
      '.gitlab-ci.yml': 'include:\n  - local: ci/twinbuild/nightly.gitlab-ci.yml\nnightly-sweep:\n  parallel: 2\n',
      'twinbuild.config.json': CONFIG,
    },
    {
      'ci/twinbuild/nightly.gitlab-ci.yml': join(TEMPLATES, 'nightly.gitlab-ci.yml'),
      reproducible: join(EXAMPLES, 'reproducible'),
      'leaks-locale-sort': join(EXAMPLES, 'leaks-locale-sort'),
    },
  );

/** A stand-in for the GitLab API (the baseline) and the published Pages site (/pages/history.json). */
async function gitlabServer(answers: { baseline: () => [number, string]; history: () => [number, string] }) {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const url = request.url ?? '';
    requests.push(url);
    const [status, body] = url.startsWith('/pages/') ? answers.history() : answers.baseline();
    response.writeHead(status).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { requests, url, close: () => new Promise((resolve) => server.close(resolve)) };
}

const night = (project: Project, serverUrl: string) =>
  gitlabCiLocal(
    project,
    [
      ...RUN,
      ...variables({
        CI_PIPELINE_SOURCE: 'schedule',
        CI_SERVER_URL: serverUrl,
        CI_PAGES_URL: `${serverUrl}/pages`,
        CI_JOB_TOKEN: 'job-token-of-this-pipeline',
        no_proxy: '127.0.0.1',
        TWINBUILD_OPTIONS: '--no-bisect',
      }),
    ],
    300_000,
  );

const published = (project: Project, file: string) =>
  readFile(join(artifactsOf(project, 'pages'), 'public', file), 'utf8');

describe('GitLab CI: the nightly publishes the history page with GitLab Pages', function () {
  this.timeout(600_000);
  after(cleanupTemp);
  before(async function () {
    const why = await whyNoGitlabCiLocal();
    requireOrSkip(this, why === undefined, why ?? '');
  });

  it('plans `pages` on schedules only, after nightly-merge, in the deploy stage, publishing public/', async () => {
    const project = await nightlyProject();
    for (const [source, when] of [
      ['schedule', 'always'],
      ['merge_request_event', 'never'],
      ['push', 'never'],
    ] as const) {
      const pages = (await listJobs(project, { CI_PIPELINE_SOURCE: source })).find((j) => j.name === 'pages');
      expect(pages?.when, source).to.equal(when);
      expect(pages?.stage).to.equal('deploy');
      expect(pages?.needs?.map((n) => n.job)).to.deep.equal(['nightly-merge']);
    }
    const off = (await listJobs(project, { CI_PIPELINE_SOURCE: 'schedule', TWINBUILD_PAGES: 'false' })).find(
      (j) => j.name === 'pages',
    );
    expect(off?.when, 'TWINBUILD_PAGES=false').to.equal('never');
    const block = jobBlock(await preview(project), 'pages');
    expect(block).to.include('twinbuild report history "$@" twinbuild-out/merged/results.json --out public');
    expect(block).to.match(/artifacts:\n\s+paths:\n\s+- public\n/);
  });

  describe('run', function () {
    before(async function () {
      requireOrSkip(
        this,
        (await onPath('curl')) !== undefined,
        'curl not installed (the nightly template downloads with it)',
      );
      const sweep = await realProcesses.capture(['node', CLI, 'sweep', '--help']);
      requireOrSkip(this, sweep.exitCode === 0, 'twinbuild sweep is not in this build');
    });

    it('starts the history on a 404, adds the next night to the published history.json, and marks its regression', async () => {
      let baseline: string | null = null;
      let history: string | null = null;
      const server = await gitlabServer({
        baseline: () => (baseline === null ? [404, '{"message":"404 Not Found"}'] : [200, baseline]),
        history: () => (history === null ? [404, 'not found'] : [200, history]),
      });
      try {
        const project = await nightlyProject();
        const first = await night(project, server.url);
        expect(first.exitCode, first.stdout + first.stderr).to.equal(0);
        expect(first.stdout)
          .to.include('no history published yet: it starts tonight')
          .and.match(/PASS\s+pages/);
        expect(server.requests).to.include('/pages/history.json');
        const one = JSON.parse(await published(project, 'history.json')) as History;
        expect(one.runs).to.have.length(1);
        // The report link is nightly-merge's own job, where its artifacts stay.
        expect(one.runs[0]!.report).to.match(
          new RegExp(`^${server.url}/twinbuild/fixture/-/jobs/\\d+/artifacts/file/twinbuild-out/merged/index\\.html$`),
        );
        expect(await published(project, 'index.html')).to.include('twinbuild history');
        expect(await published(project, 'badge.svg')).to.include('1/2');

        baseline = await readFile(
          join(artifactsOf(project, 'nightly-merge'), 'twinbuild-out', 'merged', 'results.json'),
          'utf8',
        );
        history = await published(project, 'history.json');
        await appendFile(join(project.dir, 'reproducible', 'build.sh'), 'date +%s%N > out/stamp\n');
        const second = await night(project, server.url);
        expect(second.exitCode, second.stdout + second.stderr).to.equal(1); // the regression fails the sweep…
        expect(second.stdout)
          .to.include('tonight added to the published history.json')
          .and.match(/PASS\s+pages/); // …and is published
        const two = JSON.parse(await published(project, 'history.json')) as History;
        expect(two.runs).to.have.length(2);
        expect(two.runs[0]!.report).to.equal(one.runs[0]!.report);
        const cells = (name: string) =>
          two.packages
            .find((p) => p.name === name)!
            .cells.map((c) => c && `${c.verdict}${c.change ? ` ${c.change}` : ''}`);
        expect(cells('reproducible')).to.deep.equal(['reproducible', 'unreproducible regression']);
        expect(cells('leaks-locale-sort')).to.deep.equal(['unreproducible', 'unreproducible']);
      } finally {
        await server.close();
      }
    });

    it('does not deploy when the published history cannot be read (HTTP 500), and says why', async () => {
      const server = await gitlabServer({ baseline: () => [404, ''], history: () => [500, 'oops'] });
      try {
        const run = await night(await nightlyProject(), server.url);
        expect(run.exitCode, run.stdout + run.stderr).to.not.equal(0);
        expect(run.stdout)
          .to.include('could not download the published history (HTTP 500')
          .and.match(/FAIL\s+pages/);
      } finally {
        await server.close();
      }
    });
  });
});
