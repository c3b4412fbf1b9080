// The rebuilder service: polls the configured repositories, queues every
// (source, version) not yet seen, verifies each with the verify engine (runVerify)
// under a p-limit bound, publishes the link of a match where apt looks, retries
// failures with an exponential backoff, and keeps all of it in SQLite (or
// PostgreSQL: state.ts) so a kill -9 loses no job and finishes none twice. `once`:
// one poll and one drain (cron, CI).
// Repositories are apt archives or RPM repositories (createrepo_c repodata).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import pLimit from 'p-limit';
import { isTwinbuildError, TwinbuildError } from '../../core/errors.js';
import { loadSigningKey } from '../../attest/keys.js';
import { writeRebuildLink } from '../../attest/link.js';
import type { ServiceConfig } from './config.js';
import type { RepositoryConfig } from './config.js';
import type { ServiceDeps } from './deps.js';
import { readRepository, type RepositoryRead } from './indexes.js';
import { readRpmRepository } from './rpm-indexes.js';
import { completePublishing, discardStaged, replaceFile, stageLinks } from './publish.js';
import { conflictOf } from './conflicts.js';
import { readFleet } from './fleet.js';
import { lockState } from './lock.js';
import { leadPostgres, redactUrl } from './postgres.js';
import { rebuildJob } from './rebuild.js';
import { gpgvChecker, type CheckSignature } from './signature.js';
import { openState, type Job, type ServiceState, type WorkerReport } from './state.js';
import { buildStatus, renderStatusHtml } from './status.js';

export type { ServiceDeps } from './deps.js';

export type ServiceMode = Readonly<{ once: boolean; retry: readonly (readonly [string, string])[] }>;

/** What one round (or, for --once, the run) saw: the exit code follows from it. */
export type ServiceOutcome = {
  pollsFailed: number;
  /** Index entries refused (malformed, or naming a path outside the repository); the others were read. */
  refused: number;
  verified: number;
  mismatches: number;
  /** Verified, but another repository's link for the same binary and version, with other products, stands. */
  conflicts: number;
  /** Verified versions whose published files changed since (alerts standing after the polls). */
  alerts: number;
  errors: number;
};

const backoff = (config: ServiceConfig, attempts: number) =>
  config.backoffMs * 2 ** Math.min(Math.max(attempts - 1, 0), 16);

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** How often a coordinator looks for what workers reported while it waits for them. */
const WORKER_POLL_MS = 500;

/**
 * While a drain settles workers' reports (a distribution's first run lasts days), the status page is written
 * again at most this often, and never more than a twentieth of the time (it reads every job).
 */
const STATUS_EVERY_MS = 10_000;

/** How long a coordinator waits for a lost PostgreSQL before a statement fails. */
const DATABASE_WAIT_MS = 300_000;

export class RebuilderService {
  private readonly now: () => number;
  private readonly checkSignature: CheckSignature;
  /** When the status page was last written, how long that took, and how many reports were settled since. */
  private lastStatus = { at: 0, tookMs: 0, settledSince: 0 };

  private constructor(
    private readonly config: ServiceConfig,
    private readonly deps: ServiceDeps,
    private readonly state: ServiceState,
    private readonly release: () => Promise<void>,
  ) {
    this.now = deps.now ?? Date.now;
    this.checkSignature = gpgvChecker(deps.runner, join(config.state, 'work'));
  }

  /**
   * The service, once it holds its state: SQLite's lock on STATE (a second service is refused, exit 2), or the
   * PostgreSQL database's coordinator lock (a second coordinator waits for it; null if stopped while waiting).
   * A coordinator that loses its lock (its connection) stops as if signalled: `stopped` says why.
   */
  static async open(config: ServiceConfig, deps: ServiceDeps): Promise<RebuilderService | null> {
    if (config.database === null) {
      const lock = lockState(config.state);
      try {
        const state = await openState(config, { waitMs: DATABASE_WAIT_MS, log: deps.log });
        if (lock.previous !== null)
          deps.log(`the last holder of ${config.state} (pid ${lock.previous}) is gone; its lock is taken over`);
        return new RebuilderService(config, deps, state, () => Promise.resolve(lock.release()));
      } catch (error) {
        lock.release();
        throw error;
      }
    }
    const options = { waitMs: DATABASE_WAIT_MS, log: deps.log };
    const state = await openState(config, options);
    try {
      const leadership = await leadPostgres(config.database, options, deps.signal);
      if (leadership === null) {
        await state.close();
        return null;
      }
      deps.log(`leading the coordinators of ${redactUrl(config.database)}`);
      const signal = AbortSignal.any([deps.signal, leadership.lost]);
      return new RebuilderService(config, { ...deps, signal }, state, leadership.release);
    } catch (error) {
      await state.close();
      throw error;
    }
  }

