// The rebuilder service: polls the configured repositories, queues every
// (source, version) not yet seen, verifies each with the verify engine (runVerify)
// under a p-limit bound, publishes the link of a match where apt looks, retries
// failures with an exponential backoff, and keeps all of it in SQLite (or
// PostgreSQL: state.ts) so a kill -9 loses no job and finishes none twice. `once`:
// one poll and one drain (cron, CI).
// Repositories are apt archives or RPM repositories (createrepo_c repodata).
import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import pLimit from 'p-limit';
import { isTwinbuildError, TwinbuildError } from '../../core/errors.js';
import type { PackageOptions } from '../../engine/options.js';
import type { EngineDeps } from '../../engine/run-package.js';
import { runResult, type HostInfo } from '../../reports/model.js';
import { writeReports } from '../../reports/write.js';
import { loadSigningKey } from '../../attest/keys.js';
import { runVerify } from '../verify.js';
import type { ServiceConfig } from './config.js';
import type { RepositoryConfig } from './config.js';
import { readRepository, type RemoteFile, type RepositoryRead } from './indexes.js';
import { readRpmRepository } from './rpm-indexes.js';
import { aptFileName, completePublishing, discardStaged, replaceFile, stageLinks } from './publish.js';
import { conflictOf } from './conflicts.js';
import { download, fetchBuildinfo } from './downloads.js';
import { lockState } from './lock.js';
import { leadPostgres, redactUrl } from './postgres.js';
import { gpgvChecker, type CheckSignature } from './signature.js';
import { openState, type Job, type ServiceState } from './state.js';
import { buildStatus, renderStatusHtml } from './status.js';

export type ServiceDeps = EngineDeps &
  Readonly<{
    /**
     * One verify's frozen options (the CLI's settings) for a .dsc (preset debian) or a .src.rpm (preset rpm),
     * its reports going to `outDir`.
     */
    packageOptions: (source: string, preset: 'debian' | 'rpm', name: string, outDir: string) => Promise<PackageOptions>;
    log: (line: string) => void;
    host: HostInfo;
    version: string;
    /** The host's architecture as Debian names it (amd64), for Packages indexes and .buildinfo names. */
    hostArchitecture: string;
    /** The host's architecture as RPM names it (x86_64). */
    rpmArchitecture: string;
    now?: () => number;
  }>;

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

/** How long a coordinator waits for a lost PostgreSQL before a statement fails. */
const DATABASE_WAIT_MS = 300_000;

export class RebuilderService {
  private readonly now: () => number;
  private readonly checkSignature: CheckSignature;

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

  /** Runs every due job, at most `concurrency` at once, until none is due. */
  async drain(outcome: ServiceOutcome): Promise<void> {
    const limit = pLimit(this.config.concurrency);
    for (;;) {
      if (this.deps.signal.aborted) return;
      const due = await this.state.dueJobs(this.now());
      if (due.length === 0) return;
      await Promise.all(
        due.map((id) =>
          limit(async () => {
            if (this.deps.signal.aborted) return;
            const job = await this.state.claim(id, this.now());
            if (job) await this.runJob(job, outcome);
          }),
        ),
      );
    }
  }

  async writeStatus(): Promise<void> {
    const status = buildStatus(
      await this.state.jobs(),
      await this.state.polls(),
      this.config.repositories.map((r) => ({ name: r.name, signed: r.keyring !== null })),
      this.config.publish,
      this.now(),
    );
    await replaceFile(join(this.config.publish, 'status.json'), JSON.stringify(status, null, 2) + '\n');
    await replaceFile(join(this.config.publish, 'index.html'), renderStatusHtml(status));
  }

  /** The earliest time something is due: the next poll or a backed-off job. */
  async nextWake(nextPoll: number): Promise<number> {
    return Math.min(nextPoll, (await this.state.nextDue()) ?? nextPoll);
  }

  private async runJob(job: Job, outcome: ServiceOutcome): Promise<void> {
    const { spec } = job;
    const repo = this.config.repositories.find((r) => r.name === spec.repository);
    const label = `${spec.repository}: ${spec.source} ${spec.version} (attempt ${job.attempts})`;
    const reportDir = join(
      this.config.publish,
      'reports',
      spec.repository,
      spec.source,
      spec.version,
      String(job.attempts),
    );
    const work = join(this.config.state, 'work', String(job.id));
    await this.state.setReportDir(job.id, reportDir);
    this.deps.log(`${label}: verifying`);
    try {
      if (!repo) throw new Error(`repository ${spec.repository} is no longer configured`);
      if (repo.format !== (spec.format ?? 'apt'))
        throw new Error(
          `repository ${spec.repository} is now an ${repo.format} repository; this job came from its ${spec.format ?? 'apt'} index`,
        );
      await rm(work, { recursive: true, force: true });
      const sources = join(work, 'source');
      const published = join(work, 'published');
      const fetchFile = (file: RemoteFile, to: string) =>
        download(repo.url, file, to, this.config.fetchTimeoutMs, this.deps.signal);
      const [source] = await Promise.all(spec.sourceFiles.map((f) => fetchFile(f, sources)));
      const binaries = await Promise.all(spec.binaries.map((b) => fetchFile(b, published)));
      // Note: an RPM's BUILDHOST and BUILDTIME come from its published header; an RPM repository has no .buildinfo.
      const rpm = repo.format === 'rpm';
      const buildinfo = rpm
        ? null
        : await fetchBuildinfo(
            repo.url,
            repo.buildinfo,
            spec,
            this.deps.hostArchitecture,
            work,
            this.config,
            this.deps.signal,
          );
      const options = await this.deps.packageOptions(source!, rpm ? 'rpm' : 'debian', spec.source, reportDir);
      // Products are named as the client stores the file: apt's name for a .deb (epoch as %3a), the file name for an RPM.
      const productNames = Object.fromEntries(
        spec.binaries.map((b) => [basename(b.path), rpm ? basename(b.path) : aptFileName(b)]),
      );
      const linkDir = join(work, 'link');
      const result = await runVerify(
        {
          options,
          published: binaries,
          buildinfo,
          link: { dir: linkDir, signingKey: this.config.signingKey, productNames },
          shownFrom: work,
        },
        this.deps,
      );
      await writeReports(
        runResult({
          command: 'rebuilder',
          version: this.deps.version,
          startedAt: new Date(job.updatedAt).toISOString(),
          seed: 0,
          host: this.deps.host,
          packages: [result],
        }),
        { outDir: reportDir, shownOutDir: reportDir, jobRoot: reportDir, quiet: true, layout: 'package' },
        ['json', 'html'],
      );
      if (this.deps.signal.aborted) throw new Error('interrupted');
      if (result.verdict === 'mismatch') {
        await this.state.finish(job.id, 'mismatch', [], this.now());
        outcome.mismatches += 1;
        this.deps.log(`${label}: MISMATCH (report ${reportDir})`);
      } else if (result.verdict === 'verified') {
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
        this.deps.log(`${label}: verified, link published for ${spec.binaries.map((b) => b.package).join(', ')}`);
      } else {
        throw new Error(result.error ? `${result.error.code}: ${result.error.message}` : 'the rebuild ended in error');
      }
    } catch (error) {
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
        `${label}: ` +
          (retryAt === null
            ? 'failed for good'
            : interrupted
              ? 'interrupted, queued again'
              : `error, retry after ${new Date(retryAt).toISOString()}`) +
          `: ${message}`,
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
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
