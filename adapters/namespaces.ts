// Private namespaces for a build: the unshare prefix, and whether this machine allows them.
import type { ProcessRunner } from './process.js';

// `--kill-child` plus the pid namespace: when the build ends or is killed,
// every process it started dies too, FUSE daemons included.
export const NAMESPACE_PREFIX = ['unshare', '--mount', '--uts', '--propagation', 'private', '--pid', '--fork', '--kill-child', '--'] as const;

// The answer is a fact of the machine, so it is asked once per runner (a sweep
// checks hundreds of packages); a test's injected runner gets its own answer.
const answers = new WeakMap<ProcessRunner, Promise<boolean>>();

/** Whether builds can run in private mount + pid namespaces (root, or allowed user namespaces). */
export function canUseMountNamespaces(runner: ProcessRunner): Promise<boolean> {
  let answer = answers.get(runner);
  if (!answer) {
    answer = runner
      .capture(['unshare', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', '/bin/sh', '-c', 'mount -t tmpfs none /mnt'])
      .then((r) => r.exitCode === 0)
      .catch(() => false);
    answers.set(runner, answer);
  }
  return answer;
}
