// Runs one side's plan so that it sees its build path: inside private mount, pid
// and uts namespaces where adapters/enter.sh mounts its copy there (both sides at
// once), or, where namespaces are not allowed, by renaming its copy into place
// (one side at a time).
import { existsSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, rename } from 'node:fs/promises';
import type { ErrorInfo } from '../../reports/model.js';
import { dirname, join, posix } from 'node:path';
import { commandLine, type BuildPlan, type NamespaceAction, type PlanStep } from '../../variations/plan.js';
import {
  namespacePrefixFor,
  nextSandboxId,
  sandboxPrefix,
  type SandboxMount,
  type SandboxSpec,
} from '../../adapters/namespaces.js';
import { ensureNoXattrShim, type ShimCache } from '../../adapters/disorderfs-shim.js';
import { resolveTool, type ProcessRunner, type RunOutcome } from '../../adapters/process.js';
import { ENTER_SCRIPT } from '../../core/paths.js';
import type { Workspace } from '../prepare/workspace.js';
import type { PackageOptions } from '../options.js';

export type Isolation = 'namespaces' | 'sequential';

/** enter.sh's exit code when twinbuild's own set-up in the namespace failed. */
export const ENTER_FAILED = 125;

export type BuildRequest = Readonly<{
  plan: BuildPlan;
  workspace: Workspace;
  isolation: Isolation;
  logFile: string;
  timeoutMs: number;
  signal: AbortSignal;
  /** Given to the build command as fd 3 (engine/prepare/effectiveness.ts). */
  fd3File?: string;
  sandbox: BuildSandbox;
}>;

/** What enter.sh does in the outer namespaces: names only (files are bubblewrap's binds). */
const outerArgs = (action: NamespaceAction): string[] =>
  action.kind === 'hostname' || action.kind === 'domainname' ? [action.kind, action.name] : [];

/** Where a workspace's disorderfs preload is (adapters/disorderfs-shim.ts): placed once per check, probes included. */
const shimPath = (workspace: Workspace) => join(workspace.root, 'lib', 'disorderfs-noxattr.so');

/** The owner disorderfs runs as: the build's host ids, so what the build writes through it is its own. */
const hostOwner = (sandbox: BuildSandbox) => (sandbox.hostId === null ? '0:0' : `${sandbox.hostId}:${sandbox.hostId}`);

/**
 * Where the side's copy is mounted in the outer namespace: its build dir, or the
 * workspace's when the build path is pinned outside the temp root (verify), which
 * bubblewrap then binds at that path.
 */
const stagedDir = (plan: BuildPlan, workspace: Workspace) =>
  under(plan.buildDir, workspace.root) ? plan.buildDir : workspace.buildDir;

function mountArgs(plan: BuildPlan, workspace: Workspace, sandbox: BuildSandbox): string[] {
  const mount = plan.workspaceMount;
  const sideDir = workspace.sideDir(plan.side);
  return mount.kind === 'bind'
    ? ['bind', sideDir, stagedDir(plan, workspace)]
    : [
        'disorderfs',
        sideDir,
        stagedDir(plan, workspace),
        hostOwner(sandbox),
        shimPath(workspace),
        String(mount.options.length),
        ...mount.options,
      ];
}

/** The directories each sandboxed build gets privately (directories in its workspace). */
export const PRIVATE_TMP_TARGETS = ['/tmp', '/var/tmp'] as const;

