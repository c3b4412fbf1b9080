// Console view of a sweep (or a merged report): one line per package that is not
// reproducible, the totals, and how things moved since a baseline.
import { causeSummary } from './cause.js';
import type { RunResult } from './model.js';

const listed = (label: string, names: readonly string[]) => (names.length > 0 ? [`  ${label} (${names.length}): ${names.join(', ')}`] : []);

export function formatSweep(result: RunResult, outDir: string, quiet: boolean): string {
  const { summary } = result;
  const lines: string[] = [];
  for (const pkg of result.packages) {
    if (pkg.verdict === 'reproducible') continue;
    const detail = pkg.verdict === 'error' ? pkg.error?.message : causeSummary(pkg) ?? `${pkg.artifacts.filter((a) => a.status !== 'identical' && !a.ignored).length} artifacts differ`;
    lines.push(`${pkg.verdict === 'error' ? 'error' : 'UNREPRODUCIBLE'}: ${pkg.name}: ${detail ?? ''}`);
  }
  const ignored = summary.ignored > 0 ? `, ${summary.ignored} known difference${summary.ignored === 1 ? '' : 's'} ignored` : '';
  lines.push(`${summary.reproducible}/${summary.total} reproducible, ${summary.unreproducible} unreproducible, ${summary.error} error${ignored}${result.shard ? ` (shard ${result.shard.index}/${result.shard.total})` : ''}`);
  if (result.baseline) {
    const b = result.baseline;
    lines.push(`against ${b.file}: ${b.regressions.length} regression${b.regressions.length === 1 ? '' : 's'}`);
    lines.push(...listed('regressions', b.regressions), ...listed('fixed', b.fixed), ...listed('still broken', b.stillBroken), ...listed('new', b.new), ...listed('removed', b.removed));
  }
  if (result.incomplete) lines.push(`INCOMPLETE (${result.incomplete.reason}): not finished: ${result.incomplete.notFinished.join(', ') || 'none'}`);
  if (!quiet || result.exitCode !== 0) lines.push(`  report: ${outDir}/index.html · results: ${outDir}/results.json`);
  return (quiet && result.exitCode === 0 ? lines.slice(-1) : lines).join('\n') + '\n';
}
