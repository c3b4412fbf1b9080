// results.json: the model itself, written first so other reports can fail without losing it.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from './model.js';

export async function writeResultsJson(outDir: string, result: RunResult): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, 'results.json');
  // Write-then-rename: a reader never sees half a file.
  await writeFile(`${path}.tmp`, JSON.stringify(result, null, 2) + '\n');
  await rename(`${path}.tmp`, path);
  return path;
}
