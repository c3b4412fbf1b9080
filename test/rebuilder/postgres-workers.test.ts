// The rebuilder on many machines (issue 34): a coordinator that alone holds the
// key and three `rebuilder --worker` processes that have none, on a state in
// PostgreSQL (a private cluster) and in the SQLite default (the same machine),
// watching two repositories. A worker SIGKILLed mid-build loses its lease and its
// job is finished by another; the coordinator is SIGKILLed and started again
// mid-run; PostgreSQL is stopped for a few seconds. Every job is verified exactly
// once and each link published once, signed with the coordinator's key; then apt
// (intoto://, a layout naming the coordinator's key) downloads one of them.
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses, type RunOutcome } from '../../adapters/process.js';
import { loadSigningKey } from '../../attest/keys.js';
import { reapStaleRoots } from '../../engine/prepare/stale-roots.js';
import { openState } from '../../rebuilder/service/state.js';
import { CLI, cleanupTemp, requireOrSkip, runCli, tempDir } from '../helpers.js';
import { aptIntoto, aptIntotoMissing, type AptIntoto } from './apt-client.js';
import { STORES, stateStore } from './postgres-cluster.js';
import {
  flatRepository,
  officialUpload,
  repositoryConfig,
  serveDirectory,
  type StaticServer,
  type Upload,
} from './service-fixtures.js';

/** Packages per repository (two repositories): 6 jobs, or TB_REBUILDER_PACKAGES (the 20: 109 s here on PostgreSQL). */
const PER_REPOSITORY = Math.max(1, Math.ceil(Number(process.env['TB_REBUILDER_PACKAGES'] ?? '6') / 2));

type Running = Readonly<{ log: string; stop: () => Promise<RunOutcome>; done: Promise<RunOutcome> }>;

function start(dir: string, name: string, args: string[]): Running {
  const controller = new AbortController();
  const log = join(dir, `${name}.log`);
  const done = realProcesses.run({
    argv: ['node', CLI, 'rebuilder', ...args],
    env: process.env as Record<string, string>,
    cwd: dir,
    logFile: log,
    signal: controller.signal,
    abortWith: 'SIGKILL',
    timeoutMs: 900_000,
  });
  const running: Running = {
    log,
    done,
    stop: () => {
      live.delete(running);
      controller.abort();
      return done;
    },
  };
  live.add(running);
  return running;
}

const text = (path: string) => readFile(path, 'utf8').catch(() => '');

