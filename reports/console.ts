// Console view: progress on stderr while work runs (one live line on a TTY,
// plain lines in CI logs), and a short verdict for stdout built from the model.
import type { ProgressEvent, ProgressSink } from '../core/events.js';
import { bisectEffort, causeSummary } from './cause.js';
import type { PackageResult, RunResult } from './model.js';

// A file name may hold newlines or escape sequences: on a terminal or in a CI log
// they would forge lines or colours, so control characters are shown escaped.
const printable = (name: string) => name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const EXCERPT_LINES = 12;

const FORMAT: { [K in ProgressEvent['kind']]: (event: Extract<ProgressEvent, { kind: K }>) => string } = {
  phase: (e) => ({ prepare: 'checking variations and copying the source', build: 'building', compare: 'comparing artifacts', bisect: 'bisecting: probing subsets of the variations', diffoscope: 'explaining differences (diffoscope)', cleanup: 'cleaning up' })[e.phase],
  'build-started': (e) => `${e.side} build started`,
  'build-finished': (e) => `${e.side} build ${e.ok ? 'finished' : 'FAILED'} in ${seconds(e.durationMs)}`,
  'probe-finished': (e) => `probe ${e.id} (${e.variations.join(', ') || 'nothing varied'}): ${e.status} in ${seconds(e.durationMs)}`,
  note: (e) => e.message,
};

export type ConsoleProgress = Readonly<{ sink: ProgressSink; stop: () => void }>;

export function consoleProgress(stream: NodeJS.WriteStream, quiet: boolean): ConsoleProgress {
  if (quiet) return { sink: () => {}, stop: () => {} };
  const started = performance.now();
  const format = (e: ProgressEvent) => (FORMAT[e.kind] as (x: ProgressEvent) => string)(e);
  if (!stream.isTTY) return { sink: (e) => stream.write(`twinbuild: ${format(e)}\n`), stop: () => {} };
  let current = '';
  const draw = () => stream.write(`\r\x1b[2K${current} ${seconds(performance.now() - started)}`);
  const ticker = setInterval(draw, 250);
  ticker.unref();
  return {
    sink: (e) => {
      if (e.kind === 'note' || e.kind === 'build-finished' || e.kind === 'probe-finished') stream.write(`\r\x1b[2K${format(e)}\n`);
      else if (e.kind === 'phase') current = format(e) + '…';
      draw();
    },
    stop: () => {
      clearInterval(ticker);
      stream.write('\r\x1b[2K');
    },
  };
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
  const differing = pkg.artifacts.filter((a) => a.status !== 'identical');
  if (pkg.verdict === 'verified') {
    lines.push(`verified: ${pkg.name}: ${pkg.artifacts.length} published artifact${pkg.artifacts.length === 1 ? '' : 's'} identical to the rebuild`);
    if (pkg.verify?.link) lines.push(`  in-toto link: ${outDir}/${pkg.verify.link}`);
    return lines;
  }
  if (pkg.verdict === 'mismatch') lines.push(`MISMATCH: ${pkg.name}: ${differing.length} of ${pkg.artifacts.length} published artifacts differ from the rebuild`);
  for (const d of pkg.verify?.dependencyDrift.slice(0, 10) ?? []) lines.push(`  build-dependency drift: ${d.package} ${d.buildinfo} in the buildinfo, ${d.installed ?? 'not installed'} here`);
  if (pkg.verdict === 'reproducible') {
    lines.push(`reproducible: ${pkg.name}: ${pkg.artifacts.length} artifact${pkg.artifacts.length === 1 ? '' : 's'} identical`);
  } else {
    if (pkg.verdict === 'unreproducible') lines.push(`UNREPRODUCIBLE: ${pkg.name}: ${differing.length} of ${pkg.artifacts.length} artifacts differ`);
    const cause = causeSummary(pkg);
    if (cause) lines.push(`  ${cause}`);
    const effort = bisectEffort(pkg);
    if (effort) lines.push(`  ${effort}`);
    for (const a of differing.slice(0, 20)) {
      lines.push(`  ${a.status.padEnd(21)} ${printable(a.path)}${a.ignored ? ` (ignored: ${a.ignored.reason})` : ''}`);
      const diff = pkg.diffoscope.find((d) => d.artifact === a.path);
      if (!diff) continue;
      const report = diff.html ?? diff.text;
      if (report) lines.push(`    ${diff.tool === 'diffoscope' ? 'diffoscope' : 'diff'}: ${outDir}/${report}`);
      if (diff.message) lines.push(`    note: ${diff.message}`);
      lines.push(...diff.excerpt.split('\n').slice(0, EXCERPT_LINES).filter(Boolean).map((l) => `    │ ${l}`));
    }
    if (differing.length > 20) lines.push(`  … and ${differing.length - 20} more (see results.json)`);
  }
  lines.push(`  varied: ${varied.join(', ') || 'nothing'}`);
  const byReason = new Map<string, string[]>();
  for (const v of skipped) byReason.set(v.reason ?? 'unavailable', [...(byReason.get(v.reason ?? 'unavailable') ?? []), v.name]);
  for (const [reason, names] of byReason) lines.push(`  skipped: ${names.join(', ')} (${reason})`);
  return lines;
}

/** The verdict for stdout: one line when all is well, details when not. */
export function formatVerdict(result: RunResult, outDir: string, quiet: boolean): string {
  const lines = result.packages.flatMap((pkg) => {
    const described = describePackage(pkg, outDir);
    return quiet && pkg.verdict === 'reproducible' ? described.slice(0, 1) : described;
  });
  if (!quiet || result.exitCode !== 0) lines.push(`  seed ${result.seed} · report: ${outDir}/index.html · results: ${outDir}/results.json`);
  return lines.join('\n') + '\n';
}
