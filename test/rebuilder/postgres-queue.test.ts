// The rebuilder's queue itself (issue 34), on PostgreSQL and on SQLite, through
// the state module the service and the workers use: workers leasing at once each
// get a job of their own; a lease not renewed in time goes to another worker and
// the first can neither renew nor report; a worker's report files stay until the
// job's verdict is recorded; and the conflict check before a link is
// staged looks only at the jobs at that link's paths, not at every job of a
// distribution (bench/RESULTS.md: reading all of them cost 0.3 s a job at 5,000).
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { conflictOf } from '../../rebuilder/service/conflicts.js';
import type { JobSpec } from '../../rebuilder/service/indexes.js';
import { openState, type Job, type ServiceState, type WorkerReport } from '../../rebuilder/service/state.js';
import { cleanupTemp, tempDir } from '../helpers.js';
import { STORES, stateStore } from './postgres-cluster.js';

const hash = (c: string) => c.repeat(64);

const spec = (repository: string, source: string, sha = 'a'): JobSpec => ({
  repository,
  format: 'apt',
  source,
  version: '1.0',
  sourceFiles: [{ path: `${source}_1.0.dsc`, sha256: hash('d'), size: 1 }],
  binaries: [
    { package: source, version: '1.0', architecture: 'all', path: `${source}_1.0_all.deb`, sha256: hash(sha), size: 2 },
  ],
});

const report: WorkerReport = { verdict: 'verified', error: null, link: null };

const STATE_MODULE = pathToFileURL(
  join(dirname(fileURLToPath(import.meta.url)), '../../rebuilder/service/state.js'),
).href;

/** A worker process's loop without the build: lease, report, until nothing is due; prints each job's id. */
const WORKER = `
const [module, state, database, name] = process.argv.slice(1);
const { openState } = await import(module);
const handle = await openState({ state, database: database || null }, { waitMs: 60000, log: () => {} });
await handle.hello(name, 1);
for (let job = await handle.lease(name, 2, 60000); job; job = await handle.lease(name, 2, 60000)) {
  if (!(await handle.report(job.id, name, { verdict: 'verified', error: null, link: null }, [], 3))) throw new Error('refused');
  console.log(job.id);
}
await handle.close();
`;

