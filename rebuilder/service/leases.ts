// Workers' leases on jobs (`rebuilder --worker`, on any number of machines): a
// worker takes the oldest due job (PostgreSQL: FOR UPDATE SKIP LOCKED, so
// workers never wait on each other's choice; SQLite: its one writer at a time),
// renews its lease while it builds, and reports back; a lease not renewed in time
// expires and the job is queued again for another worker. Every statement is
// guarded by the worker's name, so a worker whose lease expired can neither renew
// nor report: its job is finished, and published, by one worker only.
import { toJob, type Job, type WorkerReport } from './jobs.js';
import type { Sql, Statements } from './sql.js';

export type WorkerRow = Readonly<{
  name: string;
  startedAt: number;
  seenAt: number;
  /** The job it builds now, or null. */
  job: number | null;
  /** Jobs it reported. */
  done: number;
}>;

/** Running jobs whose worker's lease ran out: their attempt ends ("lost") and they are queued again, due now. */
async function expire(tx: Statements, now: number): Promise<number> {
  await tx.run(
    `UPDATE attempts SET ended_at = ?, outcome = 'lost', error = 'the worker ' || worker || ' stopped renewing its lease' ` +
      `WHERE ended_at IS NULL AND job IN (SELECT id FROM jobs WHERE status = 'running' AND worker IS NOT NULL AND lease_until < ?)`,
    [now, now],
  );
  return tx.run(
    `UPDATE jobs SET status = 'queued', worker = NULL, lease_until = NULL, next_attempt_at = ?, updated_at = ? ` +
      `WHERE status = 'running' AND worker IS NOT NULL AND lease_until < ?`,
    [now, now, now],
  );
}

export function leasesOf(sql: Sql) {
  const skipLocked = sql.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  return {
    /** Queues again the jobs whose lease expired; returns how many. */
    expireLeases: (now: number): Promise<number> => sql.transaction((tx) => expire(tx, now)),

    /** A worker takes the oldest due job until `until` (null: none due), with a new attempt in its name. */
    lease: (worker: string, now: number, until: number): Promise<Job | null> =>
      sql.transaction(async (tx) => {
        await expire(tx, now);
        const [row] = await tx.all<{ id: number }>(
          `SELECT id FROM jobs WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1${skipLocked}`,
          [now],
        );
        if (!row) return null;
        const [job] = await tx.all(
          `UPDATE jobs SET status = 'running', attempts = attempts + 1, worker = ?, lease_until = ?, updated_at = ? ` +
            `WHERE id = ? RETURNING *`,
          [worker, until, now, row.id],
        );
        await tx.run(
          `INSERT INTO attempts (job, attempt, started_at, worker) SELECT id, attempts, ?, ? FROM jobs WHERE id = ?`,
          [now, worker, row.id],
        );
        await tx.run('UPDATE workers SET job = ?, seen_at = ? WHERE name = ?', [row.id, now, worker]);
        return toJob(job!);
      }),

    /** Extends the lease; false if the worker no longer holds it (expired and taken elsewhere). One commit. */
    renew: (id: number, worker: string, now: number, until: number): Promise<boolean> =>
      sql.transaction(async (tx) => {
        const held = await tx.run(
          `UPDATE jobs SET lease_until = ? WHERE id = ? AND worker = ? AND status = 'running'`,
          [until, id, worker],
        );
        await tx.run('UPDATE workers SET seen_at = ? WHERE name = ?', [now, worker]);
        return held === 1;
      }),

    /**
     * The rebuild's end, with its report files (path → bytes), for the coordinator to sign and publish; false
     * (nothing recorded) if the worker no longer holds the job.
     */
    report: (
      id: number,
      worker: string,
      report: WorkerReport,
      files: readonly (readonly [string, Buffer])[],
      now: number,
    ): Promise<boolean> =>
      sql.transaction(async (tx) => {
        const held = await tx.run(
          `UPDATE jobs SET status = 'reported', report = ?, lease_until = NULL, updated_at = ? ` +
            `WHERE id = ? AND worker = ? AND status = 'running'`,
          [JSON.stringify(report), now, id, worker],
        );
        if (held === 0) return false;
        await tx.run('DELETE FROM report_files WHERE job = ?', [id]);
        // Note: one INSERT for up to 100 files (a round trip each would add up over a distribution's jobs).
        for (let i = 0; i < files.length; i += 100) {
          const some = files.slice(i, i + 100);
          await tx.run(
            `INSERT INTO report_files (job, path, content) VALUES ${some.map(() => '(?, ?, ?)').join(', ')}`,
            some.flatMap(([path, content]) => [id, path, content]),
          );
        }
        await tx.run('UPDATE workers SET job = NULL, done = done + 1, seen_at = ? WHERE name = ?', [now, worker]);
        return true;
      }),

    /** A worker stopped (SIGTERM) gives its job back: queued again now, the attempt not counted as a failure. */
    giveBack: (id: number, worker: string, now: number): Promise<void> =>
      sql.transaction(async (tx) => {
        const held = await tx.run(
          `UPDATE jobs SET status = 'queued', worker = NULL, lease_until = NULL, next_attempt_at = ?, updated_at = ? ` +
            `WHERE id = ? AND worker = ? AND status = 'running'`,
          [now, now, id, worker],
        );
        if (held === 1)
          await tx.run(
            `UPDATE attempts SET ended_at = ?, outcome = 'interrupted', error = 'the worker was stopped'
             WHERE job = ? AND ended_at IS NULL`,
            [now, id],
          );
        await tx.run('UPDATE workers SET job = NULL, seen_at = ? WHERE name = ?', [now, worker]);
      }),

    /** Jobs reported by workers, oldest first, with their reports. */
    reported: async (): Promise<(readonly [Job, WorkerReport])[]> =>
      (await sql.all(`SELECT * FROM jobs WHERE status = 'reported' ORDER BY updated_at, id`)).map(
        (r) => [toJob(r), JSON.parse(r['report'] as string) as WorkerReport] as const,
      ),

    /** A reported job's report files; they stay until its verdict is recorded (finish or fail drop them). */
    reportFiles: (id: number): Promise<{ path: string; content: Buffer }[]> =>
      sql.all('SELECT path, content FROM report_files WHERE job = ? ORDER BY path', [id]),

    /** Jobs a coordinator that builds nothing itself waits for: due, with a worker, or reported. */
    pendingForWorkers: async (now: number): Promise<number> =>
      (
        await sql.all<{ n: number }>(
          `SELECT COUNT(*) AS n FROM jobs WHERE (status = 'queued' AND next_attempt_at <= ?) ` +
            `OR (status = 'running' AND worker IS NOT NULL) OR status = 'reported'`,
          [now],
        )
      )[0]!.n,

    /** Rebuilds that ended in a verdict since `since`. */
    endedSince: async (since: number): Promise<number> =>
      Number(
        (
          await sql.all<{ n: number }>(
            `SELECT COUNT(*) AS n FROM attempts WHERE outcome IN ('verified', 'mismatch', 'conflict') AND ended_at >= ?`,
            [since],
          )
        )[0]!.n,
      ),

    /** A worker announces itself (again, after a restart of the same name). */
    hello: async (worker: string, now: number): Promise<void> => {
      await sql.run(
        `INSERT INTO workers (name, started_at, seen_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET seen_at = excluded.seen_at`,
        [worker, now, now],
      );
    },

    workers: async (): Promise<WorkerRow[]> =>
      sql.all<WorkerRow>(
        'SELECT name, started_at AS "startedAt", seen_at AS "seenAt", job, done FROM workers ORDER BY name',
      ),
  };
}
