// Twinbuild's own temp root: every copy, mount point and scratch file lives
// under it, and it is removed on every exit path (unless --keep).
import { constants, type Stats } from 'node:fs';
import {
  access,
  chmod,
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  stat,
  statfs,
  symlink,
  utimes,
} from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { NotCopied } from '../../reports/model.js';
import type { Side } from '../../variations/plan.js';
import { TwinbuildError } from '../../core/errors.js';
import { clearFileFlags, removeTreeDeep, unmountLazy } from '../../adapters/mounts.js';
import type { ProcessRunner } from '../../adapters/process.js';
import { currentOwner, writeOwner } from './owner.js';

export type Workspace = Readonly<{
  root: string;
  /** Where each side's private copy of the source lives. */
  sideDir: (side: Side) => string;
  /** The one path both builds see (bind-mounted per build, or renamed into place). */
  buildDir: string;
  /** A second, longer path, for the experiment when build_path is varied. */
  altBuildDir: string;
  scratchDir: string;
}>;

export async function assertReadableSource(source: string, dsc = false): Promise<void> {
  let info;
  try {
    info = await stat(source);
    await access(source, dsc ? constants.R_OK : constants.R_OK | constants.X_OK);
  } catch (cause) {
    throw new TwinbuildError('unreadable-source', `cannot read source ${dsc ? 'package' : 'directory'} ${source}`, {
      cause,
    });
  }
  if (dsc && !info.isFile()) throw new TwinbuildError('unreadable-source', `source ${source} is not a file`);
  if (!dsc && !info.isDirectory()) throw new TwinbuildError('unreadable-source', `source ${source} is not a directory`);
}

// Every temp root names the live twinbuild that owns it (pid and start time),
// so a later run can tell a root whose owner was SIGKILLed from one in use.
// `kept` (--keep) roots are never reaped.
export async function createTempRoot(tempDir: string, options: Readonly<{ kept?: boolean }> = {}): Promise<string> {
  // The pid in the name covers the instant before the marker is written: a root a SIGKILL
  // left half-made (no whole marker, nothing else) is still known as this process's.
  const root = await mkdtemp(join(tempDir, `twinbuild-${process.pid}-`));
  // Note: traversable (not listable) by others, because disorderfs --multi-user
  // opens the experiment's files as the (unprivileged) build user.
  await chmod(root, 0o711);
  await writeOwner(root, { ...(await currentOwner()), ...(options.kept ? { kept: true } : {}) });
  return root;
}

export async function createWorkspace(
  packageName: string,
  tempDir: string,
  options: Readonly<{ kept?: boolean }> = {},
): Promise<Workspace> {
  const root = await createTempRoot(tempDir, options);
  const ws: Workspace = {
    root,
    sideDir: (side) => join(root, side, packageName),
    buildDir: join(root, 'build', packageName),
    altBuildDir: join(root, 'build-path-varied', 'second-build', packageName),
    scratchDir: join(root, 'scratch'),
  };
  await Promise.all([
    mkdir(join(root, 'control')),
    mkdir(join(root, 'experiment')),
    mkdir(ws.buildDir, { recursive: true }),
    mkdir(ws.altBuildDir, { recursive: true }),
    mkdir(ws.scratchDir),
  ]);
  return ws;
}

/**
 * A bisect probe's own corner of the workspace: a fresh tree for the source copy
 * and its own scratch dir, so probes can build at the same time.
 */
export async function createProbeWorkspace(ws: Workspace, id: string): Promise<{ workspace: Workspace; dir: string }> {
  const dir = join(ws.root, 'probes', id);
  const tree = join(dir, basename(ws.buildDir));
  const scratchDir = join(dir, 'scratch');
  await mkdir(scratchDir, { recursive: true });
  return { workspace: { ...ws, sideDir: () => tree, scratchDir }, dir };
}

const isInside = (child: string, parent: string) => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

// Files copied at once within one directory: enough to overlap I/O, few enough
// that an abort is seen within a fraction of a second.
const COPY_BATCH = 32;

const interrupted = () => new TwinbuildError('interrupted', 'interrupted');

type CopyWalk = Readonly<{
  skip: (src: Buffer) => boolean;
  signal: AbortSignal | undefined;
  /** The source's own path, and the special files found below it (not copied). */
  source: Buffer;
  notCopied: NotCopied[];
}>;

/** What a non-copyable entry is, for the reports. */
const specialKind = (info: Stats) =>
  info.isFIFO()
    ? 'fifo'
    : info.isSocket()
      ? 'socket'
      : info.isCharacterDevice()
        ? 'character device'
        : info.isBlockDevice()
          ? 'block device'
          : 'special file';

const joinBytes = (dir: Buffer, name: Buffer) => Buffer.concat([dir, Buffer.from('/'), name]);

async function copyEntry(src: Buffer, dest: Buffer, walk: CopyWalk): Promise<void> {
  if (walk.skip(src)) return;
  const info = await lstat(src);
  if (info.isDirectory()) return copyDirectory(src, dest, info, walk);
  if (info.isSymbolicLink()) return symlink(await readlink(src, { encoding: 'buffer' }), dest);
  // A socket (git's .git/fsmonitor--daemon.ipc), FIFO or device node cannot be copied:
  // left out of the copy and listed in every report.
  if (!info.isFile()) {
    walk.notCopied.push({ path: src.subarray(walk.source.length + 1).toString(), kind: specialKind(info) });
    return;
  }
  await copyFile(src, dest, constants.COPYFILE_FICLONE); // keeps the mode
  await utimes(dest, info.atime, info.mtime);
}

