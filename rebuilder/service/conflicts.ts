// Two watched repositories may list the same binary name and version, and links
// live at sources/<binary>/<version>/metadata: a link naming other bytes for that
// binary never silently replaces one already published (or being published) there.
import { join } from 'node:path';
import { versionDirs } from './publish.js';
import type { Binary } from './indexes.js';
import type { Job } from './jobs.js';

/** Where a binary's link goes (its version as the first spelling of versionDirs). */
export const linkPathOf = (binary: Pick<Binary, 'package' | 'version'>) =>
  join('sources', binary.package, versionDirs(binary.version)[0]!, 'metadata');

/**
 * Why `job`'s links may not go where they would (null if they may): another job's link for the same binary name
 * and version, published or being published, whose products name other bytes for it. `jobs` may be every job, or
 * only those whose published or staged files name one of `job`'s link paths (what the state passes).
 */
export function conflictOf(job: Job, jobs: readonly Job[]): string | null {
  const others = jobs.filter((j) => j.id !== job.id && (j.status === 'verified' || j.status === 'publishing'));
  for (const binary of job.spec.binaries) {
    const final = linkPathOf(binary);
    for (const other of others) {
      const holds =
        other.status === 'verified' ? other.published.includes(final) : other.staged.some(([, f]) => f === final);
      if (!holds) continue;
      const theirs = other.spec.binaries.find((b) => b.package === binary.package && b.version === binary.version);
      if (theirs?.sha256 === binary.sha256) continue;
      return (
        `${binary.package} ${binary.version} is already published from repository ${other.repository} ` +
        `(${other.source} ${other.version}) with other bytes (sha256 ${theirs?.sha256 ?? 'unknown'} there, ` +
        `${binary.sha256} here); its link is not replaced`
      );
    }
  }
  return null;
}
