// The service's state: jobs, their attempts and the polls, in SQLite (one file,
// the default: sql.ts) or PostgreSQL (many machines: postgres.ts), the same
// tables and statements on both. Every change of a job is one transaction, so a
// kill -9 leaves each job in exactly one state: queued, running (its attempt died
// with the process: queued again on restart), publishing (verified and staged:
// the renames are finished on restart without a second verify), or finished.
import { join } from 'node:path';
import type { JobSpec } from './indexes.js';
import { changedFiles, toJob, type Job, type Poll } from './jobs.js';
import { leasesOf } from './leases.js';
import { holdersOf, rememberPaths } from './link-paths.js';
import { postgresSql, type PostgresOptions } from './postgres.js';
import { migrate } from './schema.js';
import { sqliteSql, type Sql, type Statements } from './sql.js';

export * from './jobs.js';

/** Where the state is: a PostgreSQL URL, else STATE/state.db. */
export type StateTarget = Readonly<{ state: string; database: string | null }>;

/** Opens (and creates or brings up to date) the state the config names. */
export async function openState(target: StateTarget, options: PostgresOptions): Promise<ServiceState> {
  const sql =
    target.database === null ? sqliteSql(join(target.state, 'state.db')) : await postgresSql(target.database, options);
  try {
    await migrate(sql);
  } catch (error) {
    await sql.close();
    throw error;
  }
  return stateOf(sql);
}

const getJob = async (tx: Statements, id: number) => toJob((await tx.all('SELECT * FROM jobs WHERE id = ?', [id]))[0]!);

export type ServiceState = ReturnType<typeof stateOf>;

