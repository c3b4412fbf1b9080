// twinbuild reads artifacts as root, but a build (even an unprivileged one) can
// make any directory a symlink. So a path in a build tree is only ever opened
// when every directory on its way down from the tree's root is a real directory,
// its last component is opened without following a link, and the file the
// kernel opened is inside the tree. Anything else is an error, never "identical".
import { isUtf8 } from 'node:buffer';
import { constants } from 'node:fs';
import { lstat, open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { TwinbuildError } from '../../core/errors.js';

const SLASH = 0x2f;
const DOT = 0x2e;
const SEPARATOR = Buffer.from('/');
const CHUNK = 1 << 20;
const REMEMBERED_DIRECTORIES = 4096;

/** Valid UTF-8 runs as they are, every other byte as \xNN. */
export function escapeBytes(bytes: Buffer): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    let j = i;
    while (j < bytes.length && bytes[j]! < 0x80) j++;
    if (j > i) {
      out += bytes.subarray(i, j).toString('latin1');
      i = j;
      continue;
    }
    const width = bytes[i]! >= 0xf0 ? 4 : bytes[i]! >= 0xe0 ? 3 : bytes[i]! >= 0xc0 ? 2 : 1;
    const piece = bytes.subarray(i, i + width);
    if (width > 1 && piece.length === width && isUtf8(piece)) out += piece.toString('utf8');
    else {
      out += `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
      i += 1;
      continue;
    }
    i += width;
  }
  return out;
}

export const escapesTree = (what: string, why: string) =>
  new TwinbuildError(
    'artifact-escapes-tree',
    `${what} ${why}: not read (an artifact must be inside its own build tree)`,
  );

/** The path's segments below the root ('.' and empty ones dropped, '..' applied), or null when it is absolute or climbs above the root. */
function segmentsOf(rel: Buffer): Buffer[] | null {
  if (rel[0] === SLASH) return null;
  const segments: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= rel.length; i++) {
    if (i < rel.length && rel[i] !== SLASH) continue;
    const segment = rel.subarray(start, i);
    start = i + 1;
    if (segment.length === 0 || (segment.length === 1 && segment[0] === DOT)) continue;
    if (segment.length === 2 && segment[0] === DOT && segment[1] === DOT) {
      if (segments.length === 0) return null;
      segments.pop();
      continue;
    }
    segments.push(segment);
  }
  return segments;
}

const bytesOf = (path: string | Buffer) => (typeof path === 'string' ? Buffer.from(path) : path);

export type TreeReader = Readonly<{
  root: string;
  /**
   * The absolute path of `rel`, after checking that it stays inside the tree and
   * that no directory on its way is a symlink (the last component may be one:
   * it is looked at with lstat, never followed). With `wholePath`, the last
   * component is a directory to walk and must not be a symlink either; a part
   * that does not exist ends the check (nothing there can match).
   */
  resolve: (rel: string | Buffer, shown: string, wholePath?: boolean) => Promise<Buffer>;
  /** Opens a regular file inside the tree for reading, or throws `artifact-escapes-tree`; the caller closes it. */
  open: (rel: string | Buffer, shown: string) => Promise<Readonly<{ handle: FileHandle; size: number }>>;
  /** Like `open`, for a tool that gets the path: a regular file reached through real directories only. */
  checkFile: (rel: string | Buffer, shown: string) => Promise<void>;
}>;

// Note: the tree's root is twinbuild's own directory, so its real path is taken once and
// trusted; a build that replaced the root itself with a symlink is refused here.
export async function treeReader(root: string): Promise<TreeReader> {
  if ((await lstat(root)).isSymbolicLink()) throw escapesTree(`the build tree ${root}`, 'was replaced by a symlink');
  const rootBytes = Buffer.from(root);
  const realRoot = Buffer.concat([Buffer.from(await realpath(root)), SEPARATOR]);
  // Directories already seen to be real ones: each is looked at once per reader (100,000 files share a few).
  // A later swap for a link is still caught, by the opened file's real path.
  // Bounded: a tree of a million directories must not grow it without end (an evicted one is just looked at again).
  const realDirectories = new Set<string>();

  const resolve = async (rel: string | Buffer, shown: string, wholePath = false): Promise<Buffer> => {
    const segments = segmentsOf(bytesOf(rel));
    if (!segments) throw escapesTree(shown, 'resolves outside the build tree');
    const directories = wholePath ? segments : segments.slice(0, -1);
    let at = rootBytes;
    let depth = 0;
    for (const segment of directories) {
      at = Buffer.concat([at, SEPARATOR, segment]);
      depth++;
      const key = at.toString('latin1');
      if (realDirectories.has(key)) continue;
      const info = await lstat(at).catch((cause: NodeJS.ErrnoException) => {
        if (cause.code === 'ENOENT' || cause.code === 'ENOTDIR') return null;
        throw cause;
      });
      if (!info) break;
      if (info.isSymbolicLink()) {
        const dir = escapeBytes(
          Buffer.concat(segments.slice(0, depth).flatMap((s, i) => (i === 0 ? [s] : [SEPARATOR, s]))),
        );
        const target = escapeBytes(await readlink(at, { encoding: 'buffer' }));
        throw escapesTree(shown, `is reached through the symlinked directory ${dir} (-> ${target})`);
      }
      if (info.isDirectory()) {
        if (realDirectories.size >= REMEMBERED_DIRECTORIES) realDirectories.clear();
        realDirectories.add(key);
      }
    }
    return Buffer.concat([rootBytes, ...segments.flatMap((s) => [SEPARATOR, s])]);
  };

  const open_ = async (rel: string | Buffer, shown: string) => {
    const path = await resolve(rel, shown);
    // O_NOFOLLOW: a link swapped in since the walk is refused (ELOOP); O_NONBLOCK: a FIFO swapped in cannot block.
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
      (cause: NodeJS.ErrnoException) => {
        if (cause.code === 'ELOOP') throw escapesTree(shown, 'is a symlink where a file was listed');
        throw cause;
      },
    );
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw escapesTree(shown, 'is no longer a regular file');
      // What the kernel opened, whatever happened to the directories since they were checked.
      const opened = await readlink(`/proc/self/fd/${handle.fd}`, { encoding: 'buffer' });
      if (!opened.subarray(0, realRoot.length).equals(realRoot))
        throw escapesTree(shown, `resolves outside the build tree (to ${escapeBytes(opened)})`);
      return { handle, size: info.size };
    } catch (error) {
      await handle.close();
      throw error;
    }
  };

  const checkFile = async (rel: string | Buffer, shown: string) => {
    const info = await lstat(await resolve(rel, shown));
    if (!info.isFile()) throw escapesTree(shown, 'is no longer a regular file');
  };

  return Object.freeze({ root, resolve, open: open_, checkFile });
}

/** SHA-256 of an open file: read in one go when small, else streamed (constant memory); the handle stays open. */
export async function sha256Handle(handle: FileHandle, size: number, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  if (size <= CHUNK) {
    // One read of the size fstat gave (readFile would fstat again); a file that grew since is streamed.
    const buffer = Buffer.allocUnsafe(size + 1);
    let filled = 0;
    for (let got = -1; got !== 0 && filled <= size; filled += got)
      got = (await handle.read(buffer, filled, size + 1 - filled, filled)).bytesRead;
    if (filled <= size) return hash.update(buffer.subarray(0, filled)).digest('hex');
  }
  // The signal stops a multi-GB file between chunks (an interrupt must not wait for the whole read).
  const chunks = handle.createReadStream({ start: 0, highWaterMark: CHUNK, autoClose: false });
  await (signal ? pipeline(chunks, hash, { signal }) : pipeline(chunks, hash)).catch((cause: Error) => {
    if (signal?.aborted) throw new TwinbuildError('interrupted', 'interrupted');
    throw cause;
  });
  return hash.digest('hex');
}

/** Reads a regular file inside `reader`'s tree, hashed; never follows a link out of it. */
export async function hashInsideTree(
  reader: TreeReader,
  rel: string | Buffer,
  shown: string,
  signal?: AbortSignal,
): Promise<Readonly<{ sha256: string; size: number }>> {
  const { handle, size } = await reader.open(rel, shown);
  try {
    return { sha256: await sha256Handle(handle, size, signal), size };
  } finally {
    await handle.close();
  }
}
