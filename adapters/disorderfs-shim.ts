// A tiny preload for disorderfs that reports extended attributes as unsupported
// (ENOSYS). Why: on every write() the kernel asks a FUSE file system for the
// file's security.capability (to drop it), one extra round trip to disorderfs per
// write, unless the file system once answered ENOSYS, after which it never asks
// again. A 300 MB write in 4 KiB pieces took 6.5–7.7 s through plain disorderfs
// and 3.7–4.2 s with this (bench/fuse-write.mjs). Directory order is untouched;
// what the experiment's build sees is a tree without xattrs (getfattr, setcap and
// cp --preserve=xattr report "not supported"), said in the README.
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ProcessRunner } from './process.js';

const SOURCE = `#define _GNU_SOURCE
#include <errno.h>
#include <sys/types.h>
static ssize_t unsupported(void) { errno = ENOSYS; return -1; }
ssize_t lgetxattr(const char *p, const char *n, void *v, size_t s) { (void)p; (void)n; (void)v; (void)s; return unsupported(); }
ssize_t llistxattr(const char *p, char *l, size_t s) { (void)p; (void)l; (void)s; return unsupported(); }
int lsetxattr(const char *p, const char *n, const void *v, size_t s, int f) { (void)p; (void)n; (void)v; (void)s; (void)f; return (int)unsupported(); }
int lremovexattr(const char *p, const char *n) { (void)p; (void)n; return (int)unsupported(); }
`;

// Compiles under way, so probes starting together share one cc. Entries go once done:
// a long-running rebuilder makes a new temp root per check and must not keep them all.
const compiling = new Map<string, Promise<boolean>>();

/**
 * Compiles the preload to `path` unless it is there (a workspace's own file); false when
 * no C compiler is here or it fails, and disorderfs then runs without it (slower writes).
 */
export function ensureNoXattrShim(runner: ProcessRunner, path: string): Promise<boolean> {
  const running = compiling.get(path);
  if (running) return running;
  const made = (async () => {
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      return true;
    await mkdir(dirname(path), { recursive: true });
    // cc writes the output in place: a temp name, renamed when whole, so nobody preloads half a file.
    await writeFile(`${path}.c`, SOURCE);
    const cc = await runner
      .capture(['cc', '-shared', '-fPIC', '-O2', '-o', `${path}.tmp`, `${path}.c`], { timeoutMs: 60_000 })
      .catch(() => null);
    if (cc?.exitCode !== 0) return false;
    await rename(`${path}.tmp`, path);
    return true;
  })().finally(() => compiling.delete(path));
  compiling.set(path, made);
  return made;
}
