// examples/gitlab-ci/sweep.gitlab-ci.yml and nightly.gitlab-ci.yml: validated
// and planned by gitlab-ci-local always; run once `twinbuild sweep` exists.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import type { RunResult } from '../../reports/model.js';
import { cleanupTemp, CLI, EXAMPLES, requireOrSkip, onPath } from '../helpers.js';
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
  type ListedJob,
  type Project,
} from './project.js';

const SHARDS = 4;
const shards = (job: string, total: number) => Array.from({ length: total }, (_, i) => `${job}: [${i + 1}/${total}]`);

/** A project including the templates, with `extra` appended to its .gitlab-ci.yml. */
function templatesProject(
  templates: string[],
  extra = '',
  files: Record<string, string> = {},
  copies: Record<string, string> = {},
  installFromGit = false,
): Promise<Project> {
  const includes = templates.map((t) => `  - local: ci/twinbuild/${t}.gitlab-ci.yml\n`).join('');
  const copied = Object.fromEntries(
    templates.map((t) => [`ci/twinbuild/${t}.gitlab-ci.yml`, join(TEMPLATES, `${t}.gitlab-ci.yml`)]),
  );
  return gitlabProject(
    { '.gitlab-ci.yml': `include:\n${includes}${extra}`, ...files },
    { ...copied, ...copies },
    installFromGit,
  );
}

/** Every job a created job needs is created too (GitLab rejects the pipeline otherwise). */
function expectNeedsCreated(jobs: readonly ListedJob[]): void {
  const created = jobs.filter((j) => j.when !== 'never');
  for (const job of created) {
    for (const need of job.needs ?? []) {
      const instances = jobs.filter((j) => j.name === need.job || j.name.startsWith(`${need.job}: [`));
      expect(instances, `${job.name} needs ${need.job}`).to.not.be.empty;
      expect(
        instances.every((j) => j.when !== 'never'),
        `${job.name} needs ${need.job}`,
      ).to.equal(true);
    }
  }
}

const plan = (jobs: readonly ListedJob[]) => Object.fromEntries(jobs.map((j) => [j.name, j.when]));