/** Every process started and not stopped on purpose: one that ends by itself fails the wait at once. */
const live = new Set<Running>();

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 480_000): Promise<void> {
  const started = Date.now();
  let ended: Running | undefined;
  for (const r of live)
    void r.done.then(() => {
      if (live.has(r)) ended = r;
    });
  while (!(await check())) {
    if (ended) throw new Error(`${ended.log} ended while waiting for ${what}: ${await text(ended.log)}`);
    if (Date.now() - started > timeoutMs) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

for (const kind of STORES)
  describe(`rebuilder: a coordinator and three workers (state in ${kind})`, function () {
    this.timeout(1_200_000);
    const store = stateStore(kind);
    let uploads: Upload[];
    let key: string;
    const servers: StaticServer[] = [];
    const running: Running[] = [];
    /** The first test's directory (repositories, publish dir), once every job was verified; apt uses it next. */
    let finished: string | undefined;
    let apt: AptIntoto | undefined;
    before(async () => {
      const names = Array.from({ length: 2 * PER_REPOSITORY }, (_, i) => `tinyjob${i + 1}`);
      uploads = [];
      for (const name of names) uploads.push(await officialUpload(name));
      key = join(await tempDir(), 'rebuilder');
      expect((await runCli(['keygen', '--out', key], { withOut: false })).exitCode).to.equal(0);
    });
    afterEach(async () => {
      await Promise.all(running.splice(0).map((r) => r.stop()));
      await Promise.all(servers.splice(0).map((s) => s.close()));
      // The temp root of the worker SIGKILLed mid-build: what the next twinbuild on its machine reaps.
      expect((await reapStaleRoots(process.env['TMPDIR']!, realProcesses)).failed).to.deep.equal([]);
    });
    after(async () => {
      await apt?.close();
      await cleanupTemp();
    });

    it('each job verified and published once; a worker SIGKILLed, the coordinator restarted, PostgreSQL stopped', async () => {
      const dir = await tempDir();
      const repos = await Promise.all(
        ['distro', 'ours'].map(async (name, r) => {
          const server = await serveDirectory(
            await flatRepository(join(dir, name), uploads.slice(r * PER_REPOSITORY, (r + 1) * PER_REPOSITORY)),
          );
          servers.push(server);
          return repositoryConfig({ name, url: `${server.url}/` });
        }),
      );
      const stored = await store.config(dir);
      const common = {
        repositories: repos,
        pollInterval: 3600,
        lease: 10,
        timeout: 600,
        state: join(dir, 'state'),
        ...stored,
      };
      const coordinatorConfig = join(dir, 'coordinator.json');
      await writeFile(
        coordinatorConfig,
        JSON.stringify({ ...common, signingKey: key, publish: join(dir, 'publish'), concurrency: 0 }),
      );
      // The workers' configs: no key, no publish directory; with PostgreSQL each has work files of its own.
      const workerConfig = async (i: number) => {
        const path = join(dir, `worker${i}.json`);
        const work = kind === 'PostgreSQL' ? { work: join(dir, `worker${i}-work`) } : {};
        await writeFile(path, JSON.stringify({ ...common, ...work, concurrency: 1 }));
        return path;
      };
      const coordinator = () => start(dir, `coordinator${running.length}`, ['--config', coordinatorConfig]);
      let lead = coordinator();
      running.push(lead);
      const workers = await Promise.all(
        [1, 2, 3].map(async (i) => start(dir, `worker${i}`, ['--worker', '--config', await workerConfig(i)])),
      );
      running.push(...workers);

      const verified = async () =>
        Number(
          (
            await store.query<{ n: number | string }>(dir, `SELECT COUNT(*) AS n FROM jobs WHERE status = 'verified'`)
          )[0]?.n ?? 0,
        );
      // A worker killed mid-build: it has leased a job and its build is under way.
      await until('worker 1 building', async () => (await text(workers[0]!.log)).includes(': verifying'));
      const killedJob = /(\S+): (\S+) 1\.0 \(attempt \d+\): verifying/.exec(await text(workers[0]!.log))!;
      // --status while worker 1 builds: the workers, what worker 1 builds, the queue.
      const during = await runCli(['rebuilder', '--status', '--config', coordinatorConfig], { withOut: false });
      expect(during.exitCode, during.stderr).to.equal(0);
      expect(during.stdout).to.match(
        /^queue: \d+ queued \(\d+ due\) · [1-3] running · \d+ reported · \d+ publishing$/m,
      );
      expect(during.stdout).to.match(/^workers: 3 alive of 3 known$/m);
      expect(during.stdout).to.match(new RegExp(`alive · building ${killedJob[1]}: ${killedJob[2]} 1\\.0 ·`));
      expect((await workers[0]!.stop()).signal).to.equal('SIGKILL');

      // The coordinator killed once something was published, and started again.
      await until('a first link', async () => (await verified()) >= 1);
      expect((await lead.stop()).signal).to.equal('SIGKILL');
      lead = coordinator();
      running.push(lead);

      if (kind === 'PostgreSQL') {
        await until('a third link', async () => (await verified()) >= 3);
        live.delete(lead); // it stops when its lock's connection goes (below)
        await store.cluster().pause();
        await new Promise((r) => setTimeout(r, 3000));
        await store.cluster().start();
        // Note: the coordinator stops when the connection holding its lock is lost (exit 3): it is started again.
        const ended = await lead.done;
        expect(ended.exitCode, await text(lead.log)).to.equal(3);
        expect(await text(lead.log)).to.match(/lost the coordinator lock/);
        lead = coordinator();
        running.push(lead);
      }
      await until('every job verified', async () => (await verified()) === 2 * PER_REPOSITORY);

      const attempts = await store.query<{
        source: string;
        attempt: number;
        outcome: string | null;
        worker: string | null;
      }>(
        dir,
        'SELECT j.source, a.attempt, a.outcome, a.worker FROM attempts a JOIN jobs j ON j.id = a.job ORDER BY j.source, a.attempt',
      );
      // Exactly one verified attempt per job, each by a worker; the killed worker's attempt was lost, then finished elsewhere.
      for (const upload of uploads) {
        const mine = attempts.filter((a) => a.source === upload.name);
        expect(
          mine.filter((a) => a.outcome === 'verified'),
          JSON.stringify(mine),
        ).to.have.length(1);
        expect(mine.every((a) => a.worker !== null)).to.equal(true);
      }
      const killed = attempts.filter((a) => a.source === killedJob[2]);
      expect(killed.map((a) => a.outcome)).to.include('lost');
      const lastWorker = killed.find((a) => a.outcome === 'verified')!.worker;
      expect(killed.find((a) => a.outcome === 'lost')!.worker).to.not.equal(lastWorker);

      // Each link published once, by the coordinators together, signed with the coordinator's key.
      const logs = (await Promise.all(running.filter((r) => /coordinator/.test(r.log)).map((r) => text(r.log)))).join(
        '',
      );
      const keyid = (await loadSigningKey(key)).keyid;
      for (const upload of uploads) {
        expect(
          logs.match(new RegExp(`${upload.name} 1\\.0 \\(attempt \\d+\\): verified by worker`, 'g')),
        ).to.have.length(1);
        const link = JSON.parse(
          await readFile(join(dir, 'publish', 'sources', upload.name, '1.0', 'metadata'), 'utf8'),
        ) as {
          signed: { products: Record<string, { sha256: string }>; materials: Record<string, unknown> };
          signatures: { keyid: string }[];
        };
        expect(link.signatures.map((s) => s.keyid)).to.deep.equal([keyid]);
        const deb = `${upload.name}_1.0_all.deb`;
        expect(link.signed.products[deb]!.sha256).to.equal(
          createHash('sha256')
            .update(await readFile(join(upload.dir, deb)))
            .digest('hex'),
        );
        expect(Object.keys(link.signed.materials).sort()).to.deep.equal([
          `${upload.name}_1.0.dsc`,
          `${upload.name}_1.0.tar.xz`,
        ]);
      }
      const after = await runCli(['rebuilder', '--status', '--config', coordinatorConfig], { withOut: false });
      expect(after.stdout).to.match(/^queue: 0 queued \(0 due\) · 0 running · 0 reported · 0 publishing$/m);
      expect(after.stdout).to.match(new RegExp(`^throughput: ${2 * PER_REPOSITORY} in the last hour · `, 'm'));
      expect(after.stdout).to.match(/^workers: [23] alive of 3 known$/m);
      // The workers' reports are published with the links (the status written once the last job settled).
      await until(
        'the status page lists every job verified',
        async () =>
          ((await text(join(dir, 'publish', 'status.json'))).match(/"status": "verified"/g) ?? []).length ===
          2 * PER_REPOSITORY,
      );
      const status = JSON.parse(await readFile(join(dir, 'publish', 'status.json'), 'utf8')) as {
        repositories: { packages: { versions: { report: string | null }[] }[] }[];
        fleet: { workers: { reported: number }[]; throughput: { lastHour: number } };
      };
      expect(status.fleet.workers).to.have.length(3);
      expect(status.fleet.workers.reduce((n, w) => n + w.reported, 0)).to.equal(2 * PER_REPOSITORY);
      expect(await readFile(join(dir, 'publish', 'index.html'), 'utf8')).to.contain('<h2>Workers</h2>');
      const reports = status.repositories.flatMap((r) => r.packages.flatMap((p) => p.versions.map((v) => v.report)));
      expect(reports).to.have.length(2 * PER_REPOSITORY);
      for (const report of reports) expect(existsSync(join(dir, 'publish', report!)), report!).to.equal(true);
      finished = dir;
    });

    it('the status page is written again while workers build, not only once the queue is empty', async () => {
      const dir = await tempDir();
      const server = await serveDirectory(await flatRepository(join(dir, 'distro'), uploads.slice(0, 2)));
      servers.push(server);
      const stored = await store.config(dir);
      const common = {
        repositories: [repositoryConfig({ name: 'distro', url: `${server.url}/` })],
        pollInterval: 3600,
        state: join(dir, 'state'),
        ...stored,
      };
      const coordinatorConfig = join(dir, 'coordinator.json');
      await writeFile(
        coordinatorConfig,
        JSON.stringify({ ...common, signingKey: key, publish: join(dir, 'publish'), concurrency: 0 }),
      );
      const workerConfig = join(dir, 'worker.json');
      const work = kind === 'PostgreSQL' ? { work: join(dir, 'worker-work') } : {};
      await writeFile(workerConfig, JSON.stringify({ ...common, ...work, concurrency: 1 }));
      running.push(start(dir, 'coordinator', ['--config', coordinatorConfig]));
      // Note: the state (its tables) exists once the coordinator has opened it.
      const jobs = async () =>
        store
          .query<{ id: number; status: string }>(dir, 'SELECT id, status FROM jobs ORDER BY id')
          .catch(() => [] as { id: number; status: string }[]);
      await until('the poll', async () => (await jobs()).length === 2);
      // A worker that took the first job and never comes back (its lease an hour long): the drain cannot end.
      const absent = await openState(
        { state: join(dir, 'state'), database: (stored as { state?: string }).state ?? null },
        { waitMs: 60_000, log: () => {} },
      );
      try {
        const held = (await absent.lease('absent', Date.now(), Date.now() + 3_600_000))!;
        running.push(start(dir, 'worker', ['--worker', '--config', workerConfig]));
        const page = join(dir, 'publish', 'status.json');
        await until('the status page lists the other job verified', async () =>
          (await text(page)).includes('"status": "verified"'),
        );
        expect((await jobs()).find((j) => Number(j.id) === Number(held.id))!.status).to.equal('running');
        const fleet = (JSON.parse(await readFile(page, 'utf8')) as { fleet: { queue: { running: number } } }).fleet;
        expect(fleet.queue.running).to.equal(1);
      } finally {
        await absent.close();
      }
    });

    it("apt (intoto://) downloads a package the workers rebuilt, with the coordinator's link", async function () {
      const missing = await aptIntotoMissing();
      requireOrSkip(this, missing === null, missing ?? '');
      if (finished === undefined) return this.skip(); // the workers' test failed: nothing was published
      const root = await tempDir('tb-apt-');
      apt = await aptIntoto(root);
      const repo = await serveDirectory(join(finished, 'distro'));
      const rebuilder = await serveDirectory(join(finished, 'publish'));
      servers.push(repo, rebuilder);
      const upload = uploads[0]!;
      const fetched = await apt.download(
        repo,
        [rebuilder.url],
        await apt.signedLayout('root.layout', [key], 1),
        upload.name,
      );
      expect(fetched.output).to.match(new RegExp(`In-toto verification for '.*${upload.name}_1\\.0_all\\.deb' passed`));
      expect(fetched.ok, fetched.output).to.equal(true);
      const deb = `${upload.name}_1.0_all.deb`;
      expect(await readFile(join(fetched.dir, 'download', deb))).to.deep.equal(await readFile(join(upload.dir, deb)));
      expect(rebuilder.requests).to.include(`/sources/${upload.name}/1.0/metadata`);
      expect(apt.hostLogUntouched(), "the host's /tmp/intoto.log untouched").to.equal(true);
    });
  });
