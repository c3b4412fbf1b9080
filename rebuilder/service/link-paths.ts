// Where each job's links were staged or published (link_paths), so that the
// conflict check before a link is staged finds the jobs at its paths by an index
// instead of reading every job of a distribution.
import { linkPathOf } from './conflicts.js';
import { toJob, type Job } from './jobs.js';
import type { Statements } from './sql.js';

/** Records that job `id` stages or publishes files at `paths` (link_paths: kept, never fewer). */
export async function rememberPaths(tx: Statements, id: number, paths: readonly string[]): Promise<void> {
  const unique = [...new Set(paths)];
  // Note: one statement for all of them (a round trip each would add up at a coordinator publishing for many workers).
  for (let i = 0; i < unique.length; i += 500) {
    const some = unique.slice(i, i + 500);
    await tx.run(
      `INSERT INTO link_paths (path, job) VALUES ${some.map(() => '(?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
      some.flatMap((path) => [path, id]),
    );
  }
}

/**
 * The other verified or publishing jobs that staged or published files at one of `job`'s link paths, by the
 * link_paths index (a superset of those holding them now: conflictOf checks their published and staged files).
 */
export async function holdersOf(tx: Statements, job: Job): Promise<Job[]> {
  const paths = [...new Set(job.spec.binaries.map(linkPathOf))];
  if (paths.length === 0) return [];
  const rows = await tx.all(
    `SELECT * FROM jobs WHERE id != ? AND status IN ('verified', 'publishing') AND id IN ` +
      `(SELECT job FROM link_paths WHERE path IN (${paths.map(() => '?').join(', ')})) ORDER BY id`,
    [job.id, ...paths],
  );
  return rows.map(toJob);
}
