// Comparing a sweep with an earlier one: only packages that were reproducible
// then and are not now fail the run; the rest is listed.
import type { BaselineComparison, PackageResult, RunResult } from '../reports/model.js';

export function compareWithBaseline(
  file: string,
  baseline: RunResult,
  current: readonly Pick<PackageResult, 'name' | 'verdict'>[],
  inScope: (name: string) => boolean,
): BaselineComparison {
  const before = new Map(baseline.packages.filter((p) => inScope(p.name)).map((p) => [p.name, p.verdict]));
  const now = new Map(current.map((p) => [p.name, p.verdict]));
  const names = (keep: (was: string | undefined, is: string | undefined) => boolean, from: Map<string, string>) =>
    [...from.keys()].filter((n) => keep(before.get(n), now.get(n))).sort();
  return {
    file,
    regressions: names((was, is) => was === 'reproducible' && is !== 'reproducible', now),
    fixed: names((was, is) => was !== undefined && was !== 'reproducible' && is === 'reproducible', now),
    stillBroken: names((was, is) => was !== undefined && was !== 'reproducible' && is !== 'reproducible', now),
    new: names((was) => was === undefined, now),
    removed: names((_, is) => is === undefined, before),
  };
}

/** Exit code with a baseline: 3 when a formerly reproducible package errors, 1 for other regressions, else 0. */
export function baselineExitCode(
  comparison: BaselineComparison,
  current: readonly Pick<PackageResult, 'name' | 'verdict'>[],
): number {
  const verdict = (name: string) => current.find((p) => p.name === name)?.verdict;
  if (comparison.regressions.some((n) => verdict(n) === 'error')) return 3;
  return comparison.regressions.length > 0 ? 1 : 0;
}
