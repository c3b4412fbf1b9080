// The output directory is made before any work starts, as the last check of the
// command line: a path under a file, on a read-only mount or in /proc is bad input
// (exit 2, nothing built), not an internal error after the builds.
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { usageError } from '../core/errors.js';

export async function prepareOutDir(outDir: string): Promise<void> {
  try {
    await makeDirs(outDir);
    await access(outDir, constants.W_OK);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'not writable';
    throw usageError(`cannot write the output directory ${outDir} (${reason}); choose another with --out`);
  }
}

// Note: not mkdir's `recursive`, which never returns for a path in /proc on Node 20;
// one level at a time, each failure is final.
async function makeDirs(dir: string): Promise<void> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (info?.isDirectory()) return;
  if (info) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
  if (dirname(dir) !== dir) await makeDirs(dirname(dir));
  await mkdir(dir);
}
