// Console view of the result model, for stdout: `package` layout (check, one
// verify) shows each package's verdict with its differences and causes;
// `summary` layout (sweep, verify --dir, report merge) one line per package
// that is not reproducible, the totals, and how things moved since a baseline.
import { DETERMINISM_NOTE, bisectEffort, causeSummary, isDeterminismCheck } from './cause.js';
import { artifactCounts, type PackageResult, type RunResult } from './model.js';

export type ConsoleContext = Readonly<{ outDir: string; quiet: boolean; layout: 'package' | 'summary' }>;

// A file name may hold newlines or escape sequences: on a terminal or in a CI log
// they would forge lines or colours, so control characters are shown escaped.
const printable = (name: string) => name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

const EXCERPT_LINES = 12;

export function renderConsole(result: RunResult, ctx: ConsoleContext): string {
  return ctx.layout === 'summary' ? formatSummary(result, ctx.outDir, ctx.quiet) : formatVerdict(result, ctx.outDir, ctx.quiet);
}

function describePackage(pkg: PackageResult, outDir: string): string[] {
  const lines: string[] = [];
  const varied = pkg.variations.filter((v) => v.status === 'varied').map((v) => v.name);
  const skipped = pkg.variations.filter((v) => v.status === 'skipped');
  if (pkg.verdict === 'error') {
    lines.push(`error: ${pkg.name}: ${pkg.error?.message ?? 'unknown error'}`);
    for (const side of ['control', 'experiment'] as const) {
      const build = pkg.builds[side];
      if (build && build.logTail.length > 0) {
        lines.push(`  last ${build.logTail.length} lines of ${outDir}/${build.log}:`);
        lines.push(...build.logTail.map((l) => `  | ${l}`));
      }
    }
    return lines;
  }
  const { total, notIdentical } = artifactCounts(pkg);
  if (pkg.verdict === 'verified') {
    lines.push(`verified: ${pkg.name}: ${total} published artifact${total === 1 ? '' : 's'} identical to the rebuild`);
    if (pkg.verify?.link) lines.push(`  in-toto link: ${outDir}/${pkg.verify.link}`);
    return lines;
  }
  if (pkg.verdict === 'mismatch') lines.push(`MISMATCH: ${pkg.name}: ${notIdentical} of ${total} published artifacts differ from the rebuild`);
  for (const d of pkg.verify?.dependencyDrift.slice(0, 10) ?? []) lines.push(`  build-dependency drift: ${d.package} ${d.buildinfo} in the buildinfo, ${d.installed ?? 'not installed'} here`);
  if (isDeterminismCheck(pkg)) {
    lines.push(`deterministic: ${pkg.name}: ${total} artifact${total === 1 ? '' : 's'} identical (${DETERMINISM_NOTE})`);
  } else if (pkg.verdict === 'reproducible') {
    lines.push(`reproducible: ${pkg.name}: ${total} artifact${total === 1 ? '' : 's'} identical`);
  } else {
    if (pkg.verdict === 'unreproducible') lines.push(`UNREPRODUCIBLE: ${pkg.name}: ${notIdentical} of ${total} artifacts differ`);
    const cause = causeSummary(pkg);
    if (cause) lines.push(`  ${cause}`);
    const effort = bisectEffort(pkg);
    if (effort) lines.push(`  ${effort}`);
    const differing = pkg.artifacts.filter((a) => a.status !== 'identical');
    for (const a of differing.slice(0, 20)) {
      lines.push(`  ${a.status.padEnd(21)} ${printable(a.path)}${a.ignored ? ` (ignored: ${a.ignored.reason})` : ''}`);
      const diff = pkg.diffoscope.find((d) => d.artifact === a.path);
      if (!diff) continue;
      const report = diff.html ?? diff.text;
      if (report) lines.push(`    ${diff.tool === 'diffoscope' ? 'diffoscope' : 'diff'}: ${outDir}/${report}`);
      if (diff.message) lines.push(`    note: ${diff.message}`);
      lines.push(...diff.excerpt.split('\n').slice(0, EXCERPT_LINES).filter(Boolean).map((l) => `    │ ${l}`));
    }
    if (notIdentical > 20) lines.push(`  … and ${notIdentical - 20} more (see ${pkg.artifactSummary?.file ? `${outDir}/${pkg.artifactSummary.file}` : 'results.json'})`);
  }
  lines.push(`  varied: ${varied.join(', ') || 'nothing'}`);
  const byReason = new Map<string, string[]>();
  for (const v of skipped) byReason.set(v.reason ?? 'unavailable', [...(byReason.get(v.reason ?? 'unavailable') ?? []), v.name]);
  for (const [reason, names] of byReason) lines.push(`  skipped: ${names.join(', ')} (${reason})`);
  return lines;
}