function stateOf(sql: Sql) {
  return {
    ...leasesOf(sql),
    dialect: sql.dialect,
    close: () => sql.close(),

    /** Adds the jobs not seen before; updates the files of ones not yet started. Returns how many were new. */
    enqueue: (specs: readonly JobSpec[], now: number): Promise<number> =>
      sql.transaction(async (tx) => {
        let added = 0;
        for (const s of specs) {
          const spec = JSON.stringify(s);
          const changes = await tx.run(
            `INSERT INTO jobs (repository, source, version, status, spec, next_attempt_at, created_at, updated_at) ` +
              `VALUES (?, ?, ?, 'queued', ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
            [s.repository, s.source, s.version, spec, now, now, now],
          );
          if (changes === 0)
            await tx.run(
              `UPDATE jobs SET spec = ?, updated_at = ? WHERE repository = ? ` +
                `AND source = ? AND version = ? AND status = 'queued' AND spec != ?`,
              [spec, now, s.repository, s.source, s.version, spec],
            );
          added += changes;
        }
        return added;
      }),

    /**
     * After a successful poll: the published files of every verified version listed are compared with those it
     * was verified with; a change sets its alert (cleared when they agree again, or after a --retry). Returns
     * the alerts standing for these versions.
     */
    recheck: (listed: readonly JobSpec[], now: number): Promise<string[]> =>
      sql.transaction(async (tx) => {
        const alerts: string[] = [];
        for (const spec of listed) {
          const [row] = await tx.all('SELECT * FROM jobs WHERE repository = ? AND source = ? AND version = ?', [
            spec.repository,
            spec.source,
            spec.version,
          ]);
          if (!row) continue;
          const job = toJob(row);
          const changed = job.status === 'verified' ? changedFiles(job.spec, spec) : '';
          const alert =
            changed === '' ? null : `${job.source} ${job.version} changed after it was verified: ${changed}`;
          if (alert !== job.alert)
            await tx.run('UPDATE jobs SET alert = ?, updated_at = ? WHERE id = ?', [alert, now, job.id]);
          if (alert !== null) alerts.push(alert);
        }
        return alerts;
      }),

    /**
     * After a successful poll: the repository's versions it no longer lists are marked removed (their links
     * stay); listed again, the mark goes. Returns how many were newly marked.
     */
    markRemoved: (repository: string, listed: readonly JobSpec[], now: number): Promise<number> =>
      sql.transaction(async (tx) => {
        const present = new Set(listed.map((s) => `${s.source}\n${s.version}`));
        const rows = await tx.all<{ id: number; source: string; version: string; removed_at: number | null }>(
          'SELECT id, source, version, removed_at FROM jobs WHERE repository = ?',
          [repository],
        );
        let marked = 0;
        for (const row of rows) {
          const gone = !present.has(`${row.source}\n${row.version}`);
          if (gone && row.removed_at === null) {
            await tx.run('UPDATE jobs SET removed_at = ? WHERE id = ?', [now, row.id]);
            marked += 1;
          } else if (!gone && row.removed_at !== null)
            await tx.run('UPDATE jobs SET removed_at = NULL WHERE id = ?', [row.id]);
        }
        return marked;
      }),

    /** After a crash: attempts that were running died with the process; they are queued again. */
    recover: (now: number): Promise<{ requeued: number; publishing: Job[] }> =>
      sql.transaction(async (tx) => {
        await tx.run(
          `UPDATE attempts SET ended_at = ?, outcome = 'killed', error = 'the service stopped during this attempt' ` +
            `WHERE ended_at IS NULL AND worker IS NULL AND job IN (SELECT id FROM jobs WHERE status = 'running')`,
          [now],
        );
        // Note: a worker's job is left to its lease (expireLeases): a coordinator's restart does not stop the worker.
        const requeued = await tx.run(
          `UPDATE jobs SET status = 'queued', next_attempt_at = ?, updated_at = ? WHERE status = 'running' AND worker IS NULL`,
          [now, now],
        );
        const publishing = (await tx.all(`SELECT * FROM jobs WHERE status = 'publishing' ORDER BY id`)).map(toJob);
        return { requeued, publishing };
      }),

    /** The ids of queued jobs that are due, oldest first. */
    dueJobs: async (now: number): Promise<number[]> =>
      (
        await sql.all<{ id: number }>(
          `SELECT id FROM jobs WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id`,
          [now],
        )
      ).map((r) => r.id),

    /** Marks one due job running with a new attempt, in one transaction; null if another took it or it is no longer due. */
    claim: (id: number, now: number): Promise<Job | null> =>
      sql.transaction(async (tx) => {
        const changed = await tx.run(
          `UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ? ` +
            `WHERE id = ? AND status = 'queued' AND next_attempt_at <= ?`,
          [now, id, now],
        );
        if (changed === 0) return null;
        await tx.run(`INSERT INTO attempts (job, attempt, started_at) SELECT id, attempts, ? FROM jobs WHERE id = ?`, [
          now,
          id,
        ]);
        return getJob(tx, id);
      }),

    setReportDir: (id: number, reportDir: string): Promise<void> =>
      sql.transaction(async (tx) => {
        await tx.run('UPDATE jobs SET report_dir = ? WHERE id = ?', [reportDir, id]);
        await tx.run(
          'UPDATE attempts SET report_dir = ? WHERE job = ? AND attempt = (SELECT attempts FROM jobs WHERE id = ?)',
          [reportDir, id, id],
        );
      }),

    /** Verified, with its files staged: from here a restart finishes the publishing, never re-verifies. */
    staged: (id: number, pairs: readonly (readonly [string, string])[], now: number): Promise<void> =>
      sql.transaction(async (tx) => {
        const changed = await tx.run(
          `UPDATE jobs SET status = 'publishing', staged = ?, updated_at = ? WHERE id = ? AND status = 'running'`,
          [JSON.stringify(pairs), now, id],
        );
        if (changed > 0)
          await rememberPaths(
            tx,
            id,
            pairs.map(([, final]) => final),
          );
      }),

    /**
     * Verified, with its files staged, unless `conflictOf` names a conflict: then finished as a conflict, nothing
     * staged. It is given the jobs that staged or published at this job's link paths (by link_paths, so a table
     * of a distribution's jobs is not read and parsed for each). One transaction that no other stager
     * interleaves with, so two verifies finishing together cannot both pass. Returns the conflict, or null.
     */
    stageUnlessConflict: (
      id: number,
      pairs: readonly (readonly [string, string])[],
      now: number,
      conflictOf: (job: Job, jobs: readonly Job[]) => string | null,
    ): Promise<string | null> =>
      sql.transaction(async (tx) => {
        if (sql.dialect === 'postgres') await tx.all('SELECT pg_advisory_xact_lock(?, ?)', [0x74776e62, 3]);
        const job = await getJob(tx, id);
        const conflict = conflictOf(job, await holdersOf(tx, job));
        if (conflict === null) {
          const changed = await tx.run(
            `UPDATE jobs SET status = 'publishing', staged = ?, updated_at = ? WHERE id = ? AND status IN ('running', 'reported')`,
            [JSON.stringify(pairs), now, id],
          );
          if (changed > 0)
            await rememberPaths(
              tx,
              id,
              pairs.map(([, final]) => final),
            );
        } else await finishIn(tx, id, 'conflict', [], now, conflict);
        return conflict;
      }),

    /**
     * A final verdict: verified (with what was published), mismatch, or conflict (with why, nothing published).
     * A worker's report files, written out by now, leave the state in the same transaction.
     */
    finish: (
      id: number,
      status: 'verified' | 'mismatch' | 'conflict',
      published: readonly string[],
      now: number,
      why: string | null = null,
    ): Promise<void> => sql.transaction((tx) => finishIn(tx, id, status, published, now, why)),

    /**
     * An attempt that failed: queued again after a backoff, or failed for good after the last attempt. Like a
     * final verdict, it drops the worker's report files, which the coordinator wrote out before.
     */
    fail: (id: number, error: string, retryAt: number | null, now: number): Promise<void> =>
      sql.transaction(async (tx) => {
        if (retryAt === null)
          await tx.run(
            `UPDATE jobs SET status = 'failed', staged = '[]', last_error = ?, updated_at = ?, finished_at = ?, ` +
              `worker = NULL, lease_until = NULL, report = NULL WHERE id = ?`,
            [error, now, now, id],
          );
        else
          await tx.run(
            `UPDATE jobs SET status = 'queued', staged = '[]', last_error = ?, next_attempt_at = ?, updated_at = ?, ` +
              `worker = NULL, lease_until = NULL, report = NULL WHERE id = ?`,
            [error, retryAt, now, id],
          );
        await tx.run(
          `UPDATE attempts SET ended_at = ?, outcome = 'error', error = ? WHERE job = ? AND ended_at IS NULL`,
          [now, error, id],
        );
        await tx.run('DELETE FROM report_files WHERE job = ?', [id]);
      }),

    /** --retry: a finished (or waiting) version queued again now, with a fresh budget of attempts. */
    retry: (source: string, version: string, now: number): Promise<number> =>
      sql.run(
        `UPDATE jobs SET status = 'queued', attempts_before_retry = attempts, ` +
          `next_attempt_at = ?, last_error = NULL, finished_at = NULL, updated_at = ? ` +
          `WHERE source = ? AND version = ? AND status IN ('verified', 'mismatch', ` +
          `'conflict', 'failed', 'queued')`,
        [now, now, source, version],
      ),

    recordPoll: async (poll: Poll): Promise<void> => {
      await sql.run(
        `INSERT INTO polls (repository, at, ok, jobs, error, refused) VALUES (?, ?, ?, ?, ?, ?) ON ` +
          `CONFLICT (repository) DO UPDATE SET at = excluded.at, ok = excluded.ok, jobs = ` +
          `excluded.jobs, error = excluded.error, refused = excluded.refused`,
        [poll.repository, poll.at, poll.ok ? 1 : 0, poll.jobs, poll.error, JSON.stringify(poll.refused)],
      );
    },

    jobs: async (): Promise<Job[]> => (await sql.all('SELECT * FROM jobs ORDER BY repository, source, id')).map(toJob),
    polls: async (): Promise<Poll[]> =>
      (await sql.all('SELECT * FROM polls ORDER BY repository')).map((r) => ({
        repository: r['repository'] as string,
        at: r['at'] as number,
        ok: r['ok'] === 1,
        jobs: r['jobs'] as number,
        error: (r['error'] as string | null) ?? null,
        refused: JSON.parse(r['refused'] as string) as string[],
      })),
    /** One job's attempts, oldest first. */
    attempts: (id: number): Promise<Attempt[]> =>
      sql.all<Attempt>(
        'SELECT attempt, started_at AS "startedAt", ended_at AS "endedAt", outcome, error, ' +
          'report_dir AS "reportDir" FROM attempts WHERE job = ? ORDER BY attempt',
        [id],
      ),
    /** The earliest time a queued job becomes due, or null. */
    nextDue: async (): Promise<number | null> =>
      (await sql.all<{ t: number | null }>(`SELECT MIN(next_attempt_at) AS t FROM jobs WHERE status = 'queued'`))[0]!.t,
  };
}

export type Attempt = Readonly<{
  attempt: number;
  startedAt: number;
  endedAt: number | null;
  outcome: string | null;
  error: string | null;
  reportDir: string | null;
}>;

async function finishIn(
  tx: Statements,
  id: number,
  status: 'verified' | 'mismatch' | 'conflict',
  published: readonly string[],
  now: number,
  why: string | null,
): Promise<void> {
  await tx.run(
    `UPDATE jobs SET status = ?, published = ?, staged = '[]', last_error = ?, updated_at = ?, finished_at = ?, ` +
      `worker = NULL, lease_until = NULL, report = NULL WHERE id = ?`,
    [status, JSON.stringify(published), why, now, now, id],
  );
  await rememberPaths(tx, id, published);
  await tx.run('DELETE FROM report_files WHERE job = ?', [id]);
  await tx.run(`UPDATE attempts SET ended_at = ?, outcome = ? WHERE job = ? AND ended_at IS NULL`, [now, status, id]);
}
