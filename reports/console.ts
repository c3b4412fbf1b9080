// Console view of the result model, for stdout: `package` layout (check, one
// verify) shows each package's verdict with its differences and causes;
// `summary` layout (sweep, verify --dir, report merge) one line per package
// that is not reproducible, the totals, and how things moved since a baseline.
import {
  DETERMINISM_NOTE,
  artifactEvidence,
  bisectEffort,
  causeSummary,
  diagnosisLine,
  diagnosisWhere,
  undiagnosedLines,
  errorLine,
  isDeterminismCheck,
  knownDifferencesNote,
  notCopiedNote,
  sandboxNote,
} from './cause.js';
import { artifactCounts, type PackageResult, type RunResult } from './model.js';
import { printable } from './escape.js';

export type ConsoleContext = Readonly<{ outDir: string; quiet: boolean; layout: 'package' | 'summary' }>;

const EXCERPT_LINES = 12;

/** Said with a mismatch when no .buildinfo was given: the likeliest fix. */
export const NO_BUILDINFO_HINT =
  'no --buildinfo was given: the rebuild pinned nothing of the original build ' +
  'environment (SOURCE_DATE_EPOCH, DEB_BUILD_OPTIONS, locale); pass the .buildinfo ' +
  'the published files were built with';

export function renderConsole(result: RunResult, ctx: ConsoleContext): string {
  return ctx.layout === 'summary'
    ? formatSummary(result, ctx.outDir, ctx.quiet)
    : formatVerdict(result, ctx.outDir, ctx.quiet);
}

