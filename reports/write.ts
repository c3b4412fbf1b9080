// Writes one report set (results.json first, then junit.xml, index.html and
// badge.svg) from a result model: the same for check, sweep and report merge.
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { renderBadge } from './badge.js';
import { renderHtml } from './html.js';
import { writeResultsJson } from './json.js';
import { renderJunit } from './junit.js';
import type { RunResult } from './model.js';

export async function writeReports(outDir: string, result: RunResult): Promise<void> {
  await writeResultsJson(outDir, result);
  await Promise.all([
    writeFile(join(outDir, 'junit.xml'), renderJunit(result, { outDirFromJobRoot: relative(process.cwd(), outDir) || '.' })),
    writeFile(join(outDir, 'index.html'), renderHtml(result)),
    writeFile(join(outDir, 'badge.svg'), renderBadge(result) + '\n'),
  ]);
}