// Beside the build's own tree (control/, experiment/, probes/ID/): each build its own,
// since each runs as its own host id and may not enter what another one created.
const privateDir = (plan: BuildPlan, workspace: Workspace, target: string) =>
  join(dirname(workspace.sideDir(plan.side)), 'private', target.replace(/\//g, '-').slice(1));

/** The settings of one run's sandbox, from its options (README "The build sandbox"). */
export type BuildSandbox = Readonly<{
  /** Host id the build runs as (root only: a fresh unprivileged id); null: the caller's own. */
  hostId: number | null;
  network: boolean;
  /** Host paths the build must not see: the source, the out dir, HOME, a state dir. */
  hide: readonly string[];
  limits: SandboxSpec['limits'];
  /** twinbuild's own PATH (set-up steps' programs, cc); absent: the plan's PATH. */
  toolPath?: string;
  /** Where disorderfs's preload is kept between runs (twinbuild's cache dir); absent or null: compiled per run. */
  cacheDir?: string | null;
}>;

export const DEFAULT_LIMITS = { processes: 4096, memoryBytes: 16 * 1024 ** 3 } as const;

/** The sandbox for one build; each call takes a fresh host id when twinbuild is root. */
export const sandboxFor = (options: PackageOptions, uid: number = process.getuid?.() ?? 0): BuildSandbox => ({
  hostId: uid === 0 ? nextSandboxId() : null,
  network: options.network ?? false,
  hide: [options.source, options.outDir, ...(options.hide ?? [])],
  limits: options.limits ?? DEFAULT_LIMITS,
  toolPath: options.toolPath,
  cacheDir: options.cacheDir ?? null,
});

const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

// Directories a pinned build path may never cover or replace: the build needs what is in them.
const SYSTEM_DIRS = [
  '/bin',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var',
];

/** Why `dir` may not be covered by an empty tmpfs (a system directory, or one holding a PATH entry); null when it may. */
function coverRefusal(dir: string, pathDirs: readonly string[]): string | null {
  if (dir === '/' || SYSTEM_DIRS.includes(dir)) return `${dir} is a system directory`;
  const needed = pathDirs.find((p) => under(p, dir));
  return needed ? `${dir} holds ${needed}, on the build's PATH` : null;
}

/** How the sandbox reaches a pinned build path: the root to use and the mounts that make its way. */
export type BuildPathWay = Readonly<{ root: 'host' | 'entries'; mounts: readonly SandboxMount[] }>;

// Walks down the path: below a directory the sandbox makes fresh (a private /tmp, a
// covered HOME) its directories are simply made; a host directory others may enter
// is passed through; otherwise the first missing (or closed) one needs a writable
// parent: at the top a new root of the host's entries, below a tmpfs over that
// parent, which the build then sees empty but for the way.
/** The way to `path` in the sandbox, or why there is none. */
export function wayToBuildPath(
  path: string,
  fresh: (dir: string) => boolean,
  pathDirs: readonly string[],
): BuildPathWay | string {
  const parts = path.split('/').filter(Boolean);
  const prefixes = parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
  const dirs = (from: number): SandboxMount[] => prefixes.slice(from).map((target) => ({ kind: 'dir', target }));
  for (const [i, q] of prefixes.entries()) {
    const parent = dirname(q);
    if (fresh(parent)) return { root: 'host', mounts: dirs(i) };
    if (isDir(q) && (firstClosed(q) === null || q === path)) {
      if (q === path) return firstClosed(q) === null ? { root: 'host', mounts: [] } : 'it is closed to the build';
      continue;
    }
    const [cover, from] = isDir(q) ? [q, i + 1] : [parent, i];
    if (cover === '/') return { root: 'entries', mounts: dirs(from) };
    const refused = coverRefusal(cover, pathDirs);
    return refused ?? { root: 'host', mounts: [{ kind: 'tmpfs', target: cover }, ...dirs(from)] };
  }
  return 'it is /';
}

const KERNEL_DIRS = ['/dev', '/proc', '/run', '/sys'];
const PLAIN_PATH = /^(\/[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,254})+$/;

// The path comes from untrusted input (a buildinfo, a package's debug info): plain
// names only, normalised, and never a system directory or one a PATH entry is in.
/** Why the sandbox cannot pin the build path `path` here; null when it can. */
export function buildPathRefusal(path: string, toolPath: string): string | null {
  if (!PLAIN_PATH.test(path) || posix.normalize(path) !== path || path.split('/').some((c) => c === '.' || c === '..'))
    return 'not a plain absolute path';
  const pathDirs = toolPath.split(':').filter((p) => p.startsWith('/'));
  if ([...SYSTEM_DIRS, ...pathDirs].some((d) => under(d, path)) || KERNEL_DIRS.some((d) => under(path, d)))
    return "a system directory, or one the build's PATH is in";
  const way = wayToBuildPath(path, (d) => PRIVATE_TMP_TARGETS.some((t) => under(d, t)), pathDirs);
  return typeof way === 'string' ? way : null;
}

/** The new root's read-only entries: the host's top level, symlinks as symlinks (/dev and /proc are bubblewrap's own). */
function rootEntries(): SandboxMount[] {
  return readdirSync('/', { withFileTypes: true })
    .filter((e) => e.name !== 'dev' && e.name !== 'proc')
    .map((e): SandboxMount => {
      const target = `/${e.name}`;
      return e.isSymbolicLink()
        ? { kind: 'symlink', source: readlinkSync(target), target }
        : { kind: 'ro-bind', source: target, target };
    });
}

/** The first directory from / down to `path` that others cannot search; null when there is none. */
function firstClosed(path: string): string | null {
  const chain: string[] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dir === '/') break;
  }
  return chain.find((dir) => (statSync(dir).mode & 0o001) === 0) ?? null;
}