function describePackage(pkg: PackageResult, outDir: string): string[] {
  const lines: string[] = [];
  const varied = pkg.variations.filter((v) => v.status === 'varied').map((v) => v.name);
  const skipped = pkg.variations.filter((v) => v.status === 'skipped');
  if (pkg.verdict === 'error') {
    lines.push(`error: ${pkg.name}: ${printable(errorLine(pkg))}`);
    const effort = bisectEffort(pkg);
    if (effort) lines.push(`  ${effort}`);
    for (const side of ['control', 'experiment'] as const) {
      const build = pkg.builds[side];
      if (!build) continue;
      // A build that failed before writing anything leaves an empty log: say so, not "last 1 lines … |".
      if (build.logTail.length > 0 && build.logTail.every((l) => l.trim() === ''))
        lines.push(`  the ${side} build's log is empty (${outDir}/${build.log})`);
      else if (build.logTail.length > 0) {
        lines.push(
          `  last ${build.logTail.length} line${build.logTail.length === 1 ? '' : 's'} of ${outDir}/${build.log}:`,
        );
        lines.push(...build.logTail.map((l) => `  | ${printable(l)}`));
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
  if (pkg.verdict === 'mismatch') {
    lines.push(`MISMATCH: ${pkg.name}: ${notIdentical} of ${total} published artifacts differ from the rebuild`);
    if (pkg.verify && !pkg.verify.buildinfo && pkg.recipe?.preset !== 'rpm') lines.push(`  ${NO_BUILDINFO_HINT}`);
  }
  for (const d of pkg.verify?.dependencyDrift.slice(0, 10) ?? [])
    lines.push(
      `  build-dependency drift: ${d.package} ${d.buildinfo} in the buildinfo, ${d.installed ?? 'not installed'} here`,
    );
  if (isDeterminismCheck(pkg)) {
    lines.push(
      `deterministic: ${pkg.name}: ${total} artifact${total === 1 ? '' : 's'} identical (${DETERMINISM_NOTE})`,
    );
  } else if (pkg.verdict === 'reproducible' && knownDifferencesNote(pkg)) {
    const known = pkg.artifacts.filter((a) => a.status !== 'identical');
    lines.push(
      `reproducible (${knownDifferencesNote(pkg)}): ${pkg.name}: ` +
        `${total - notIdentical} of ${total} artifacts identical; the others differ only ` +
        `in ignored known differences`,
    );
    for (const a of known.slice(0, 20))
      lines.push(`  ${a.status.padEnd(21)} ${printable(a.path)} (ignored: ${a.ignored?.reason ?? ''})`);
  } else if (pkg.verdict === 'reproducible') {
    lines.push(`reproducible: ${pkg.name}: ${total} artifact${total === 1 ? '' : 's'} identical`);
  } else {
    if (pkg.verdict === 'unreproducible')
      lines.push(`UNREPRODUCIBLE: ${pkg.name}: ${notIdentical} of ${total} artifacts differ`);
    const cause = causeSummary(pkg);
    if (cause) lines.push(`  ${cause}`);
    const effort = bisectEffort(pkg);
    if (effort) lines.push(`  ${effort}`);
    // What to change: one line per diagnosis, then where it was seen.
    for (const d of pkg.diagnoses)
      lines.push(`  ${printable(diagnosisLine(d))}`, `      ${printable(diagnosisWhere(d))}`);
    for (const line of undiagnosedLines(pkg)) lines.push(`  ${printable(line)}`);
    const differing = pkg.artifacts.filter((a) => a.status !== 'identical');
    for (const a of differing.slice(0, 20)) {
      lines.push(`  ${a.status.padEnd(21)} ${printable(a.path)}${a.ignored ? ` (ignored: ${a.ignored.reason})` : ''}`);
      for (const shown of artifactEvidence(pkg, a.path)) lines.push(`    evidence: ${printable(shown)}`);
      const diff = pkg.diffoscope.find((d) => d.artifact === a.path);
      if (!diff) continue;
      const report = diff.html ?? diff.text;
      if (report)
        lines.push(`    ${diff.tool === 'diffoscope' ? 'diffoscope' : 'diff'}: ${printable(`${outDir}/${report}`)}`);
      if (diff.message) lines.push(`    note: ${printable(diff.message)}`);
      lines.push(
        ...diff.excerpt
          .split('\n')
          .slice(0, EXCERPT_LINES)
          .filter(Boolean)
          .map((l) => `    │ ${printable(l)}`),
      );
    }
    if (notIdentical > 20)
      lines.push(
        `  … and ${notIdentical - 20} more (see ${pkg.artifactSummary?.file ? `${outDir}/${pkg.artifactSummary.file}` : 'results.json'})`,
      );
  }
  lines.push(`  varied: ${varied.join(', ') || 'nothing'}`);
  if (pkg.isolation === 'sequential' || pkg.recipe?.network === true) lines.push(`  ${sandboxNote(pkg)}`);
  const notCopied = notCopiedNote(pkg);
  if (notCopied) lines.push(`  ${printable(notCopied)}`);
  const byReason = new Map<string, string[]>();
  for (const v of skipped)
    byReason.set(v.reason ?? 'unavailable', [...(byReason.get(v.reason ?? 'unavailable') ?? []), v.name]);
  for (const [reason, names] of byReason) lines.push(`  skipped: ${names.join(', ')} (${reason})`);
  return lines;
}

/** The verdict for stdout: one line when all is well, details when not. */
function formatVerdict(result: RunResult, outDir: string, quiet: boolean): string {
  const lines = result.packages.flatMap((pkg) => {
    const described = describePackage(pkg, outDir);
    return quiet && pkg.verdict === 'reproducible' ? described.slice(0, 1) : described;
  });
  // verify varies nothing and takes no --seed: its seed is no replay handle.
  const seed = result.command === 'verify' ? '' : `seed ${result.seed} · `;
  if (!quiet || result.exitCode !== 0)
    lines.push(`  ${seed}report: ${outDir}/index.html · results: ${outDir}/results.json`);
  return lines.join('\n') + '\n';
}

const listed = (label: string, names: readonly string[]) =>
  names.length > 0 ? [`  ${label} (${names.length}): ${names.join(', ')}`] : [];

function formatSummary(result: RunResult, outDir: string, quiet: boolean): string {
  const { summary } = result;
  const lines: string[] = [];
  for (const pkg of result.packages) {
    const notCopied = notCopiedNote(pkg);
    if (notCopied && !quiet) lines.push(`${pkg.name}: ${printable(notCopied)}`);
    if (pkg.verdict === 'verified') continue;
    if (pkg.verdict === 'reproducible') {
      const known = knownDifferencesNote(pkg);
      if (known && !quiet)
        lines.push(
          `reproducible (${known}): ${pkg.name}: ${pkg.artifacts
            .filter((a) => a.ignored)
            .map((a) => printable(a.path))
            .slice(0, 5)
            .join(', ')}`,
        );
      continue;
    }
    const differ = artifactCounts(pkg).notIdentical - pkg.artifacts.filter((a) => a.ignored).length;
    if (pkg.verdict === 'mismatch') {
      lines.push(
        `MISMATCH: ${pkg.name}: ${differ} of ${artifactCounts(pkg).total} published ` +
          `artifacts differ from the ` +
          `rebuild${pkg.verify && !pkg.verify.buildinfo && pkg.recipe?.preset !== 'rpm' ? ` (${NO_BUILDINFO_HINT})` : ''}`,
      );
      continue;
    }
    const detail = pkg.verdict === 'error' ? errorLine(pkg) : (causeSummary(pkg) ?? `${differ} artifacts differ`);
    lines.push(`${pkg.verdict === 'error' ? 'error' : 'UNREPRODUCIBLE'}: ${pkg.name}: ${detail}`);
    for (const d of pkg.diagnoses) lines.push(`  ${printable(diagnosisLine(d))}`);
  }
  const ignored =
    summary.ignored > 0 ? `, ${summary.ignored} known difference${summary.ignored === 1 ? '' : 's'} ignored` : '';
  const deterministic = result.packages.filter(isDeterminismCheck).length;
  const onlyDeterministic =
    deterministic === 0
      ? ''
      : deterministic === summary.reproducible
        ? ` (${DETERMINISM_NOTE})`
        : ` (${deterministic} of them only deterministic: ${DETERMINISM_NOTE})`;
  const word = deterministic > 0 && deterministic === summary.reproducible ? 'deterministic' : 'reproducible';
  const shard = result.shard ? ` (shard ${result.shard.index}/${result.shard.total})` : '';
  if (result.command === 'verify')
    lines.push(
      `${summary.reproducible}/${summary.total} verified, ${summary.unreproducible} mismatch, ${summary.error} error${shard}`,
    );
  else
    lines.push(
      `${summary.reproducible}/${summary.total} ${word}${onlyDeterministic}, ` +
        `${summary.unreproducible} unreproducible, ` +
        `${summary.error} error${ignored}${shard}`,
    );
  if (result.baseline) {
    const b = result.baseline;
    lines.push(`against ${b.file}: ${b.regressions.length} regression${b.regressions.length === 1 ? '' : 's'}`);
    lines.push(
      ...listed('regressions', b.regressions),
      ...listed('fixed', b.fixed),
      ...listed('still broken', b.stillBroken),
      ...listed('new', b.new),
      ...listed('removed', b.removed),
    );
  }
  if (result.nothingChecked) lines.push(`no packages checked: ${result.nothingChecked}`);
  if (result.incomplete)
    lines.push(
      `INCOMPLETE (${result.incomplete.reason}): not finished: ${result.incomplete.notFinished.join(', ') || 'none'}`,
    );
  if (!quiet || result.exitCode !== 0) lines.push(`  report: ${outDir}/index.html · results: ${outDir}/results.json`);
  return (quiet && result.exitCode === 0 ? lines.slice(-1) : lines).join('\n') + '\n';
}