  /** Aborted when the service is stopped or, a PostgreSQL coordinator, loses its lock. */
  get signal(): AbortSignal {
    return this.deps.signal;
  }

  async close(): Promise<void> {
    try {
      await this.state.close();
    } finally {
      await this.release();
    }
  }

  // A restart: attempts that were running are queued again; verified jobs whose
  // files were staged have their renames finished, without a second verify.
  async recover(): Promise<void> {
    const { requeued, publishing } = await this.state.recover(this.now());
    if (requeued > 0) this.deps.log(`${requeued} interrupted verif${requeued === 1 ? 'y' : 'ies'} queued again`);
    for (const job of publishing) await this.publish(job, job.staged);
  }

  retry(source: string, version: string): Promise<number> {
    return this.state.retry(source, version, this.now());
  }

  async poll(outcome: ServiceOutcome): Promise<void> {
    for (const repo of this.config.repositories) {
      if (this.deps.signal.aborted) return;
      const at = this.now();
      try {
        const { jobs: specs, refused } = await this.read(repo);
        const alerts = await this.state.recheck(specs, at);
        const added = await this.state.enqueue(specs, at);
        const removed = await this.state.markRemoved(repo.name, specs, at);
        await this.state.recordPoll({ repository: repo.name, at, ok: true, jobs: specs.length, error: null, refused });
        outcome.refused += refused.length;
        this.deps.log(
          `${repo.name}: ${specs.length} source versions with binaries, ${added} new` +
            (removed > 0 ? `, ${removed} no longer listed (marked removed; their links stay)` : '') +
            (refused.length > 0 ? `, ${refused.length} entr${refused.length === 1 ? 'y' : 'ies'} refused` : ''),
        );
        for (const reason of refused) this.deps.log(`refused: ${reason}`);
        outcome.alerts += alerts.length;
        for (const alert of alerts) this.deps.log(`ALERT: ${repo.name}: ${alert}`);
      } catch (error) {
        // Stopped (SIGTERM): the poll did not fail; the last one recorded stands.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the signal can abort during an await
        if (this.deps.signal.aborted) return;
        outcome.pollsFailed += 1;
        await this.state.recordPoll({
          repository: repo.name,
          at,
          ok: false,
          jobs: 0,
          error: messageOf(error),
          refused: [],
        });
        this.deps.log(`${repo.name}: poll failed: ${messageOf(error)}`);
      }
    }
  }

  private read(repo: RepositoryConfig): Promise<RepositoryRead> {
    return repo.format === 'rpm'
      ? readRpmRepository(repo, this.deps.rpmArchitecture, this.config, this.checkSignature, this.deps.signal)
      : readRepository(repo, this.deps.hostArchitecture, this.config, this.checkSignature, this.deps.signal);
  }

  /**
   * Runs every due job, at most `concurrency` at once, until none is due, and settles what workers reported;
   * with "concurrency": 0 (workers build everything) until nothing is due, with a worker or reported.
   */
  async drain(outcome: ServiceOutcome): Promise<void> {
    const limit = pLimit(Math.max(this.config.concurrency, 1));
    for (;;) {
      if (this.deps.signal.aborted) return;
      await this.state.expireLeases(this.now());
      this.lastStatus.settledSince += await this.settleReports(outcome);
      const { at, tookMs, settledSince } = this.lastStatus;
      if (settledSince > 0 && Date.now() - at >= Math.max(STATUS_EVERY_MS, 20 * tookMs)) await this.writeStatus();
      const due = this.config.concurrency > 0 ? await this.state.dueJobs(this.now()) : [];
      if (due.length > 0) {
        await Promise.all(
          due.map((id) =>
            limit(async () => {
              if (this.deps.signal.aborted) return;
              const job = await this.state.claim(id, this.now());
              if (job) await this.runJob(job, outcome);
            }),
          ),
        );
        continue;
      }
      if ((await this.state.pendingForWorkers(this.now())) === 0) return;
      await sleep(WORKER_POLL_MS, this.deps.signal);
    }
  }

  async writeStatus(): Promise<void> {
    const started = Date.now();
    const status = buildStatus(
      await this.state.jobs(),
      await this.state.polls(),
      this.config.repositories.map((r) => ({ name: r.name, signed: r.keyring !== null })),
      this.config.publish,
      this.now(),
      await readFleet(this.state, this.now(), this.config.leaseMs),
    );
    await replaceFile(join(this.config.publish, 'status.json'), JSON.stringify(status, null, 2) + '\n');
    await replaceFile(join(this.config.publish, 'index.html'), renderStatusHtml(status));
    this.lastStatus = { at: Date.now(), tookMs: Date.now() - started, settledSince: 0 };
  }

