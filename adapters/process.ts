// The one place that starts processes (execa). Everything else receives a
// `ProcessRunner` so a test can inject a failing spawn while others stay real.
// A runner remembers the process groups it started; the CLI kills what is left
// of them when twinbuild exits (nothing is registered on import).
// Every process is started through `setpriv --pdeathsig KILL`, so it is killed
// when twinbuild dies, even by SIGKILL (no exit handler runs then).
import { accessSync, closeSync, constants, openSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';

export type RunRequest = Readonly<{
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
  /** stdout and stderr both go here (appended). */
  logFile: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** What an abort sends first (SIGKILL follows after a grace period). Default SIGTERM. */
  abortWith?: NodeJS.Signals;
  /** A file the child gets open for writing as fd 3 (the effectiveness probe's channel). */
  fd3File?: string;
}>;

export type RunOutcome = Readonly<{
  exitCode: number | null;
  /** Signal that ended the process, if any. */
  signal: string | null;
  timedOut: boolean;
  interrupted: boolean;
  /** Set when the process could not be started at all (ENOENT, EACCES…). */
  spawnError?: string;
  durationMs: number;
}>;

export type CaptureOutcome = Readonly<{ exitCode: number | null; stdout: string; stderr: string }>;

export type CaptureOptions = Readonly<{
  env?: Record<string, string>;
  timeoutMs?: number;
  input?: string;
  cwd?: string;
}>;

export interface ProcessRunner {
  /** Runs a build step in its own process group, logging to a file; kills the whole group on timeout or abort. */
  run(request: RunRequest): Promise<RunOutcome>;
  /** Runs a short probe (availability checks) and captures its output. */
  capture(argv: readonly string[], options?: CaptureOptions): Promise<CaptureOutcome>;
  /** Runs a command the user watches (apt-get), its output going to our stderr. */
  passthrough(argv: readonly string[], env?: Record<string, string>): Promise<number | null>;
}

const KILL_GRACE_MS = 2000;

const isExecutableFile = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** twinbuild's own PATH, or undefined for a runner that lets execa resolve names (short-lived test callers). */
type ToolPath = string | undefined;

/** The first executable regular file named `file` in `dirs`, or null: the one PATH lookup of twinbuild. */
export function findExecutable(file: string, dirs: readonly string[]): string | null {
  for (const dir of dirs) {
    const candidate = join(dir, file);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

// Note: execa finds a bare argv[0] through the child's env PATH, which a build's
// environment (a .buildinfo, --env) may choose. twinbuild's own tools (unshare,
// diffoscope, dpkg-query…) are looked up on the PATH twinbuild was given instead;
// only absolute directories count. Null: not found there.
export function resolveTool(file: string, path: ToolPath): string | null {
  if (path === undefined || file.includes('/')) return file;
  return findExecutable(
    file,
    path.split(delimiter).filter((dir) => dir.startsWith('/')),
  );
}

const notFound = (file: string) => `${file}: not found on twinbuild's PATH`;

// Fixed paths, never PATH: no input may choose the tool that guards every child.
const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'];
let setprivPath: string | null | undefined;

function setpriv(): string | null {
  setprivPath ??= SETPRIV_PATHS.find(isExecutableFile) ?? null;
  return setprivPath;
}

/** Whether `file` names an executable, as execvp would find it on `path` (an empty entry is the working directory). */
const resolvable = (file: string, path: string | undefined): boolean =>
  file.includes('/')
    ? isExecutableFile(file)
    : findExecutable(
        file,
        (path ?? '').split(delimiter).map((dir) => dir || '.'),
      ) !== null;

// Note: PR_SET_PDEATHSIG, set by setpriv and kept across its exec, kills the
// child when the thread that started it (Node's main thread) exits. The
// namespaced builds (`unshare --kill-child`) pass it on to their whole pid
// namespace, FUSE daemons included. Without setpriv, argv is left as it is.
export function withParentDeathSignal(argv: readonly string[]): readonly string[] {
  const guard = setpriv();
  return guard ? [guard, '--pdeathsig', 'KILL', '--', ...argv] : argv;
}

// setpriv reports a command it cannot start on stderr with 126/127; callers
// expect what a failed spawn gives (no exit code).
const SETPRIV_EXEC_FAILED = /^setpriv: failed to execute /;

// Note: a build may leave background children behind; they share the group,
// so signalling -pid reaches them even after the leader has exited.
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function run(liveGroups: Set<number>, toolPath: ToolPath, request: RunRequest): Promise<RunOutcome> {
  const [name, ...rest] = request.argv;
  if (!name) throw new Error('empty argv');
  const resolved = resolveTool(name, toolPath);
  if (resolved === null)
    return {
      exitCode: null,
      signal: null,
      timedOut: false,
      interrupted: false,
      spawnError: notFound(name),
      durationMs: 0,
    };
  // An unknown command is started as it is, so the spawn error names it.
  const argv = resolvable(resolved, request.env['PATH'])
    ? withParentDeathSignal([resolved, ...rest])
    : [resolved, ...rest];
  const [file, ...args] = argv as [string, ...string[]];
  const started = performance.now();
  const fd = openSync(request.logFile, 'a');
  const fd3 = request.fd3File ? openSync(request.fd3File, 'w', 0o600) : undefined;
  let timedOut = false;
  let interrupted = false;
  let escalation: NodeJS.Timeout | undefined;
  try {
    const child = execa(file, args, {
      cwd: request.cwd,
      env: { ...request.env },
      extendEnv: false,
      detached: true,
      cleanup: false,
      // Note: raw fds, not pipes, so a background child holding stdout open
      // cannot keep us waiting after the build's main process has exited.
      // (execa accepts fd numbers at run time; its types only list 3–9.)
      stdio: (fd3 === undefined ? ['ignore', fd, fd] : ['ignore', fd, fd, fd3]) as unknown as [
        'ignore',
        'inherit',
        'inherit',
      ],
      reject: false,
    });
    const pid = child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    const stop = (why: 'timeout' | 'abort') => {
      if (pid === undefined) return;
      if (why === 'timeout') timedOut = true;
      else interrupted = true;
      killGroup(pid, why === 'abort' ? (request.abortWith ?? 'SIGTERM') : 'SIGTERM');
      escalation ??= setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timer = request.timeoutMs ? setTimeout(() => stop('timeout'), request.timeoutMs) : undefined;
    const onAbort = () => stop('abort');
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const result = await child;
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onAbort);
    if (pid !== undefined) {
      killGroup(pid, 'SIGKILL'); // leftover background children of the build
      liveGroups.delete(pid);
    }
    const spawnError =
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- timedOut and interrupted are set by callbacks
      result.failed && result.exitCode === undefined && !result.signal && !timedOut && !interrupted
        ? String((result.cause as { message?: string } | undefined)?.message ?? result.shortMessage)
        : undefined;
    return {
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      timedOut,
      interrupted,
      ...(spawnError ? { spawnError } : {}),
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    clearTimeout(escalation);
    closeSync(fd);
    if (fd3 !== undefined) closeSync(fd3);
  }
}

async function capture(
  toolPath: ToolPath,
  argv: readonly string[],
  options: CaptureOptions = {},
): Promise<CaptureOutcome> {
  const [name, ...rest] = argv;
  if (!name) throw new Error('empty argv');
  const resolved = resolveTool(name, toolPath);
  if (resolved === null) return { exitCode: null, stdout: '', stderr: notFound(name) };
  const [file, ...args] = withParentDeathSignal([resolved, ...rest]) as [string, ...string[]];
  const result = await execa(file, args, {
    reject: false,
    timeout: options.timeoutMs ?? 10_000,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env, extendEnv: false } : {}),
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
  });
  const stderr = String(result.stderr);
  return {
    exitCode:
      (result.exitCode === 126 || result.exitCode === 127) && SETPRIV_EXEC_FAILED.test(stderr)
        ? null
        : (result.exitCode ?? null),
    stdout: String(result.stdout),
    stderr,
  };
}

async function passthrough(
  toolPath: ToolPath,
  argv: readonly string[],
  env?: Record<string, string>,
): Promise<number | null> {
  const [name, ...rest] = argv;
  if (!name) throw new Error('empty argv');
  const resolved = resolveTool(name, toolPath);
  if (resolved === null) return null;
  const [file, ...args] = withParentDeathSignal([resolved, ...rest]) as [string, ...string[]];
  const result = await execa(file, args, {
    reject: false,
    stdin: 'ignore',
    stdout: 'inherit',
    stderr: 'inherit',
    ...(env ? { env } : {}),
  });
  return result.exitCode ?? null;
}

export type OwnedProcessRunner = ProcessRunner &
  Readonly<{
    /** SIGKILLs every process group this runner started that is still alive (the last-resort clean-up at exit). */
    killAll: () => void;
  }>;

export type RunnerOptions = Readonly<{
  /** twinbuild's own PATH: every bare program name is found here, never through the child's environment. */
  path?: string;
}>;

export function createProcessRunner(options: RunnerOptions = {}): OwnedProcessRunner {
  const liveGroups = new Set<number>();
  return Object.freeze({
    run: (request: RunRequest) => run(liveGroups, options.path, request),
    capture: (argv: readonly string[], captureOptions?: CaptureOptions) => capture(options.path, argv, captureOptions),
    passthrough: (argv: readonly string[], env?: Record<string, string>) => passthrough(options.path, argv, env),
    killAll: () => {
      for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
    },
  });
}

/** A runner for short-lived callers (tests, scripts) that wait for what they start. */
export const realProcesses: ProcessRunner = createProcessRunner();
