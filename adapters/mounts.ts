// Unmounting and removing what a build may leave in twinbuild's temp root.
import type { ProcessRunner } from './process.js';

/** Lazy unmount: a FUSE daemon that is still exiting cannot keep the point busy. */
export async function unmountLazy(runner: ProcessRunner, point: string): Promise<void> {
  await runner.capture(['umount', '--lazy', '--', point]);
}

// A root build may mark files immutable or append-only (chattr +i/+a); not even
// root can remove them until the flags are cleared.
export async function clearFileFlags(runner: ProcessRunner, dir: string): Promise<void> {
  await runner.capture(['chattr', '-R', '-f', '-i', '-a', '--', dir], { timeoutMs: 120_000 });
}

// Note: GNU rm walks with openat, so it removes paths longer than PATH_MAX that
// fs.rm cannot name; --one-file-system never crosses into a mount left behind.
// Note: bounded by an hour, not by capture's 10 s default: cut short on a
// million-file tree, it left fs.rm the rest, which took minutes and 3.4 GB of memory.
export async function removeTreeDeep(runner: ProcessRunner, dir: string): Promise<void> {
  await runner.capture(['rm', '-rf', '--one-file-system', '--', dir], { timeoutMs: 3_600_000 });
}
