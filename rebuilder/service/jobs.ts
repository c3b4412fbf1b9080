// A job of the rebuilder service as the state keeps it (one row of `jobs`), and
// what a worker reports back.
import type { LinkInput } from '../../attest/link.js';
import type { JobSpec } from './indexes.js';
import type { Row } from './sql.js';

/**
 * reported: a worker rebuilt it and reported back (its verdict, the link's contents, its reports); the
 * coordinator signs, publishes and finishes it.
 * conflict: rebuilt and matched, but another repository's link for the same binary name and version, with
 * other products, is published where this one would go; it was not replaced.
 */
export type JobStatus =
  'queued' | 'running' | 'reported' | 'publishing' | 'verified' | 'mismatch' | 'conflict' | 'failed';

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
  /** The worker building it (its lease until `leaseUntil`), or null: the coordinator itself, or nobody. */
  worker: string | null;
  leaseUntil: number | null;
}>;

/** What a worker reports when its rebuild ends. */
export type WorkerReport = Readonly<{
  verdict: 'verified' | 'mismatch' | 'error';
  /** The error (verdict error). */
  error: string | null;
  /** What the coordinator signs (verdict verified). */
  link: LinkInput | null;
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

export const toJob = (r: Row): Job => ({
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
  worker: (r['worker'] as string | null) ?? null,
  leaseUntil: (r['lease_until'] as number | null) ?? null,
});

/** What changed between the files a version was verified with and those its repository lists now ('' if nothing). */
export function changedFiles(verified: JobSpec, now: JobSpec): string {
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
