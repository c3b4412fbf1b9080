// Diagnosis from what a run left in its output directory: each differing
// artifact's diffoscope --json report (or its --text report, for results written
// before twinbuild kept the JSON), then diagnose.ts on them. Used right after a
// check and by `twinbuild explain RESULTS.json`, which rebuilds nothing.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackageResult } from '../../reports/model.js';
import type { Catalogue } from './catalogue.js';
import { clockSpans, type Span } from './clock.js';
import { hunksFromJson, hunksFromText, type Hunk } from './diff-tree.js';
import { diagnose, type DiagnoseOutput } from './diagnose.js';

const MAX_REPORT_BYTES = 32 * 1024 * 1024;

async function readBounded(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(MAX_REPORT_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, MAX_REPORT_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** One artifact's hunks, or why there are none. */
async function reportOf(pkg: PackageResult, path: string, outDir: string): Promise<readonly Hunk[] | string> {
  const artifact = pkg.artifacts.find((a) => a.path === path);
  if (artifact && artifact.status !== 'differs') return `built on one side only (${artifact.status})`;
  const diff = pkg.diffoscope.find((d) => d.artifact === path);
  if (!diff) return 'no diffoscope report (--no-diffoscope, or not a regular file)';
  if (diff.json) {
    const json = await readBounded(join(outDir, diff.json)).catch(() => null);
    if (json !== null) {
      try {
        return hunksFromJson(JSON.parse(json));
      } catch {
        // A truncated or damaged JSON report: the text report says the same.
      }
    }
  }
  if (diff.text) {
    const text = await readBounded(join(outDir, diff.text)).catch(() => null);
    if (text !== null) return hunksFromText(text);
  }
  return diff.status === 'error' ? `diffoscope failed: ${diff.message ?? ''}` : 'its diffoscope report is missing';
}

/** The differing artifacts a diagnosis looks at: not identical, not a known (ignored) difference. */
export const differingPaths = (pkg: PackageResult) =>
  pkg.artifacts.filter((a) => a.status !== 'identical' && !a.ignored).map((a) => a.path);

/**
 * The package's diagnosis from the reports in `outDir`; `real` is when the check ran
 * by the real clock (each side's faked clock comes from its recorded time value).
 */
export async function diagnosePackage(
  pkg: PackageResult,
  outDir: string,
  catalogue: Catalogue,
  real: Span,
): Promise<DiagnoseOutput> {
  const paths = differingPaths(pkg);
  const reports = new Map(await Promise.all(paths.map(async (p) => [p, await reportOf(pkg, p, outDir)] as const)));
  return diagnose({ pkg, reports, catalogue, clocks: clockSpans(pkg.builds, real) });
}