const openToOthers = (path: string) => firstClosed(path) === null;

// A TMPDIR of mode 0700 (mktemp -d) is closed to the build's unprivileged host id;
// enter.sh opens the way in the outer namespace only, the host's modes untouched.
function reachArgs(workspace: Workspace, sandbox: BuildSandbox): string[] {
  if (sandbox.hostId === null) return [];
  const closed = firstClosed(dirname(workspace.root));
  return closed === null ? [] : ['reach', workspace.root, closed];
}

// Order matters, each step over the ones before: the host read-only, then private
// /tmp and /var/tmp, the temp root emptied (the other side, other runs), paths to
// hide, the variations' files, and last the build dir, the one writable tree.
function sandboxMounts(
  plan: BuildPlan,
  workspace: Workspace,
  sandbox: BuildSandbox,
): Readonly<{ root: SandboxSpec['root']; mounts: SandboxMount[] }> {
  const mounts: SandboxMount[] = PRIVATE_TMP_TARGETS.map((target) => ({
    kind: 'bind',
    source: privateDir(plan, workspace, target),
    target,
  }));
  const tmpRoot = dirname(workspace.root);
  const privatelyCovered = (p: string) => PRIVATE_TMP_TARGETS.some((t) => under(p, t));
  // What must stay visible keeps its path: PATH's directories read-only, and a path
  // the user named in a variable (--env DIR=…) as it is, writable where its mode allows.
  const namedIn = (values: readonly string[]) =>
    values.flatMap((value) => value.split(':')).filter((p) => p.startsWith('/') && !p.includes('\n') && existsSync(p));
  const onPath = new Set(namedIn([plan.env['PATH'] ?? '']));
  const named = new Set([
    ...onPath,
    ...namedIn(
      Object.entries(plan.env)
        .filter(([k]) => k !== 'PATH')
        .map(([, v]) => v),
    ),
  ]);
  const hidden = [...new Set([...sandbox.hide, ...plan.hidden])];
  // Covered by an empty tmpfs, read-only in the end: the temp root's directory (the
  // other side, probes, other runs) and what the run hides, only the outermost of
  // nested ones (a TMPDIR in HOME).
  const candidates = [tmpRoot, ...sandbox.hide].filter((p) => !privatelyCovered(p) && isDir(p));
  const covers = [...new Set(candidates)].filter((p) => !candidates.some((q) => q !== p && under(p, q)));
  mounts.push(...covers.map((target): SandboxMount => ({ kind: 'tmpfs', target })));
  // A path a variation hides (the shared build path, still the pinned HOME) stays an
  // empty, writable directory of this build's own, as the host has it there.
  for (const path of plan.hidden) if (isDir(path)) mounts.push({ kind: 'tmpfs', target: path });
  // Only what the private /tmp or the covered temp root took away, never a hidden path
  // (a PATH entry in HOME stays out of sight), and only what the build's host id may enter.
  const covered = (p: string) => privatelyCovered(p) || under(p, tmpRoot);
  for (const path of named) {
    if (covered(path) && !hidden.some((h) => under(path, h)) && (sandbox.hostId === null || openToOthers(path)))
      mounts.push({ kind: onPath.has(path) ? 'ro-bind' : 'bind', source: path, target: path });
  }
  for (const action of plan.namespaceActions) {
    if (action.kind === 'bind') mounts.push({ kind: 'ro-bind', source: action.source, target: action.target });
  }
  const staged = stagedDir(plan, workspace);
  let root: SandboxSpec['root'] = 'host';
  if (staged !== plan.buildDir) {
    const fresh = (d: string) => privatelyCovered(d) || covers.some((c) => under(d, c));
    const way = wayToBuildPath(plan.buildDir, fresh, [...onPath]);
    if (typeof way === 'string') throw new Error(`internal: the build path ${plan.buildDir} cannot be pinned: ${way}`);
    if (way.root === 'entries') root = rootEntries();
    mounts.push(...way.mounts);
  }
  mounts.push({ kind: 'bind', source: staged, target: plan.buildDir });
  // Each cover turns read-only once everything is mounted below it: nothing written there could stay.
  return { root, mounts: [...mounts, ...covers.map((target): SandboxMount => ({ kind: 'remount-ro', target }))] };
}

