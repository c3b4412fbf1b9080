// A tiny preload for disorderfs that reports extended attributes as unsupported
// (ENOSYS). Why: on every write() the kernel asks a FUSE file system for the
// file's security.capability (to drop it), one extra round trip to disorderfs per
// write, unless the file system once answered ENOSYS, after which it never asks
// again. A 300 MB write in 4 KiB pieces took 6.5–7.7 s through plain disorderfs
// and 3.7–4.2 s with this (bench/fuse-write.mjs). Directory order is untouched;
// what the experiment's build sees is a tree without xattrs (getfattr, setcap and
// cp --preserve=xattr report "not supported"), said in the README.
//
// Compiling it takes cc about 0.1 s, once per machine: the result is kept in
// twinbuild's cache directory (the CLI's XDG_CACHE_HOME/twinbuild or
// ~/.cache/twinbuild), named by the hash of this source and of the compiler, and
// each check copies it into its workspace (disorderfs, running as the build's
// unprivileged id, must read it there).
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, realpath, rename, writeFile } from 'node:fs/promises';
import { delimiter, dirname } from 'node:path';
import { findExecutable, type ProcessRunner } from './process.js';
import { readCached, writeAtomically, writeCached } from './user-cache.js';

const SOURCE = `#define _GNU_SOURCE
#include <errno.h>
#include <sys/types.h>
static ssize_t unsupported(void) { errno = ENOSYS; return -1; }
ssize_t lgetxattr(const char *p, const char *n, void *v, size_t s) { (void)p; (void)n; (void)v; (void)s; return unsupported(); }
ssize_t llistxattr(const char *p, char *l, size_t s) { (void)p; (void)l; (void)s; return unsupported(); }
int lsetxattr(const char *p, const char *n, const void *v, size_t s, int f) {
  (void)p; (void)n; (void)v; (void)s; (void)f; return (int)unsupported();
}
int lremovexattr(const char *p, const char *n) { (void)p; (void)n; return (int)unsupported(); }
`;

/** Where a compiled preload may be kept between checks: twinbuild's cache dir, and the PATH cc is found on. */
export type ShimCache = Readonly<{ dir: string; toolPath: string }>;

// Compiles under way, so probes starting together share one cc. Entries go once done:
// a long-running rebuilder makes a new temp root per check and must not keep them all.
const compiling = new Map<string, Promise<boolean>>();

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Puts the preload at `path` unless it is there (a workspace's own file): from the
 * cache when it holds one for this source and compiler, else compiled (and then
 * kept in the cache). False when no C compiler is here or it fails, and disorderfs
 * then runs without it (slower writes).
 */
export function ensureNoXattrShim(
  runner: ProcessRunner,
  path: string,
  cache: ShimCache | null = null,
): Promise<boolean> {
  const running = compiling.get(path);
  if (running) return running;
  const made = (async () => {
    if (await exists(path)) return true;
    await mkdir(dirname(path), { recursive: true });
    const name = cache ? await cachedShimName(cache.toolPath) : null;
    const cached = cache && name ? await readCached(cache.dir, name) : null;
    if (cached) {
      // 0644: disorderfs runs as the build's unprivileged id and must read it.
      await writeAtomically(path, cached, 0o644);
      return true;
    }
    // cc writes the output in place: a temp name, renamed when whole, so nobody preloads half a file.
    await writeFile(`${path}.c`, SOURCE);
    const cc = await runner
      .capture(['cc', '-shared', '-fPIC', '-O2', '-o', `${path}.tmp`, `${path}.c`], { timeoutMs: 60_000 })
      .catch(() => null);
    if (cc?.exitCode !== 0) return false;
    await rename(`${path}.tmp`, path);
    if (cache && name) await writeCached(cache.dir, name, await readFile(path)).catch(() => false);
    return true;
  })().finally(() => compiling.delete(path));
  compiling.set(path, made);
  return made;
}

/** Names of the preload in the cache: its source's and its compiler's hash. */
export const SHIM_CACHE_NAME = /^disorderfs-noxattr-[0-9a-f]{32}\.so$/;

/** The cache file's name for this source and this compiler (its real path and bytes); null without a cc. */
async function cachedShimName(toolPath: string): Promise<string | null> {
  const cc = findExecutable('cc', toolPath.split(delimiter).filter(Boolean));
  if (!cc) return null;
  const compiler = await realpath(cc).catch(() => cc);
  const bytes = await readFile(compiler).catch(() => null);
  if (!bytes) return null;
  const key = createHash('sha256')
    .update(SOURCE)
    .update('\0')
    .update(compiler)
    .update('\0')
    .update(createHash('sha256').update(bytes).digest('hex'))
    .digest('hex');
  return `disorderfs-noxattr-${key.slice(0, 32)}.so`;
}
