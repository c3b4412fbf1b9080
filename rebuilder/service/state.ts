// The service's state in SQLite (better-sqlite3: embedded, transactional,
// synchronous, one file). Every change of a job is one transaction, so a kill -9
// leaves each job in exactly one state: queued, running (its attempt died with the
// process: queued again on restart), publishing (verified and staged: the renames
// are finished on restart without a second verify), or finished.
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { TwinbuildError } from '../../core/errors.js';
import type { JobSpec } from './indexes.js';

/**
 * conflict: rebuilt and matched, but another repository's link for the same binary name and version, with
 * other products, is published where this one would go; it was not replaced.
 */
export type JobStatus = 'queued' | 'running' | 'publishing' | 'verified' | 'mismatch' | 'conflict' | 'failed';

/** Finished: never verified again unless asked (--retry). */
export const FINISHED: readonly JobStatus[] = ['verified', 'mismatch', 'conflict', 'failed'];

export type Job = Readonly<{
  id: number;
  repository: string;
  source: string;
  version: string;
  status: JobStatus;
  /** Every attempt ever (numbering the attempts and their reports). */
  attempts: number;
  /** Attempts before the last --retry: the retry budget counts from here. */
  attemptsBeforeRetry: number;
  spec: JobSpec;
  nextAttemptAt: number;
  lastError: string | null;
  /** The last attempt's report directory (results.json, index.html, diffoscope pages). */
  reportDir: string | null;
  /** Published paths (relative to the publish dir), or, while publishing, staged → final pairs. */
  published: readonly string[];
  staged: readonly (readonly [string, string])[];
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /** When a poll first found the version gone from its repository (its links stay), or null. */
  removedAt: number | null;
  /** Set while the repository lists other files or hashes for a verified version than were verified. */
  alert: string | null;
}>;

export type Poll = Readonly<{
  repository: string;
  at: number;
  ok: boolean;
  jobs: number;
  error: string | null;
  /** The entries this poll refused, each with its reason (the others were read). */
  refused: readonly string[];
}>;

type Row = Record<string, unknown>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY,
  repository TEXT NOT NULL, source TEXT NOT NULL, version TEXT NOT NULL,
  status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, attempts_before_retry INTEGER NOT NULL DEFAULT 0, spec TEXT NOT NULL,
  next_attempt_at INTEGER NOT NULL, last_error TEXT, report_dir TEXT,
  published TEXT NOT NULL DEFAULT '[]', staged TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, finished_at INTEGER,
  UNIQUE (repository, source, version));
CREATE TABLE IF NOT EXISTS attempts (
  job INTEGER NOT NULL REFERENCES jobs(id), attempt INTEGER NOT NULL,
  started_at INTEGER NOT NULL, ended_at INTEGER, outcome TEXT, error TEXT, report_dir TEXT,
  PRIMARY KEY (job, attempt));
CREATE TABLE IF NOT EXISTS polls (
  repository TEXT PRIMARY KEY, at INTEGER NOT NULL, ok INTEGER NOT NULL, jobs INTEGER NOT NULL, error TEXT);