/** The exact argv that runs for this plan, isolation included. */
export function fullCommand(request: Pick<BuildRequest, 'plan' | 'workspace' | 'isolation' | 'sandbox'>): string[] {
  const { plan, workspace, sandbox } = request;
  const inner = commandLine(plan);
  if (request.isolation === 'sequential') return inner;
  const user = plan.runAs ?? { uid: 0, gid: 0 };
  const { root, mounts } = sandboxMounts(plan, workspace, sandbox);
  return [
    ...namespacePrefixFor(process.getuid?.() ?? 0),
    '/bin/sh',
    ENTER_SCRIPT,
    stagedDir(plan, workspace),
    ...reachArgs(workspace, sandbox),
    ...mountArgs(plan, workspace, sandbox),
    ...plan.namespaceActions.flatMap(outerArgs),
    '--',
    ...sandboxPrefix({
      hostId: sandbox.hostId,
      uid: user.uid,
      gid: user.gid,
      network: sandbox.network,
      mounts,
      root,
      limits: sandbox.limits,
      chdir: plan.buildDir,
    }),
    ...inner,
  ];
}

/**
 * The private directories made; the step that makes them and the copy the build's
 * host id's own (nothing else is writable to it), or none when twinbuild is not root.
 */
async function handOver(request: BuildRequest): Promise<PlanStep[]> {
  const { plan, workspace, sandbox } = request;
  const dirs = PRIVATE_TMP_TARGETS.map((target) => privateDir(plan, workspace, target));
  await Promise.all(dirs.map((dir) => mkdir(dir, { recursive: true, mode: 0o1777 })));
  await Promise.all(dirs.map((dir) => chmod(dir, 0o1777)));
  if (sandbox.hostId === null) return [];
  const id = `${sandbox.hostId}:${sandbox.hostId}`;
  return [{ description: 'give the build its copy', argv: ['chown', '-R', id, workspace.sideDir(plan.side), ...dirs] }];
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * The set-up steps in one shell, in order, stopping at the first that fails (exit
 * 125): one process started from twinbuild instead of one per step, each step's
 * program found on twinbuild's own PATH as the process runner would.
 */
export function stepsScript(steps: readonly PlanStep[], toolPath: string): string {
  const program = (argv0: string) => (argv0.includes('/') ? argv0 : (resolveTool(argv0, toolPath) ?? argv0));
  const lines = steps.map(
    (step) =>
      `${[program(step.argv[0] ?? ''), ...step.argv.slice(1)].map(quote).join(' ')} || ` +
      `{ echo ${quote(`twinbuild: set-up step failed: ${step.description}`)} >&2; exit ${ENTER_FAILED}; }`,
  );
  return lines.join('\n');
}

async function runSteps(
  steps: readonly PlanStep[],
  request: BuildRequest,
  runner: ProcessRunner,
): Promise<RunOutcome | undefined> {
  if (steps.length === 0) return undefined;
  const argv =
    steps.length === 1 ? steps[0]!.argv : ['/bin/sh', '-c', stepsScript(steps, toolPathOf(request)), 'twinbuild-setup'];
  const outcome = await runner.run({
    argv,
    env: { PATH: request.plan.env['PATH'] ?? '/usr/bin:/bin' },
    cwd: request.workspace.root,
    logFile: request.logFile,
    timeoutMs: request.timeoutMs,
    signal: request.signal,
  });
  return outcome.exitCode === 0 ? undefined : { ...outcome, exitCode: ENTER_FAILED };
}

const toolPathOf = (request: BuildRequest) => request.sandbox.toolPath ?? request.plan.env['PATH'] ?? '/usr/bin:/bin';

const preloadCache = (request: BuildRequest): ShimCache | null =>
  request.sandbox.cacheDir ? { dir: request.sandbox.cacheDir, toolPath: toolPathOf(request) } : null;

export async function runBuild(request: BuildRequest, runner: ProcessRunner): Promise<RunOutcome> {
  const { plan, workspace } = request;
  if (request.isolation === 'sequential' && (plan.namespaceActions.length > 0 || plan.workspaceMount.kind !== 'bind')) {
    throw new Error('internal: a namespace-only variation was planned without namespaces');
  }
  if (request.isolation === 'sequential' && stagedDir(plan, workspace) !== plan.buildDir)
    throw new Error('internal: a pinned build path was planned without namespaces');
  // Without a C compiler disorderfs runs as it is (enter.sh checks the file), only slower.
  // Started first, so a compile (no cached preload) runs beside the set-up steps.
  const preload =
    plan.workspaceMount.kind === 'disorderfs'
      ? ensureNoXattrShim(runner, shimPath(workspace), preloadCache(request))
      : Promise.resolve(false);
  // The variations' steps, then the hand-over, in one shell (after the steps, which may write into the copy).
  const prepared = async () =>
    runSteps([...plan.setup, ...(request.isolation === 'namespaces' ? await handOver(request) : [])], request, runner);
  const [failed] = await Promise.all([prepared(), preload]);
  if (failed) return failed;
  const sideDir = workspace.sideDir(plan.side);
  if (request.isolation === 'sequential') {
    await mkdir(dirname(plan.buildDir), { recursive: true });
    await rename(sideDir, plan.buildDir);
  }
  try {
    return await runner.run({
      argv: fullCommand(request),
      env: plan.env,
      cwd: request.isolation === 'sequential' ? plan.buildDir : sideDir,
      logFile: request.logFile,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      ...(request.fd3File ? { fd3File: request.fd3File } : {}),
    });
  } finally {
    if (request.isolation === 'sequential') await rename(plan.buildDir, sideDir);
  }
}

export const LOG_TAIL_LINES = 20;

export async function tail(path: string, lines: number): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.replace(/\n$/, '').split('\n').slice(-lines);
}