// Note: names are bytes throughout, so a name that is not UTF-8 is copied as it is.
// A directory that already existed (the side's dir) keeps its own mode, as with fs.cp.
async function copyDirectory(src: Buffer, dest: Buffer, info: Stats, walk: CopyWalk): Promise<void> {
  const created = await mkdir(dest, { recursive: true });
  const entries = await readdir(src, { encoding: 'buffer', withFileTypes: true });
  const copy = (name: Buffer) => copyEntry(joinBytes(src, name), joinBytes(dest, name), walk);
  // Files a batch at a time; subdirectories one after the other, so the number
  // of copies in flight stays at one batch however deep the tree is.
  const others = entries.filter((e) => !e.isDirectory()).map((e) => e.name as unknown as Buffer);
  for (let i = 0; i < others.length; i += COPY_BATCH) {
    if (walk.signal?.aborted) throw interrupted();
    await Promise.all(others.slice(i, i + COPY_BATCH).map(copy));
  }
  for (const dir of entries.filter((e) => e.isDirectory())) {
    if (walk.signal?.aborted) throw interrupted();
    await copy(dir.name as unknown as Buffer);
  }
  if (created === undefined) return;
  await chmod(dest, info.mode & 0o7777);
  await utimes(dest, info.atime, info.mtime);
}

// Copies the source (reflinks where the filesystem allows), keeping mtimes and
// symlinks as they are; `exclude` keeps the output dir out of its own input.
// Returns the special files it left out, in the order found.
// A walk rather than fs.cp, which cannot be stopped: the signal is checked
// between every few entries, so an interrupt ends a 60,000-file copy at once.
export async function copySource(
  source: string,
  dest: string,
  exclude: readonly string[],
  signal?: AbortSignal,
): Promise<NotCopied[]> {
  const excluded = exclude.map((p) => resolve(p));
  const skip = (src: Buffer) => excluded.some((ex) => isInside(resolve(src.toString()), ex));
  const notCopied: NotCopied[] = [];
  try {
    if (signal?.aborted) throw interrupted();
    await copyEntry(Buffer.from(source), Buffer.from(dest), { skip, signal, source: Buffer.from(source), notCopied });
    return notCopied.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  } catch (cause) {
    if (signal?.aborted) throw interrupted();
    throw new TwinbuildError('workspace', `could not copy ${source} into the workspace: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** Mount points at or below `dir`, deepest first, from this process's mount table. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const table = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = table
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(dir + sep));
  return points.sort((a, b) => b.length - a.length);
}

// Under this many entries fs.rm removes a tree faster than starting GNU rm does
// (a trivial check's root holds about a hundred; bench/RESULTS.md, issue 35).
const SMALL_TREE_ENTRIES = 500;

/** Whether `root` holds fewer than `budget` entries, none of them a path near PATH_MAX (stops counting at the budget). */
async function smallTree(root: string, budget = SMALL_TREE_ENTRIES): Promise<boolean> {
  let left = budget;
  const walk = async (dir: string): Promise<boolean> => {
    const entries = dir.length < 2048 ? await readdir(dir, { withFileTypes: true }).catch(() => null) : null;
    if (entries === null || (left -= entries.length) < 0) return false;
    for (const entry of entries) if (entry.isDirectory() && !(await walk(join(dir, entry.name)))) return false; // never a symlink's target
    return true;
  };
  return walk(root);
}

// Note: refuses to delete while anything is still mounted below the root, so a
// leftover bind mount can never turn cleanup into deleting the user's files.
// `removeDeep` (GNU rm, which walks with openat) also removes paths longer than
// PATH_MAX, which fs.rm cannot name. A small tree is removed by fs.rm alone, with
// no process; when that fails, GNU rm and fs.rm follow as for any other tree.
export async function removeWorkspace(
  ws: Pick<Workspace, 'root'>,
  unmount: (point: string) => Promise<void>,
  removeDeep?: (dir: string) => Promise<void>,
): Promise<void> {
  for (const point of await mountsUnder(ws.root)) await unmount(point);
  const still = await mountsUnder(ws.root);
  if (still.length > 0) {
    throw new TwinbuildError('workspace', `not removing ${ws.root}: still mounted: ${still.join(', ')}`);
  }
  // GNU rm first: it removes a 100,000-file tree several times faster than fs.rm,
  // which is what a stop after SIGTERM waits for. fs.rm then names what it left,
  // with the error code (EPERM for an immutable file) the caller acts on.
  const small = removeDeep !== undefined && (await smallTree(ws.root));
  if (small) {
    // No retries: whatever resists (an immutable file, a busy one) goes the long way below.
    const gone = await rm(ws.root, { recursive: true, force: true }).then(
      () => true,
      () => false,
    );
    if (gone) return;
  }
  if (removeDeep) await removeDeep(ws.root);
  try {
    await rm(ws.root, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENAMETOOLONG' || !removeDeep) throw error;
    await removeDeep(ws.root);
  }
}

/** Unmounts what a build left and removes the whole temp root (the one clean-up every run uses; also for stale roots). */
export async function disposeWorkspace(ws: Pick<Workspace, 'root'>, runner: ProcessRunner): Promise<void> {
  const remove = () =>
    removeWorkspace(
      ws,
      (point) => unmountLazy(runner, point),
      (dir) => removeTreeDeep(runner, dir),
    );
  try {
    await remove();
  } catch (error) {
    // An immutable or append-only file left by a root build (fs.rm reports EPERM, or
    // ENOTDIR once unlink failed): clear the flags in our own tree, once, and retry.
    if (!['EPERM', 'ENOTDIR', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    await clearFileFlags(runner, ws.root);
    await remove();
  }
}

/** Bytes free for an unprivileged writer on the filesystem holding `dir`; undefined when it cannot be read. */
export const freeBytes = (dir: string): Promise<number | undefined> =>
  statfs(dir)
    .then((s) => s.bavail * s.bsize)
    .catch(() => undefined);
