// Unmounting and removing what a build may leave in twinbuild's temp root.
import type { ProcessRunner } from './process.js';

/** Lazy unmount: a FUSE daemon that is still exiting cannot keep the point busy. */
export async function unmountLazy(runner: ProcessRunner, point: string): Promise<void> {
  await runner.capture(['umount', '--lazy', '--', point]);
}

// Note: GNU rm walks with openat, so it removes paths longer than PATH_MAX that
// fs.rm cannot name; --one-file-system never crosses into a mount left behind.
export async function removeTreeDeep(runner: ProcessRunner, dir: string): Promise<void> {
  await runner.capture(['rm', '-rf', '--one-file-system', '--', dir]);
}