describe('GitLab CI: sweep.gitlab-ci.yml and nightly.gitlab-ci.yml', function () {
  after(cleanupTemp);
  before(async function () {
    const why = await whyNoGitlabCiLocal();
    requireOrSkip(this, why === undefined, why ?? '');
  });

  it(
    'pass GitLab schema validation; sweep and merge run on merge requests and the ' +
      'default branch, the nightly ones on schedules',
    async () => {
      const project = await templatesProject(['sweep', 'nightly']);
      const expected = (sweeps: string, merge: string, nightly: string, nightlyMerge: string) => ({
        ...Object.fromEntries(shards('sweep', SHARDS).map((name) => [name, sweeps])),
        merge,
        ...Object.fromEntries(shards('nightly-sweep', SHARDS).map((name) => [name, nightly])),
        'nightly-merge': nightlyMerge,
        pages: nightlyMerge, // the history page (test/gitlab/history-pages.test.ts)
      });
      for (const [source, want] of [
        ['merge_request_event', expected('on_success', 'always', 'never', 'never')],
        ['push', expected('on_success', 'always', 'never', 'never')], // on main, the default branch
        ['schedule', expected('never', 'never', 'on_success', 'always')],
      ] as const) {
        const jobs = await listJobs(project, { CI_PIPELINE_SOURCE: source });
        expect(plan(jobs), source).to.deep.equal(want);
        expectNeedsCreated(jobs);
        expect(jobs.find((j) => j.name === 'merge')?.needs?.map((n) => n.job)).to.deep.equal(['sweep']);
        expect(jobs.find((j) => j.name === 'nightly-merge')?.needs?.map((n) => n.job)).to.deep.equal(['nightly-sweep']);
      }
      const pushOnABranch = await listJobs(project, { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'topic' });
      expect(
        pushOnABranch.every((j) => j.when === 'never'),
        'a push to another branch',
      ).to.equal(true);
    },
  );

  it('shard into twinbuild-out/shard-N, merge them into twinbuild-out/merged, publish junit, index.html and the badge', async () => {
    const yaml = await preview(await templatesProject(['sweep', 'nightly']));
    for (const [sweep, merge] of [
      ['sweep', 'merge'],
      ['nightly-sweep', 'nightly-merge'],
    ] as const) {
      const shard = jobBlock(yaml, sweep);
      expect(shard).to.include(`  parallel: ${SHARDS}\n`);
      expect(shard).to.include('twinbuild sweep "$TWINBUILD_ROOT" --out "twinbuild-out/shard-$CI_NODE_INDEX"');
      expect(shard).to.include('    when: always\n');
      const merged = jobBlock(yaml, merge);
      expect(merged).to.include('twinbuild report merge twinbuild-out/shard-* --out twinbuild-out/merged');
      expect(merged).to.include(
        'twinbuild report badge twinbuild-out/merged/results.json --out twinbuild-out/merged/badge.svg',
      );
      expect(merged).to.include('      junit: twinbuild-out/merged/junit.xml\n');
      expect(merged).to.include('    when: always\n');
    }
    expect(jobBlock(yaml, 'merge'))
      .to.include('    expose_as: reproducibility report\n')
      .and.include('      - twinbuild-out/merged/index.html\n');
    const nightly = jobBlock(yaml, 'nightly-sweep');
    expect(nightly).to.include(
      '$CI_API_V4_URL/projects/$CI_PROJECT_ID/jobs/artifacts/$CI_DEFAULT_BRANCH/raw/twinbuild-out/merged/results.json?job=nightly-merge',
    );
    expect(nightly).to.include('JOB-TOKEN: $CI_JOB_TOKEN').and.include('--baseline twinbuild-baseline.json');
  });

  describe('run', function () {
    // Note: named so that each of 2 shards gets one package (shards go by a hash of the name).
    const config = JSON.stringify({
      defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
      packages: [
        { name: 'reproducible', path: 'reproducible' },
        { name: 'leaks-locale-sort', path: 'leaks-locale-sort' },
      ],
    });
    const packages = {
      reproducible: join(EXAMPLES, 'reproducible'),
      'leaks-locale-sort': join(EXAMPLES, 'leaks-locale-sort'),
    };

    before(async function () {
      const sweep = await realProcesses.capture(['node', CLI, 'sweep', '--help']);
      requireOrSkip(
        this,
        sweep.exitCode === 0,
        `twinbuild sweep is not in this build (\`sweep --help\` exited ${sweep.exitCode}: ${sweep.stderr.trim()})`,
      );
    });
    before(async function () {
      requireOrSkip(this, (await onPath('xmllint')) !== undefined, 'xmllint not installed (libxml2-utils)');
      requireOrSkip(
        this,
        (await onPath('curl')) !== undefined,
        'curl not installed (the nightly template downloads its baseline with it)',
      );
    });

    it('sweep in 2 shards fails on the unreproducible package; merge still publishes one report and a badge', async () => {
      // Its jobs install twinbuild from git, each shard into its own npm prefix.
      const project = await templatesProject(
        ['sweep'],
        'sweep:\n  parallel: 2\n',
        { 'twinbuild.config.json': config },
        packages,
        true,
      );
      const run = await gitlabCiLocal(project, [
        ...RUN,
        ...variables({ CI_PIPELINE_SOURCE: 'merge_request_event', TWINBUILD_OPTIONS: '--no-bisect' }),
      ]);
      expect(run.exitCode, run.stdout + run.stderr).to.equal(1);
      expect(run.stdout).to.match(/FAIL\s+sweep: \[\d\/2\]/);
      expect(run.stdout).to.match(/PASS\s+merge/);
      expect(await installedPrefixes(project), 'both shards and merge installed twinbuild').to.equal(3);
      const out = join(artifactsOf(project, 'merge'), 'twinbuild-out');
      for (const file of ['shard-1/results.json', 'shard-2/results.json', 'merged/index.html', 'merged/badge.svg'])
        expect(existsSync(join(out, file)), file).to.equal(true);
      const merged = JSON.parse(await readFile(join(out, 'merged', 'results.json'), 'utf8')) as RunResult;
      expect(merged.summary).to.include({ total: 2, reproducible: 1, unreproducible: 1 });
      const junit = join(out, 'merged', 'junit.xml');
      expect((await realProcesses.capture(['xmllint', '--noout', junit])).exitCode).to.equal(0);
      expect(
        (
          await realProcesses.capture(['xmllint', '--xpath', 'string(//testsuite[.//failure]/@name)', junit])
        ).stdout.trim(),
      ).to.equal('leaks-locale-sort');
      expect(await readFile(join(out, 'merged', 'badge.svg'), 'utf8')).to.include('1/2');
    });

    /** A stand-in for GitLab's job artifacts API that answers with `answer()`, recording each request. */
    async function artifactsApi(answer: () => { status: number; body: string }) {
      const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
      const server = createServer((request, response) => {
        requests.push({ url: request.url ?? '', headers: request.headers });
        const { status, body } = answer();
        response.writeHead(status).end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return { requests, url, close: () => new Promise((resolve) => server.close(resolve)) };
    }

    // Note: the nightly jobs run this checkout's CLI: their install lines are the
    // sweep's (one .twinbuild-tools, checked in reproducible-template.test.ts), which
    // the sweep run above exercises; installing in all six jobs of two nights cost a minute.
    async function nightlyProject(): Promise<Project> {
      return templatesProject(
        ['nightly'],
        'nightly-sweep:\n  parallel: 2\n',
        { 'twinbuild.config.json': config },
        packages,
      );
    }

    const night = (project: Project, serverUrl: string) =>
      gitlabCiLocal(project, [
        ...RUN,
        ...variables({
          CI_PIPELINE_SOURCE: 'schedule',
          CI_SERVER_URL: serverUrl, // CI_API_V4_URL follows
          CI_JOB_TOKEN: 'job-token-of-this-pipeline',
          no_proxy: '127.0.0.1',
          TWINBUILD_OPTIONS: '--no-bisect',
          TWINBUILD_PAGES: 'false', // the history page has its own test (history-pages.test.ts)
        }),
      ]);

    const mergedResults = async (project: Project) =>
      JSON.parse(
        await readFile(join(artifactsOf(project, 'nightly-merge'), 'twinbuild-out', 'merged', 'results.json'), 'utf8'),
      ) as RunResult & { baseline?: { regressions: string[]; stillBroken: string[] } };

    it(
      'nightly: the first night (404) becomes the baseline; the next downloads it ' +
        'with the job token and fails only on the regression',
      async () => {
        let baseline: string | null = null;
        const api = await artifactsApi(() =>
          baseline === null ? { status: 404, body: '{"message":"404 Not Found"}' } : { status: 200, body: baseline },
        );
        try {
          const project = await nightlyProject();
          const first = await night(project, api.url);
          expect(first.exitCode, first.stdout + first.stderr).to.equal(0);
          expect(first.stdout).to.include('no baseline yet').and.include('first night');
          expect(first.stdout).to.match(/PASS\s+nightly-merge/);
          expect(api.requests).to.have.length(2); // one per shard
          for (const { url, headers } of api.requests) {
            expect(url).to.match(
              /^\/api\/v4\/projects\/[^/]+\/jobs\/artifacts\/main\/raw\/twinbuild-out\/merged\/results\.json\?job=nightly-merge$/,
            );
            expect(headers['job-token']).to.equal('job-token-of-this-pipeline');
          }
          expect((await mergedResults(project)).summary).to.include({ reproducible: 1, unreproducible: 1 });

          baseline = await readFile(
            join(artifactsOf(project, 'nightly-merge'), 'twinbuild-out', 'merged', 'results.json'),
            'utf8',
          );
          // A change makes the reproducible package leak the clock (gitlab-ci-local copies tracked files as they are).
          await appendFile(join(project.dir, 'reproducible', 'build.sh'), 'date +%s%N > out/stamp\n');
          const second = await night(project, api.url);
          expect(second.exitCode, second.stdout + second.stderr).to.equal(1);
          expect(second.stdout).to.include("baseline: the last successful nightly's results");
          expect(second.stdout)
            .to.match(/FAIL\s+nightly-sweep: \[\d\/2\]/)
            .and.match(/PASS\s+nightly-sweep: \[\d\/2\]/);
          const merged = await mergedResults(project);
          expect(merged.baseline!.regressions).to.deep.equal(['reproducible']);
          expect(merged.baseline!.stillBroken).to.deep.equal(['leaks-locale-sort']);
        } finally {
          await api.close();
        }
      },
    );

    it('nightly: a baseline that cannot be downloaded (HTTP 500) fails every unreproducible package, and says why', async () => {
      const api = await artifactsApi(() => ({ status: 500, body: 'oops' }));
      try {
        const run = await night(await nightlyProject(), api.url);
        expect(run.exitCode, run.stdout + run.stderr).to.equal(1);
        expect(run.stdout).to.include('could not download the baseline (HTTP 500');
        expect(run.stdout).to.not.include('first night');
      } finally {
        await api.close();
      }
    });
  });
});