/** The verdict for stdout: one line when all is well, details when not. */
function formatVerdict(result: RunResult, outDir: string, quiet: boolean): string {
  const lines = result.packages.flatMap((pkg) => {
    const described = describePackage(pkg, outDir);
    return quiet && pkg.verdict === 'reproducible' ? described.slice(0, 1) : described;
  });
  if (!quiet || result.exitCode !== 0) lines.push(`  seed ${result.seed} · report: ${outDir}/index.html · results: ${outDir}/results.json`);
  return lines.join('\n') + '\n';
}

const listed = (label: string, names: readonly string[]) => (names.length > 0 ? [`  ${label} (${names.length}): ${names.join(', ')}`] : []);

function formatSummary(result: RunResult, outDir: string, quiet: boolean): string {
  const { summary } = result;
  const lines: string[] = [];
  for (const pkg of result.packages) {
    if (pkg.verdict === 'reproducible') continue;
    const detail = pkg.verdict === 'error' ? pkg.error?.message : causeSummary(pkg) ?? `${artifactCounts(pkg).notIdentical - pkg.artifacts.filter((a) => a.ignored).length} artifacts differ`;
    lines.push(`${pkg.verdict === 'error' ? 'error' : 'UNREPRODUCIBLE'}: ${pkg.name}: ${detail ?? ''}`);
  }
  const ignored = summary.ignored > 0 ? `, ${summary.ignored} known difference${summary.ignored === 1 ? '' : 's'} ignored` : '';
  const deterministic = result.packages.filter(isDeterminismCheck).length;
  const onlyDeterministic = deterministic === 0 ? '' : deterministic === summary.reproducible ? ` (${DETERMINISM_NOTE})` : ` (${deterministic} of them only deterministic: ${DETERMINISM_NOTE})`;
  const word = deterministic > 0 && deterministic === summary.reproducible ? 'deterministic' : 'reproducible';
  lines.push(`${summary.reproducible}/${summary.total} ${word}${onlyDeterministic}, ${summary.unreproducible} unreproducible, ${summary.error} error${ignored}${result.shard ? ` (shard ${result.shard.index}/${result.shard.total})` : ''}`);
  if (result.baseline) {
    const b = result.baseline;
    lines.push(`against ${b.file}: ${b.regressions.length} regression${b.regressions.length === 1 ? '' : 's'}`);
    lines.push(...listed('regressions', b.regressions), ...listed('fixed', b.fixed), ...listed('still broken', b.stillBroken), ...listed('new', b.new), ...listed('removed', b.removed));
  }
  if (result.incomplete) lines.push(`INCOMPLETE (${result.incomplete.reason}): not finished: ${result.incomplete.notFinished.join(', ') || 'none'}`);
  if (!quiet || result.exitCode !== 0) lines.push(`  report: ${outDir}/index.html · results: ${outDir}/results.json`);
  return (quiet && result.exitCode === 0 ? lines.slice(-1) : lines).join('\n') + '\n';
}
