// The walk discovery looks for packages with: it never follows a symlinked
// directory (`ROOT/rootlink -> /` would walk the machine, `ROOT/loop -> .` for
// ever, `ROOT/ext -> /elsewhere` would build outside ROOT), and names each it passed.
import type { Dirent } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TwinbuildError } from '../core/errors.js';

/** Paths relative to the walk's root, `/`-separated, in the order found. */
export type Walked = Readonly<{ dirs: string[]; files: string[]; symlinkedDirs: string[] }>;

/**
 * Where to go: `enter` is asked for each directory below `start` before it is read;
 * `wanted`, whether a directory is itself a result (a symlink that would have been
 * entered or been a result is named in `symlinkedDirs`).
 */
export type WalkScope = Readonly<{
  start: string;
  enter: (dir: string) => boolean;
  wanted: (dir: string) => boolean;
}>;

const cannotRead = (root: string, dir: string, cause: unknown) =>
  new TwinbuildError(
    'unreadable-source',
    `cannot read ${join(root, dir)} (${(cause as NodeJS.ErrnoException).code ?? String(cause)}) while looking for packages`,
    { cause },
  );

/** The first component of `path` (relative to `root`) that is a symlink, or null: a path through one is not followed. */
export async function firstSymlink(root: string, path: string): Promise<string | null> {
  let dir = '';
  for (const part of path.split('/').filter((p) => p !== '' && p !== '.')) {
    dir = dir ? `${dir}/${part}` : part;
    const info = await lstat(join(root, dir)).catch(() => null);
    if (info?.isSymbolicLink()) return dir;
    if (!info?.isDirectory()) return null;
  }
  return null;
}

// Note: `start` (a glob's fixed prefix, such as `pkgs/debian`) is checked one
// component at a time with lstat, so a symlink on the way is not followed either.
async function startDir(root: string, start: string, found: Walked): Promise<boolean> {
  const link = await firstSymlink(root, start);
  if (link !== null) {
    if ((await stat(join(root, link)).catch(() => null))?.isDirectory()) found.symlinkedDirs.push(link);
    return false;
  }
  return (await stat(join(root, start)).catch(() => null))?.isDirectory() === true;
}

/** Every directory and file below `root` within the scope, without following a symlink to a directory. */
export async function walkTree(root: string, scope: WalkScope): Promise<Walked> {
  const found: Walked = { dirs: [], files: [], symlinkedDirs: [] };
  if (!(await startDir(root, scope.start, found))) return found;
  const pending = [scope.start.split('/').filter(Boolean).join('/')];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, dir), { withFileTypes: true });
    } catch (cause) {
      throw cannotRead(root, dir, cause);
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        found.dirs.push(path);
        if (scope.enter(path)) pending.push(path);
      } else if (entry.isFile()) {
        found.files.push(path);
      } else if (entry.isSymbolicLink()) {
        // A symlink to a file is read as the file (a linked package.json); one to a
        // directory the walk would have entered is named, never entered.
        const target = await stat(join(root, path)).catch(() => null);
        if (target?.isDirectory()) {
          if (scope.enter(path) || scope.wanted(path)) found.symlinkedDirs.push(path);
        } else if (target?.isFile()) found.files.push(path);
      }
    }
  }
  return found;
}
