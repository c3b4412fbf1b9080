// What bisect found, in words: shared by the console, JUnit and HTML views.
import type { Culprit, PackageResult } from './model.js';

const LISTED = 5;

const list = (items: readonly string[]) =>
  items.length <= LISTED ? items.join(', ') : `${items.slice(0, LISTED).join(', ')} and ${items.length - LISTED} more`;

export const culpritName = (c: Culprit) => (c.variations.length === 1 ? c.variations[0]! : `${c.variations.join(' + ')} together`);

/** e.g. "caused by time (changes out/a); time + timezone together (changes out/b)". */
export function causeSummary(pkg: PackageResult): string | null {
  if (pkg.nondeterministic) return `nondeterministic: differs even with nothing varied (flapping: ${list(pkg.bisect.flapping)}); no variation is blamed`;
  if (pkg.bisect.status === 'error') return `bisect failed: ${pkg.bisect.reason ?? 'unknown error'}`;
  if (pkg.culprits.length === 0) return null;
  const unexplained = pkg.bisect.unexplained.length > 0 ? `; not explained by any variation: ${list(pkg.bisect.unexplained)}` : '';
  return `caused by ${pkg.culprits.map((c) => `${culpritName(c)} (changes ${list(c.artifacts)})`).join('; ')}${unexplained}`;
}

/** The cause of one artifact's difference, for its own line or test case. */
export function artifactCause(pkg: PackageResult, path: string): string | null {
  if (pkg.nondeterministic) return pkg.bisect.flapping.includes(path) ? 'nondeterministic: differs with nothing varied' : 'nondeterministic build';
  const names = pkg.culprits.filter((c) => c.artifacts.includes(path)).map(culpritName);
  return names.length > 0 ? `caused by ${names.join('; ')}` : null;
}

/** How much bisect did, e.g. "bisect: 5 probe builds in 4 rounds". */
export function bisectEffort(pkg: PackageResult): string | null {
  if (pkg.bisect.status === 'not-run') return null;
  const n = pkg.bisect.probes.length;
  return `bisect: ${n} probe build${n === 1 ? '' : 's'} in ${pkg.bisect.rounds} round${pkg.bisect.rounds === 1 ? '' : 's'} (the check's own builds are round 1)`;
}

/** What a view says beside a reproducible verdict when nothing was varied. */
export const DETERMINISM_NOTE = 'nothing varied: a determinism check, not a reproducibility test';

// Note: with nothing varied (--vary=-all) identical builds prove only that the
// build is deterministic here; results.json keeps "reproducible", every view says
// "deterministic". verify varies nothing on purpose and keeps "verified".
export const isDeterminismCheck = (pkg: PackageResult) => pkg.verdict === 'reproducible' && !pkg.variations.some((v) => v.status === 'varied');

/** "1 known difference ignored" for a package that passed only because of its ignore rules; else null. */
export const knownDifferencesNote = (pkg: PackageResult): string | null =>
  pkg.verdict === 'reproducible' && pkg.knownDifferences > 0 ? `${pkg.knownDifferences} known difference${pkg.knownDifferences === 1 ? '' : 's'} ignored` : null;

/** The verdict as a view words it: "deterministic" for a determinism check, a pass with ignored differences says so, else the verdict. */
export const verdictWord = (pkg: PackageResult): string => {
  const known = knownDifferencesNote(pkg);
  return `${isDeterminismCheck(pkg) ? 'deterministic' : pkg.verdict}${known ? ` (${known})` : ''}`;
};
