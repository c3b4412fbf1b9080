// Build scripts whose experiment build fails while the control builds, for the failure bisect tests.
import { chmod, mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers.js';

/** Fails (as npm does) when HOME is not a directory: the experiment's HOME does not exist. */
export const NEEDS_HOME = '[ -d "$HOME" ] || { echo "HOME $HOME does not exist" >&2; exit 1; }\necho built > out/a.txt';

/**
 * A build that succeeds only once: the first build to take the lock. The build whose HOME
 * is missing (the experiment) waits until another has taken it, so the control is the one.
 * The lock lives outside /tmp, which each build sees privately.
 */
export const ONLY_ONCE = (lock: string) => [
  `if [ ! -d "$HOME" ]; then i=0; while [ ! -d ${lock}/taken ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; fi`,
  `mkdir ${lock}/taken 2>/dev/null || { echo "built once already" >&2; exit 1; }`,
  'echo built > out/a.txt',
].join('\n');

/** A world-writable directory outside /tmp for ONLY_ONCE's lock (the experiment may run as another user). */
export async function lockDir(): Promise<string> {
  const parent = join(REPO_ROOT, 'test-output');
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, 'lock-'));
  await chmod(dir, 0o1777);
  return dir;
}
