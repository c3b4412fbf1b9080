// The build sandbox, in two layers (README "The build sandbox", docs/sandbox.md):
//
// 1. An outer private mount, uts and pid namespace (`unshare`), where
//    adapters/enter.sh, still with the caller's privilege, puts the side's copy at
//    its build path (a bind, or disorderfs, whose FUSE mount needs /dev/fuse) and
//    sets the host and domain names. Nothing in it is the build.
// 2. The build itself under bubblewrap: a new user namespace whose ids map to one
//    unprivileged host id (never root), its own pid namespace and /proc, its own
//    network namespace with loopback only, ipc, uts and cgroup namespaces, the
//    host read-only, a minimal /dev, every capability dropped, no_new_privs, and
//    only its workspace, /tmp, /var/tmp and /dev/shm writable.
//
// Note: bubblewrap maps one id only, so when twinbuild runs as root the build's
// host id is a fresh unprivileged one (setpriv to it before bwrap): as root, bwrap
// would map the build to host root, and a root-owned key would be readable.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { delimiter } from 'node:path';
import { findExecutable, type ProcessRunner } from './process.js';
import { readCached, writeCached } from './user-cache.js';

// `--kill-child` plus the pid namespace: when the build ends or is killed,
// every process it started dies too, FUSE daemons included. `--mount-proc`: bubblewrap
// reads /proc/PID of its own pid, which the host's /proc would show as another
// process (or none) once anything else runs in this namespace (disorderfs does).
export const NAMESPACE_PREFIX = [
  'unshare',
  '--mount',
  '--uts',
  '--propagation',
  'private',
  '--pid',
  '--fork',
  '--kill-child',
  '--mount-proc',
  '--',
] as const;

// Without root, the same namespaces inside a new user namespace where this user
// is mapped to root: enough to mount (binds) and set the hostname inside.
export const USER_NAMESPACE_PREFIX = ['unshare', '--user', '--map-root-user', ...NAMESPACE_PREFIX.slice(1)] as const;

// Why: root can unshare directly; anyone else needs a user namespace first.
/** The unshare prefix builds run under, for a process running as `uid`. */
export const namespacePrefixFor = (uid: number): readonly string[] =>
  uid === 0 ? NAMESPACE_PREFIX : USER_NAMESPACE_PREFIX;

/**
 * The host ids builds run as when twinbuild is root: far above any account a
 * distribution hands out (Debian's useradd stops at 60000, subordinate ranges at a
 * few million), below systemd's container range. Each build takes the next one,
 * so two builds never share an id, a process count or a file's owner; each
 * twinbuild process starts at its own offset (by pid), so two checks at once
 * (a sweep beside a pre-push check) do not hand out the same ids either.
 */
export const SANDBOX_ID_BASE = 1_700_000_000;
const SANDBOX_ID_COUNT = 100_000_000;
let nextId = (process.pid * 4096) % SANDBOX_ID_COUNT;
export const nextSandboxId = (): number => SANDBOX_ID_BASE + (nextId++ % SANDBOX_ID_COUNT);

/** One step of the sandbox's file system, applied in order over a read-only host. */
export type SandboxMount = Readonly<
  | { kind: 'bind'; source: string; target: string }
  | { kind: 'ro-bind'; source: string; target: string }
  | { kind: 'tmpfs'; target: string }
  /** Not recursive: what is mounted below stays as it is. */
  | { kind: 'remount-ro'; target: string }
  /** A new directory (mode 0755) where there was none: the way to a build path the host does not have. */
  | { kind: 'dir'; target: string }
  | { kind: 'symlink'; source: string; target: string }
>;

export type SandboxSpec = Readonly<{
  /** Host id (uid = gid) to become before bwrap; null when twinbuild is not root. */
  hostId: number | null;
  /** The uid and gid the build sees. */
  uid: number;
  gid: number;
  network: boolean;
  mounts: readonly SandboxMount[];
  /** Where the build starts. */
  chdir: string;
  /** Resource limits (prlimit), null for none. */
  limits: Readonly<{ processes: number; memoryBytes: number }> | null;
  /**
   * The root: the host's, read-only (`host`), or a new one holding these (read-only
   * binds of the host's top-level entries), so a directory the host has not got can
   * be made at its top level; it turns read-only once everything is mounted.
   */
  root?: 'host' | readonly SandboxMount[];
}>;