`;

const toJob = (r: Row): Job => ({
  id: r['id'] as number,
  repository: r['repository'] as string,
  source: r['source'] as string,
  version: r['version'] as string,
  status: r['status'] as JobStatus,
  attempts: r['attempts'] as number,
  attemptsBeforeRetry: r['attempts_before_retry'] as number,
  spec: JSON.parse(r['spec'] as string) as JobSpec,
  nextAttemptAt: r['next_attempt_at'] as number,
  lastError: (r['last_error'] as string | null) ?? null,
  reportDir: (r['report_dir'] as string | null) ?? null,
  published: JSON.parse(r['published'] as string) as string[],
  staged: JSON.parse(r['staged'] as string) as [string, string][],
  createdAt: r['created_at'] as number,
  updatedAt: r['updated_at'] as number,
  finishedAt: (r['finished_at'] as number | null) ?? null,
  removedAt: (r['removed_at'] as number | null) ?? null,
  alert: (r['alert'] as string | null) ?? null,
});

/** What changed between the files a version was verified with and those its repository lists now ('' if nothing). */
function changedFiles(verified: JobSpec, now: JobSpec): string {
  const files = (s: JobSpec) => new Map([...s.sourceFiles, ...s.binaries].map((f) => [f.path, f] as const));
  const [before, after] = [files(verified), files(now)];
  const changes: string[] = [];
  for (const [path, f] of after) {
    const was = before.get(path);
    if (!was) changes.push(`${path} added (sha256 ${f.sha256})`);
    else if (was.sha256 !== f.sha256 || was.size !== f.size)
      changes.push(
        `${path} is now sha256 ${f.sha256} (${f.size} bytes), verified as ${was.sha256} (${was.size} bytes)`,
      );
  }
  for (const path of before.keys()) if (!after.has(path)) changes.push(`${path} no longer listed`);
  return changes.join('; ');
}

/** Columns added since the first schema, added to an older state.db when it is opened. */
const ADDED: readonly (readonly [string, string, string])[] = [
  ['jobs', 'removed_at', 'INTEGER'],
  ['polls', 'refused', "TEXT NOT NULL DEFAULT '[]'"],
  ['jobs', 'alert', 'TEXT'],
];

export type ServiceState = ReturnType<typeof openState>;

// Note: WAL with synchronous=FULL: a committed transaction survives a kill -9 (and a power cut).
// Loaded when the service opens its state, not with the CLI: only the rebuilder
// needs this native addon, so an install that skipped compiling it (npm install
// --ignore-scripts, as the CI templates do) runs every other command.
export function loadSqlite(): typeof BetterSqlite3 {
  try {
    return createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  } catch (cause) {
    const why = (cause as Error).message.split('\n')[0];
    throw new TwinbuildError(
      'setup-failed',
      `the rebuilder service keeps its state with the better-sqlite3 package, which ` +
        `cannot be loaded here (${why}); install it (with its build step) with npm ` +
        `install better-sqlite3@12`,
    );
  }
}

/** The addon's native half loads on the first `new Database`, not on require: an install with --ignore-scripts lacks it. */
function nativeMissing(cause: unknown): boolean {
  const error = cause as NodeJS.ErrnoException;
  return (
    error.code === 'ERR_DLOPEN_FAILED' ||
    /Could not locate the bindings file|NODE_MODULE_VERSION|invalid ELF header/.test(String(error.message))
  );
}

export function openDatabase(file: string): BetterSqlite3.Database {
  const Database = loadSqlite();
  try {
    return new Database(file);
  } catch (cause) {
    if (!nativeMissing(cause)) throw cause;
    throw new TwinbuildError(
      'setup-failed',
      `the rebuilder service keeps its state with better-sqlite3, whose native binary is not built ` +
        `here (installed with --ignore-scripts, or for another Node version): run npm rebuild ` +
        `better-sqlite3 where twinbuild is installed (it compiles SQLite when no prebuilt binary is reachable)`,
      { cause },
    );
  }
}

export function openState(file: string) {
  const db = openDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  for (const [table, column, type] of ADDED) {
    const columns = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
    if (!columns.includes(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
  const get = (id: number) => toJob(db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Row);

  return {
    close: () => db.close(),

    /** Adds the jobs not seen before; updates the files of ones not yet started. Returns how many were new. */
    enqueue(specs: readonly JobSpec[], now: number): number {
      const insert =
        db.prepare(`INSERT INTO jobs (repository, source, version, status, spec, next_attempt_at, created_at, updated_at)
        VALUES (@repository, @source, @version, 'queued', @spec, @now, @now, @now) ON CONFLICT DO NOTHING`);
      const refresh = db.prepare(
        `UPDATE jobs SET spec = @spec, updated_at = @now WHERE repository = @repository ` +
          `AND source = @source AND version = @version AND status = 'queued' AND spec != @spec`,
      );
      return db.transaction(() =>
        specs.reduce((added, s) => {
          const row = { repository: s.repository, source: s.source, version: s.version, spec: JSON.stringify(s), now };
          const changes = insert.run(row).changes;
          if (changes === 0) refresh.run(row);
          return added + changes;
        }, 0),
      )();
    },

    /**
     * After a successful poll: the published files of every verified version listed are compared with those it
     * was verified with; a change sets its alert (cleared when they agree again, or after a --retry). Returns
     * the alerts standing for these versions.
     */
    recheck(listed: readonly JobSpec[], now: number): string[] {
      const find = db.prepare('SELECT * FROM jobs WHERE repository = ? AND source = ? AND version = ?');
      const set = db.prepare('UPDATE jobs SET alert = ?, updated_at = ? WHERE id = ?');
      return db.transaction(() =>
        listed.flatMap((spec) => {
          const row = find.get(spec.repository, spec.source, spec.version) as Row | undefined;
          if (!row) return [];
          const job = toJob(row);
          const changed = job.status === 'verified' ? changedFiles(job.spec, spec) : '';
          const alert =
            changed === '' ? null : `${job.source} ${job.version} changed after it was verified: ${changed}`;
          if (alert !== job.alert) set.run(alert, now, job.id);
          return alert === null ? [] : [alert];
        }),
      )();
    },

    /**
     * After a successful poll: the repository's versions it no longer lists are marked removed (their links
     * stay); listed again, the mark goes. Returns how many were newly marked.
     */
    markRemoved(repository: string, listed: readonly JobSpec[], now: number): number {
      const present = new Set(listed.map((s) => `${s.source}\n${s.version}`));
      return db.transaction(() => {
        const rows = db
          .prepare('SELECT id, source, version, removed_at FROM jobs WHERE repository = ?')
          .all(repository) as { id: number; source: string; version: string; removed_at: number | null }[];
        let marked = 0;
        for (const row of rows) {
          const gone = !present.has(`${row.source}\n${row.version}`);
          if (gone && row.removed_at === null) {
            db.prepare('UPDATE jobs SET removed_at = ? WHERE id = ?').run(now, row.id);
            marked += 1;
          } else if (!gone && row.removed_at !== null)
            db.prepare('UPDATE jobs SET removed_at = NULL WHERE id = ?').run(row.id);
        }
        return marked;
      })();
    },

    /** After a crash: attempts that were running died with the process; they are queued again. */
    recover(now: number): { requeued: number; publishing: Job[] } {
      return db.transaction(() => {
        db.prepare(
          `UPDATE attempts SET ended_at = ?, outcome = 'killed', error = 'the service stopped during this attempt' WHERE ended_at IS NULL`,
        ).run(now);
        const requeued = db
          .prepare(`UPDATE jobs SET status = 'queued', next_attempt_at = ?, updated_at = ? WHERE status = 'running'`)
          .run(now, now).changes;
        const publishing = (db.prepare(`SELECT * FROM jobs WHERE status = 'publishing'`).all() as Row[]).map(toJob);
        return { requeued, publishing };
      })();
    },

    /** The ids of queued jobs that are due, oldest first. */
    dueJobs: (now: number): number[] =>
      (
        db
          .prepare(`SELECT id FROM jobs WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id`)
          .all(now) as { id: number }[]
      ).map((r) => r.id),

    /** Marks one due job running with a new attempt, in one transaction; null if another took it or it is no longer due. */
    claim(id: number, now: number): Job | null {
      return db.transaction(() => {
        const changed = db
          .prepare(
            `UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ? ` +
              `WHERE id = ? AND status = 'queued' AND next_attempt_at <= ?`,
          )
          .run(now, id, now).changes;
        if (changed === 0) return null;
        db.prepare(`INSERT INTO attempts (job, attempt, started_at) SELECT id, attempts, ? FROM jobs WHERE id = ?`).run(
          now,
          id,
        );
        return get(id);
      })();
    },

    setReportDir(id: number, reportDir: string): void {
      db.transaction(() => {
        db.prepare('UPDATE jobs SET report_dir = ? WHERE id = ?').run(reportDir, id);
        db.prepare(
          'UPDATE attempts SET report_dir = ? WHERE job = ? AND attempt = (SELECT attempts FROM jobs WHERE id = ?)',
        ).run(reportDir, id, id);
      })();
    },

    /** Verified, with its files staged: from here a restart finishes the publishing, never re-verifies. */
    staged(id: number, pairs: readonly (readonly [string, string])[], now: number): void {
      db.prepare(
        `UPDATE jobs SET status = 'publishing', staged = ?, updated_at = ? WHERE id = ? AND status = 'running'`,
      ).run(JSON.stringify(pairs), now, id);
    },

    /** A final verdict: verified (with what was published), mismatch, or conflict (with why, nothing published). */
    finish(
      id: number,
      status: 'verified' | 'mismatch' | 'conflict',
      published: readonly string[],
      now: number,
      why: string | null = null,
    ): void {
      db.transaction(() => {
        db.prepare(
          `UPDATE jobs SET status = ?, published = ?, staged = '[]', last_error = ?, updated_at = ?, finished_at = ? WHERE id = ?`,
        ).run(status, JSON.stringify(published), why, now, now, id);
        db.prepare(`UPDATE attempts SET ended_at = ?, outcome = ? WHERE job = ? AND ended_at IS NULL`).run(
          now,
          status,
          id,
        );
      })();
    },

    /** An attempt that failed: queued again after a backoff, or failed for good after the last attempt. */
    fail(id: number, error: string, retryAt: number | null, now: number): void {
      db.transaction(() => {
        if (retryAt === null)
          db.prepare(
            `UPDATE jobs SET status = 'failed', staged = '[]', last_error = ?, updated_at = ?, finished_at = ? WHERE id = ?`,
          ).run(error, now, now, id);
        else
          db.prepare(
            `UPDATE jobs SET status = 'queued', staged = '[]', last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?`,
          ).run(error, retryAt, now, id);
        db.prepare(
          `UPDATE attempts SET ended_at = ?, outcome = 'error', error = ? WHERE job = ? AND ended_at IS NULL`,
        ).run(now, error, id);
      })();
    },

    /** --retry: a finished (or waiting) version queued again now, with a fresh budget of attempts. */
    retry(source: string, version: string, now: number): number {
      return db
        .prepare(
          `UPDATE jobs SET status = 'queued', attempts_before_retry = attempts, ` +
            `next_attempt_at = ?, last_error = NULL, finished_at = NULL, updated_at = ? ` +
            `WHERE source = ? AND version = ? AND status IN ('verified', 'mismatch', ` +
            `'conflict', 'failed', 'queued')`,
        )
        .run(now, now, source, version).changes;
    },

    recordPoll(poll: Poll): void {
      db.prepare(
        `INSERT INTO polls (repository, at, ok, jobs, error, refused) VALUES (?, ?, ?, ?, ?, ?) ON ` +
          `CONFLICT (repository) DO UPDATE SET at = excluded.at, ok = excluded.ok, jobs = ` +
          `excluded.jobs, error = excluded.error, refused = excluded.refused`,
      ).run(poll.repository, poll.at, poll.ok ? 1 : 0, poll.jobs, poll.error, JSON.stringify(poll.refused));
    },

    jobs: (): Job[] => (db.prepare('SELECT * FROM jobs ORDER BY repository, source, id').all() as Row[]).map(toJob),
    polls: (): Poll[] =>
      (db.prepare('SELECT * FROM polls ORDER BY repository').all() as Row[]).map((r) => ({
        repository: r['repository'] as string,
        at: r['at'] as number,
        ok: r['ok'] === 1,
        jobs: r['jobs'] as number,
        error: (r['error'] as string | null) ?? null,
        refused: JSON.parse(r['refused'] as string) as string[],
      })),
    attempts: (id: number) =>
      db
        .prepare(
          'SELECT attempt, started_at AS startedAt, ended_at AS endedAt, outcome, error, ' +
            'report_dir AS reportDir FROM attempts WHERE job = ? ORDER BY attempt',
        )
        .all(id) as {
        attempt: number;
        startedAt: number;
        endedAt: number | null;
        outcome: string | null;
        error: string | null;
        reportDir: string | null;
      }[],
    /** The earliest time a queued job becomes due, or null. */
    nextDue: (): number | null =>
      (db.prepare(`SELECT MIN(next_attempt_at) AS t FROM jobs WHERE status = 'queued'`).get() as { t: number | null })
        .t,
  };
}
