// Writes one report set from a result model: results.json first (so the model
// survives a failing view), then every chosen file reporter. The same for check,
// sweep, verify and report merge. Returns what the console reporter says, if chosen.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from './model.js';
import { REPORTERS, type ReportContext, type ReporterName } from './registry.js';

// Write-then-rename under a name of this process's own: a reader never sees half
// a file, and two writers never share a temporary file.
async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

export async function writeReports(result: RunResult, ctx: ReportContext, chosen: readonly ReporterName[]): Promise<string | null> {
  await mkdir(ctx.outDir, { recursive: true });
  await writeAtomically(join(ctx.outDir, 'results.json'), REPORTERS.json.render(result));
  const files = chosen.filter((name) => name !== 'json' && REPORTERS[name].file !== null);
  await Promise.all(files.map((name) => writeAtomically(join(ctx.outDir, REPORTERS[name].file!), REPORTERS[name].render(result, ctx))));
  return chosen.includes('console') ? REPORTERS.console.render(result, ctx) : null;
}
