// Private namespaces for a build: the unshare prefix, and whether this machine allows them.
import type { ProcessRunner } from './process.js';

// `--kill-child` plus the pid namespace: when the build ends or is killed,
// every process it started dies too, FUSE daemons included.
export const NAMESPACE_PREFIX = [
  'unshare',
  '--mount',
  '--uts',
  '--propagation',
  'private',
  '--pid',
  '--fork',
  '--kill-child',
  '--',
] as const;

// Without root, the same namespaces inside a new user namespace where this user
// is mapped to root: enough to mount (tmpfs, binds) and set the hostname inside,
// where the kernel allows unprivileged user namespaces. The build then sees
// uid 0 (on both sides alike); files it writes belong to this user outside.
export const USER_NAMESPACE_PREFIX = ['unshare', '--user', '--map-root-user', ...NAMESPACE_PREFIX.slice(1)] as const;

// Why: root can unshare directly; anyone else needs a user namespace first.
/** The unshare prefix builds run under, for a process running as `uid`. */
export const namespacePrefixFor = (uid: number): readonly string[] =>
  uid === 0 ? NAMESPACE_PREFIX : USER_NAMESPACE_PREFIX;

// The answer is a fact of the machine, so it is asked once per runner (a sweep
// checks hundreds of packages); a test's injected runner gets its own answer.
const answers = new WeakMap<ProcessRunner, Promise<boolean>>();

/** Whether builds can run in private mount + pid namespaces (root, or allowed user namespaces), probed with the very prefix builds use. */
export function canUseMountNamespaces(runner: ProcessRunner, uid: number = process.getuid?.() ?? 0): Promise<boolean> {
  let answer = answers.get(runner);
  if (!answer) {
    answer = runner
      .capture([...namespacePrefixFor(uid), '/bin/sh', '-c', 'mount -t tmpfs none /mnt'])
      .then((r) => r.exitCode === 0)
      .catch(() => false);
    answers.set(runner, answer);
  }
  return answer;
}