export async function buildFailure(
  side: string,
  outcome: RunOutcome,
  timeoutMs: number,
  log: string,
  limits: BuildSandbox['limits'] = null,
): Promise<ErrorInfo | null> {
  if (outcome.interrupted) return { code: 'interrupted', message: `${side} build interrupted` };
  if (outcome.timedOut)
    return {
      code: 'build-timeout',
      message: `${side} build timed out after ${Math.round(timeoutMs / 1000)}s (whole process tree killed)`,
    };
  if (outcome.spawnError)
    return { code: 'build-failed', message: `${side} build could not start: ${outcome.spawnError}` };
  if (outcome.exitCode === ENTER_FAILED) {
    const setup = (await tail(log, 200)).filter((l) => l.startsWith('twinbuild-enter:')).pop();
    if (setup)
      return {
        code: 'setup-failed',
        message: `could not set up the ${side} build: ${setup.replace('twinbuild-enter: ', '')}`,
      };
  }
  if (outcome.exitCode !== 0) {
    const hit = limits ? await limitHit(log, limits) : null;
    const how = outcome.signal ? `killed by ${outcome.signal}` : `exit ${outcome.exitCode}`;
    return {
      code: 'build-failed',
      message: `${side} build failed (${how})${hit ? `: ${hit}` : ''}`,
    };
  }
  return null;
}

// What a process says when a limit of prlimit's refused it: fork's EAGAIN under
// RLIMIT_NPROC, ENOMEM (or a language's MemoryError) under RLIMIT_DATA.
const PROCESS_LIMIT = /fork: (retry: )?Resource temporarily unavailable|Cannot fork|can't fork/i;
const MEMORY_LIMIT = /Cannot allocate memory|MemoryError|out of memory|memory exhausted/i;

/** The limit a failed build's log shows it ran into, said with the flag that sets it; null when none shows. */
async function limitHit(log: string, limits: NonNullable<BuildSandbox['limits']>): Promise<string | null> {
  const text = (await tail(log, 200)).join('\n');
  if (PROCESS_LIMIT.test(text))
    return `it ran into the process limit (--max-processes ${limits.processes}): a fork was refused`;
  if (MEMORY_LIMIT.test(text))
    return `it ran into the memory limit (--max-memory ${Math.round(limits.memoryBytes / 1024 ** 2)}M): an allocation was refused`;
  return null;
}
