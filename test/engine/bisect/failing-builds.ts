// Build scripts whose experiment build fails while the control builds, for the failure bisect tests.
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Fails (as npm does) when HOME is not a directory: the experiment's HOME does not exist. */
export const NEEDS_HOME = '[ -d "$HOME" ] || { echo "HOME $HOME does not exist" >&2; exit 1; }\necho built > out/a.txt';

/**
 * A build that succeeds only once: the first build to take the lock. The build whose HOME
 * is missing (the experiment) waits until another has taken it, so the control is the one.
 * The lock is named in the build's environment (TB_LOCK, with --env), so both builds
 * see and may write it under their private /tmp; the rest of the host is read-only.
 */
export const ONLY_ONCE = [
  'if [ ! -d "$HOME" ]; then i=0; while [ ! -d "$TB_LOCK/taken" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; fi',
  'mkdir "$TB_LOCK/taken" 2>/dev/null || { echo "built once already" >&2; exit 1; }',
  'echo built > out/a.txt',
].join('\n');

/** A world-writable directory in the test run's TMPDIR for ONLY_ONCE's lock (the experiment may run as another user). */
export async function lockDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tb-lock-'));
  await chmod(dir, 0o1777);
  return dir;
}