for (const kind of STORES)
  describe(`rebuilder queue (state in ${kind})`, function () {
    this.timeout(300_000);
    const store = stateStore(kind);
    const opened: ServiceState[] = [];
    after(cleanupTemp);
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    /** A state handle on `dir`'s store, as one more process would open it. */
    const open = async (dir: string) => {
      await mkdir(join(dir, 'state'), { recursive: true });
      const { state } = (await store.config(dir)) as { state?: string };
      const handle = await openState(
        { state: join(dir, 'state'), database: state ?? null },
        { waitMs: 60_000, log: () => {} },
      );
      opened.push(handle);
      return handle;
    };

    it('three worker processes leasing at once: every job leased and reported exactly once', async () => {
      const dir = await tempDir();
      const coordinator = await open(dir);
      const jobs = 40;
      await coordinator.enqueue(
        Array.from({ length: jobs }, (_, i) => spec('distro', `pkg${i}`)),
        1,
      );
      const { state: database } = (await store.config(dir)) as { state?: string };
      const workers = await Promise.all(
        ['w1', 'w2', 'w3'].map((name) =>
          realProcesses.capture(
            ['node', '--input-type=module', '-e', WORKER, STATE_MODULE, join(dir, 'state'), database ?? '', name],
            { timeoutMs: 120_000 },
          ),
        ),
      );
      for (const w of workers) expect(w.exitCode, w.stderr).to.equal(0);
      const all = workers.flatMap((w) =>
        w.stdout
          .split('\n')
          .filter((l) => l !== '')
          .map(Number),
      );
      expect(all).to.have.length(jobs);
      expect(new Set(all).size).to.equal(jobs);
      const attempts = await store.query<{ n: number | string }>(dir, 'SELECT COUNT(*) AS n FROM attempts');
      expect(Number(attempts[0]!.n)).to.equal(jobs);
      expect((await coordinator.reported()).length).to.equal(jobs);
    });

    it('a lease not renewed in time goes to another worker; the first can no longer renew or report', async () => {
      const dir = await tempDir();
      const state = await open(dir);
      await state.enqueue([spec('distro', 'slow')], 1);
      const first = (await state.lease('w1', 10, 100))!;
      expect(first.attempts).to.equal(1);
      expect(await state.renew(first.id, 'w1', 50, 150)).to.equal(true);
      // Before the renewed lease ends, nobody else gets it.
      expect(await state.lease('w2', 140, 10_000)).to.equal(null);
      const second = (await state.lease('w2', 151, 10_000))!;
      expect(second.id).to.equal(first.id);
      expect(second.attempts).to.equal(2);
      expect(await state.renew(first.id, 'w1', 152, 300)).to.equal(false);
      expect(await state.report(first.id, 'w1', report, [], 153)).to.equal(false);
      expect(await state.report(second.id, 'w2', report, [], 154)).to.equal(true);
      const attempts = await store.query<{ attempt: number; worker: string; outcome: string | null }>(
        dir,
        'SELECT attempt, worker, outcome FROM attempts ORDER BY attempt',
      );
      expect(attempts).to.deep.equal([
        { attempt: 1, worker: 'w1', outcome: 'lost' },
        { attempt: 2, worker: 'w2', outcome: null },
      ]);
    });

    it("a worker's report files stay in the state until the job's verdict is recorded, then go with it", async () => {
      const dir = await tempDir();
      const state = await open(dir);
      await state.enqueue([spec('distro', 'kept'), spec('distro', 'failing')], 1);
      const files = [['index.html', Buffer.from('<p>report</p>')]] as const;
      for (const worker of ['w1', 'w2']) {
        const job = (await state.lease(worker, 2, 60_000))!;
        expect(await state.report(job.id, worker, report, files, 3)).to.equal(true);
      }
      const [kept, failing] = (await state.reported()).map(([job]) => job);
      // The coordinator wrote them out (and could be killed now): a coordinator after it still finds them.
      await state.setReportDir(kept!.id, join(dir, 'publish', 'reports', 'kept'));
      expect((await state.reportFiles(kept!.id)).map((f) => [f.path, Buffer.from(f.content).toString()])).to.deep.equal(
        [['index.html', '<p>report</p>']],
      );
      await state.finish(kept!.id, 'mismatch', [], 4);
      expect(await state.reportFiles(kept!.id)).to.deep.equal([]);
      await state.fail(failing!.id, 'worker: the build failed', 100, 4);
      expect(await state.reportFiles(failing!.id)).to.deep.equal([]);
      const remaining = await store.query<{ n: number | string }>(dir, 'SELECT COUNT(*) AS n FROM report_files');
      expect(Number(remaining[0]!.n)).to.equal(0);
    });

    it("the conflict check is given only the jobs at the link's paths, also in a state from before link_paths", async () => {
      const dir = await tempDir();
      const state = await open(dir);
      const many = 300;
      await state.enqueue(
        Array.from({ length: many }, (_, i) => spec('distro', `pkg${i}`)),
        1,
      );
      // Every job verified and published, written as a state from before link_paths had them (none there).
      await store.query(
        dir,
        `UPDATE jobs SET status = 'verified', finished_at = 2, published = '["sources/' || source || '/1.0/metadata"]'`,
      );
      await store.query(dir, 'DROP TABLE link_paths');
      await state.close();
      opened.splice(opened.indexOf(state), 1);
      const reopened = await open(dir);
      // The same binary and version in a second repository: other bytes (a conflict), and the same bytes.
      await reopened.enqueue([spec('other', 'pkg7', 'b'), spec('mirror', 'pkg8')], 3);
      const given: number[] = [];
      const counting = (job: Job, jobs: readonly Job[]) => {
        given.push(jobs.length);
        return conflictOf(job, jobs);
      };
      const stage = async (job: Job) =>
        reopened.stageUnlessConflict(
          job.id,
          [[`.staging/${job.id}/0`, `sources/${job.source}/1.0/metadata`]],
          5,
          counting,
        );
      const other = (await reopened.lease('w1', 4, 60_000))!;
      expect(other.spec.repository).to.equal('other');
      expect(await stage(other)).to.match(
        /^pkg7 1\.0 is already published from repository distro \(pkg7 1\.0\) with other bytes/,
      );
      const mirror = (await reopened.lease('w1', 4, 60_000))!;
      expect(mirror.spec.repository).to.equal('mirror');
      expect(await stage(mirror)).to.equal(null);
      expect(given).to.deep.equal([1, 1]);
      // The mirror's link, now being published, is found by the next check for its path.
      await reopened.enqueue([spec('third', 'pkg8', 'c')], 6);
      const third = (await reopened.lease('w1', 7, 60_000))!;
      expect(await stage(third)).to.match(/^pkg8 1\.0 is already published from repository (distro|mirror)/);
      expect(given).to.deep.equal([1, 1, 2]);
    });
  });