const mountFlag = (m: SandboxMount): string[] => {
  switch (m.kind) {
    case 'tmpfs':
    case 'remount-ro':
      return [`--${m.kind}`, m.target];
    case 'dir':
      return ['--perms', '0755', '--dir', m.target];
    case 'symlink':
      return ['--symlink', m.source, m.target];
    default:
      return [m.kind === 'bind' ? '--bind' : '--ro-bind', m.source, m.target];
  }
};

/** The argv prefix that runs a command in the build sandbox (layer 2 above). */
export function sandboxPrefix(spec: SandboxSpec): string[] {
  const asHostId =
    spec.hostId === null ? [] : ['setpriv', `--reuid=${spec.hostId}`, `--regid=${spec.hostId}`, '--clear-groups', '--'];
  // RLIMIT_NPROC counts the host id's processes: one id per build makes it a per-build bound.
  const limits = spec.limits
    ? ['prlimit', `--nproc=${spec.limits.processes}`, `--data=${spec.limits.memoryBytes}`, '--']
    : [];
  return [
    ...asHostId,
    ...limits,
    'bwrap',
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(spec.network ? [] : ['--unshare-net']),
    '--uid',
    String(spec.uid),
    '--gid',
    String(spec.gid),
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    ...(spec.root === undefined || spec.root === 'host' ? ['--ro-bind', '/', '/'] : spec.root.flatMap(mountFlag)),
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/dev/shm',
    ...spec.mounts.flatMap(mountFlag),
    ...(spec.root === undefined || spec.root === 'host' ? [] : ['--remount-ro', '/']),
    '--chdir',
    spec.chdir,
    '--',
  ];
}

// The answer is a fact of the machine, so it is asked once per runner (a sweep
// checks hundreds of packages); a test's injected runner gets its own answer.
const answers = new WeakMap<ProcessRunner, Promise<boolean>>();

/** Names of the kept answers in twinbuild's cache dir. */
export const SANDBOX_CACHE_NAME = /^sandbox-[0-9a-f]{32}\.ok$/;

/** Where the answer may be kept: twinbuild's cache dir, and the PATH its tools are found on. */
export type AnswerCache = Readonly<{ dir: string; toolPath: string }>;

// A yes holds until the machine reboots, or until the tools or their PATH change: the
// file is named by the boot id, the uid, the probe's very argv, the PATH and where each
// program on it is found. A no is never kept, so a machine that gains namespaces or
// bubblewrap is asked again at once.
async function keptAnswerName(uid: number, argv: readonly string[], toolPath: string): Promise<string | null> {
  const boot = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => null);
  if (!boot) return null;
  const dirs = toolPath.split(delimiter).filter(Boolean);
  const found = ['unshare', 'setpriv', 'prlimit', 'bwrap', 'mount'].map((tool) => findExecutable(tool, dirs) ?? '-');
  const key = createHash('sha256')
    .update([boot.trim(), String(uid), ...argv, toolPath, ...found].join('\0'))
    .digest('hex');
  return `sandbox-${key.slice(0, 32)}.ok`;
}

/**
 * Whether builds can run sandboxed here: the outer namespaces (root, or allowed
 * user namespaces) and bubblewrap inside them, probed with the very prefixes builds
 * use; with a cache, a yes is kept there until the next boot.
 */
export function canUseMountNamespaces(
  runner: ProcessRunner,
  uid: number = process.getuid?.() ?? 0,
  cache: AnswerCache | null = null,
): Promise<boolean> {
  let answer = answers.get(runner);
  if (!answer) {
    const spec: SandboxSpec = {
      hostId: uid === 0 ? SANDBOX_ID_BASE : null,
      uid: 0,
      gid: 0,
      network: false,
      mounts: [],
      limits: null,
      chdir: '/',
    };
    const argv = [
      ...namespacePrefixFor(uid),
      '/bin/sh',
      '-c',
      'mount -t tmpfs none /mnt && exec "$@"',
      'twinbuild-probe',
      ...sandboxPrefix(spec),
      '/bin/true',
    ];
    answer = (async () => {
      const kept = cache ? await keptAnswerName(uid, argv, cache.toolPath) : null;
      if (cache && kept && (await readCached(cache.dir, kept))) return true;
      const ok = await runner
        .capture(argv)
        .then((r) => r.exitCode === 0)
        .catch(() => false);
      if (ok && cache && kept) await writeCached(cache.dir, kept, 'yes\n').catch(() => false);
      return ok;
    })();
    answers.set(runner, answer);
  }
  return answer;
}
