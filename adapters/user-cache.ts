// twinbuild's cache directory (the CLI's XDG_CACHE_HOME/twinbuild, else
// ~/.cache/twinbuild): what a check would otherwise redo every time, kept between
// runs. Everything in it can be made again, and `twinbuild clean` removes it.
// Written atomically (a temp name, then a rename); read only when the directory and
// the file are this user's own and writable by no one else.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const uid = () => process.getuid?.() ?? 0;

/** Ours alone: owned by this user and writable by no one else. */
const ownedAlone = (stat: Readonly<{ uid: number; mode: number }>) => stat.uid === uid() && (stat.mode & 0o022) === 0;

const trustedDir = async (dir: string) => {
  const stat = await lstat(dir).catch(() => null);
  return stat !== null && stat.isDirectory() && ownedAlone(stat);
};

/**
 * The bytes of `name` in the cache, or null when it is missing or not to be trusted.
 * Note: opened without following a symlink and judged by the open file's own owner
 * and mode, so nothing can be swapped in between the check and the read.
 */
export async function readCached(dir: string, name: string): Promise<Buffer | null> {
  if (!(await trustedDir(dir))) return null;
  const file = await open(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
  if (!file) return null;
  try {
    const stat = await file.stat();
    return stat.isFile() && ownedAlone(stat) ? await file.readFile() : null;
  } finally {
    await file.close();
  }
}

/** A file that appears whole or not at all: written under a temp name beside it, then renamed. */
export async function writeAtomically(path: string, bytes: Buffer | string, mode = 0o644): Promise<void> {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, bytes, { mode, flag: 'wx' });
    await chmod(temp, mode); // not narrowed by the umask
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Keeps `bytes` as `name`, in a cache dir that is ours alone (made 0700 when missing); false when it is not. */
export async function writeCached(dir: string, name: string, bytes: Buffer | string): Promise<boolean> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!(await trustedDir(dir))) return false;
  await writeAtomically(join(dir, name), bytes);
  return true;
}

// What writeAtomically's temp name adds, left behind only by a process killed mid-write.
const TEMP_SUFFIX = /\.\d+-[0-9a-f]{8}\.tmp$/;

/** The cache files one of `patterns` names (or their temp files), removed; the dir too when that leaves it empty. */
export async function clearCached(dir: string, patterns: readonly RegExp[]): Promise<string[]> {
  if (!(await trustedDir(dir))) return [];
  const ours = (name: string) => patterns.some((p) => p.test(name.replace(TEMP_SUFFIX, '')));
  const names = (await readdir(dir)).filter(ours);
  await Promise.all(names.map((n) => rm(join(dir, n), { force: true })));
  await rmdir(dir).catch(() => undefined); // not empty: something else is kept there
  return names;
}
