// The experiment may build as an unprivileged user (user_group): every directory
// on the way to its tree must let that user through, or the build dies with
// "sh: build.sh: Permission denied" after the setup. Checked before building.
import { realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TwinbuildError } from '../../core/errors.js';
import { PRIVATE_TMP_TARGETS } from '../build/build.js';

/**
 * The first directory from / down to `dir` that a user who is neither its owner
 * nor in its group cannot traverse; null when all can be. Below a private /tmp
 * or /var/tmp the build sees re-created, traversable parents (see enter.sh), so
 * a temp dir there is always reachable.
 */
export async function firstClosedDirectory(dir: string): Promise<{ path: string; mode: number } | null> {
  const real = await realpath(dir);
  if (PRIVATE_TMP_TARGETS.some((target) => real.startsWith(`${target}/`))) return null;
  const chain: string[] = [];
  for (let path = real; ; path = dirname(path)) {
    chain.unshift(path);
    if (dirname(path) === path) break;
  }
  for (const path of chain) {
    const info = await stat(path);
    if ((info.mode & 0o001) === 0) return { path, mode: info.mode & 0o7777 };
  }
  return null;
}

// Note: exit 3 with what to do, instead of a permission error from inside the build.
export async function assertOtherUsersCanReach(tempDir: string): Promise<void> {
  const closed = await firstClosedDirectory(tempDir);
  if (!closed) return;
  const mode = closed.mode.toString(8).padStart(4, '0');
  throw new TwinbuildError(
    'setup-failed',
    `the experiment builds as another, unprivileged user (the user_group variation), who cannot enter ${closed.path} (mode ${mode}) on the way to the temp dir ${tempDir} (TMPDIR): use a TMPDIR every user can traverse (e.g. TMPDIR=/tmp, or chmod o+x ${closed.path}), or leave the variation out with --vary=-user_group`,
  );
}