  /** The earliest time something is due: the next poll or a backed-off job. */
  async nextWake(nextPoll: number): Promise<number> {
    return Math.min(nextPoll, (await this.state.nextDue()) ?? nextPoll);
  }

  private reportDirOf(job: Job): string {
    const { spec } = job;
    return join(this.config.publish, 'reports', spec.repository, spec.source, spec.version, String(job.attempts));
  }

  private labelOf(job: Job): string {
    return `${job.spec.repository}: ${job.spec.source} ${job.spec.version} (attempt ${job.attempts})`;
  }

  // The coordinator's own rebuild: verify signs the link into the work directory.
  private async runJob(job: Job, outcome: ServiceOutcome): Promise<void> {
    const reportDir = this.reportDirOf(job);
    const work = join(this.config.state, 'work', String(job.id));
    await this.state.setReportDir(job.id, reportDir);
    this.deps.log(`${this.labelOf(job)}: verifying`);
    try {
      const { result } = await rebuildJob(job, this.config, this.deps, work, reportDir, this.config.signingKey);
      if (this.deps.signal.aborted) throw new Error('interrupted');
      await this.settle(job, result.verdict, result.error, join(work, 'link'), outcome);
    } catch (error) {
      await this.failed(job, error, outcome);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  // A worker's rebuild: its reports written where the coordinator's own go, the link signed here from the
  // hashes it reported (the worker never has the key), then published as the coordinator's own would be.
  private async settleReport(job: Job, report: WorkerReport, outcome: ServiceOutcome): Promise<void> {
    const reportDir = this.reportDirOf(job);
    const work = join(this.config.state, 'work', String(job.id));
    try {
      await rm(reportDir, { recursive: true, force: true });
      for (const file of await this.state.reportFiles(job.id)) {
        const path = join(reportDir, file.path);
        if (relative(reportDir, path).startsWith('..')) continue;
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, file.content);
      }
      // Note: the files stay in the state until the verdict is recorded: a coordinator killed from here on writes them again.
      await this.state.setReportDir(job.id, reportDir);
      const linkDir = join(work, 'link');
      if (report.verdict === 'verified') {
        if (report.link === null) throw new Error("the worker reported a match without the link's contents");
        await rm(work, { recursive: true, force: true });
        await writeRebuildLink({ outDir: linkDir, signingKeyPath: this.config.signingKey, ...report.link });
      }
      const error = report.error === null ? null : { code: 'worker', message: report.error };
      await this.settle(job, report.verdict, error, linkDir, outcome, job.worker);
    } catch (error) {
      // Stopped (or the lock lost) while settling: the report stays for the next coordinator, never rebuilt.
      if (this.deps.signal.aborted) this.deps.log(`${this.labelOf(job)}: left reported for the next coordinator`);
      else await this.failed(job, error, outcome);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Reports of workers not settled yet: signed, published, finished. Returns how many. */
  private async settleReports(outcome: ServiceOutcome): Promise<number> {
    let settled = 0;
    for (const [job, report] of await this.state.reported()) {
      if (this.deps.signal.aborted) break;
      await this.settleReport(job, report, outcome);
      settled += 1;
    }
    return settled;
  }

  // A rebuild's end: a mismatch is final; a match has its link (signed in linkDir) staged and published, unless
  // another repository's link for the same binary stands (a conflict); an error is thrown for failed().
  private async settle(
    job: Job,
    verdict: string,
    error: Readonly<{ code: string; message: string }> | null,
    linkDir: string,
    outcome: ServiceOutcome,
    worker: string | null = null,
  ): Promise<void> {
    const { spec } = job;
    const label = this.labelOf(job);
    const by = worker === null ? '' : ` by worker ${worker}`;
    if (verdict === 'mismatch') {
      await this.state.finish(job.id, 'mismatch', [], this.now());
      outcome.mismatches += 1;
      this.deps.log(`${label}: MISMATCH${by} (report ${this.reportDirOf(job)})`);
    } else if (verdict === 'verified') {
      const keyid = (await loadSigningKey(this.config.signingKey)).keyid.slice(0, 8);
      const link = await readFile(join(linkDir, `rebuild.${keyid}.link`));
      const statement = await readFile(join(linkDir, `rebuild.${keyid}.dsse.json`));
      const pairs = await stageLinks(
        this.config.publish,
        job.id,
        link,
        statement,
        `rebuild.${keyid}.dsse.json`,
        spec.binaries,
      );
      // Note: checked and marked staged in one transaction, so two verifies finishing together cannot both pass.
      const conflict = await this.state.stageUnlessConflict(job.id, pairs, this.now(), conflictOf);
      if (conflict !== null) {
        await discardStaged(this.config.publish, pairs);
        outcome.conflicts += 1;
        this.deps.log(`${label}: CONFLICT, nothing published: ${conflict}`);
        return;
      }
      await this.publish({ ...job, status: 'publishing' }, pairs);
      outcome.verified += 1;
      this.deps.log(`${label}: verified${by}, link published for ${spec.binaries.map((b) => b.package).join(', ')}`);
    } else {
      throw new Error(error ? `${error.code}: ${error.message}` : 'the rebuild ended in error');
    }
  }

  // An attempt that failed: queued again after a backoff (or now, if the service was stopped), or failed for good.
  private async failed(job: Job, error: unknown, outcome: ServiceOutcome): Promise<void> {
    const interrupted = this.deps.signal.aborted;
    const message = interrupted
      ? 'interrupted'
      : isTwinbuildError(error)
        ? `${error.code}: ${error.message}`
        : messageOf(error);
    const retryAt = interrupted
      ? this.now()
      : job.attempts - job.attemptsBeforeRetry < this.config.maxAttempts
        ? this.now() + backoff(this.config, job.attempts - job.attemptsBeforeRetry)
        : null;
    await this.state.fail(job.id, message, retryAt, this.now());
    if (!interrupted) outcome.errors += 1;
    this.deps.log(
      `${this.labelOf(job)}: ` +
        (retryAt === null
          ? 'failed for good'
          : interrupted
            ? 'interrupted, queued again'
            : `error, retry after ${new Date(retryAt).toISOString()}`) +
        `: ${message}`,
    );
  }

  private async publish(job: Job, pairs: readonly (readonly [string, string])[]): Promise<void> {
    try {
      const published = await completePublishing(this.config.publish, pairs);
      await this.state.finish(job.id, 'verified', published, this.now());
    } catch (error) {
      await discardStaged(this.config.publish, pairs);
      throw new Error(`verified, but publishing failed (nothing published): ${messageOf(error)}`, { cause: error });
    }
  }
}

/** Creates the state and publish directories and the service (null: stopped while waiting to lead). */
export async function openService(config: ServiceConfig, deps: ServiceDeps): Promise<RebuilderService | null> {
  await mkdir(config.state, { recursive: true });
  await mkdir(config.publish, { recursive: true });
  return RebuilderService.open(config, deps);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((done) => {
    if (signal.aborted) return done();
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', stop);
        done();
      },
      Math.max(0, ms),
    );
    const stop = () => {
      clearTimeout(timer);
      done();
    };
    signal.addEventListener('abort', stop, { once: true });
  });

// Note: a stop (SIGTERM, Ctrl-C) aborts the running verifies; they are queued again, never counted as failures.
export async function runService(config: ServiceConfig, deps: ServiceDeps, mode: ServiceMode): Promise<ServiceOutcome> {
  const total: ServiceOutcome = {
    pollsFailed: 0,
    refused: 0,
    verified: 0,
    mismatches: 0,
    conflicts: 0,
    alerts: 0,
    errors: 0,
  };
  const service = await openService(config, deps);
  if (service === null) return total;
  // Stopped (SIGTERM) or, for a PostgreSQL coordinator, its lock lost.
  const { signal } = service;
  try {
    await service.recover();
    for (const [source, version] of mode.retry) {
      const n = await service.retry(source, version);
      deps.log(
        n > 0
          ? `${source} ${version}: queued again (--retry)`
          : `${source} ${version}: not known yet (--retry); it is queued when a poll sees it`,
      );
    }
    for (;;) {
      const started = (deps.now ?? Date.now)();
      await service.poll(total);
      await service.writeStatus();
      await service.drain(total);
      await service.writeStatus();
      if (mode.once || signal.aborted) break;
      const nextPoll = started + config.pollIntervalMs;
      for (
        let wake = await service.nextWake(nextPoll);
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the signal can abort during an await
        wake < nextPoll && !signal.aborted;
        wake = await service.nextWake(nextPoll)
      ) {
        await sleep(wake - Date.now(), signal);
        await service.drain(total);
        await service.writeStatus();
      }
      await sleep(nextPoll - Date.now(), signal);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the signal can abort during an await
      if (signal.aborted) break;
    }
  } finally {
    await service.close();
  }
  if (signal.aborted && !deps.signal.aborted)
    throw new TwinbuildError(
      'setup-failed',
      `lost the coordinator lock of ${redactUrl(config.database ?? '')} (${messageOf(signal.reason)}); ` +
        `verifies under way were queued again: start the coordinator again`,
      { cause: signal.reason },
    );
  return total;
}

/**
 * --once: 3 when a repository (or an entry of its indexes) could not be read or a verify failed, else 1 for a
 * mismatch, a conflict or an alert (a verified version's files changed), else 0.
 */
export const exitCodeOf = (o: ServiceOutcome) =>
  o.pollsFailed > 0 || o.refused > 0 || o.errors > 0 ? 3 : o.mismatches > 0 || o.conflicts > 0 || o.alerts > 0 ? 1 : 0;
