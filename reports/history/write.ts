// Writes `report history`'s two files: history.json (the model, and the store
// the next run reads back) first, then index.html; each write-then-rename.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { History } from './model.js';
import { renderHistoryPage } from './page.js';

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

export async function writeHistory(history: History, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await writeAtomically(join(outDir, 'history.json'), `${JSON.stringify(history)}\n`);
  await writeAtomically(join(outDir, 'index.html'), renderHistoryPage(history));
}
