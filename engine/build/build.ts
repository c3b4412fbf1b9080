// Runs one side's plan so that it sees its build path: inside private mount, pid
// and uts namespaces where adapters/enter.sh mounts its copy there (both sides at
// once), or, where namespaces are not allowed, by renaming its copy into place
// (one side at a time).
import { mkdir, readFile, rename } from 'node:fs/promises';
import type { ErrorInfo } from '../../reports/model.js';
import { dirname, join } from 'node:path';
import { commandLine, type BuildPlan, type NamespaceAction, type PlanStep } from '../../variations/plan.js';
import { namespacePrefixFor } from '../../adapters/namespaces.js';
import { ensureNoXattrShim } from '../../adapters/disorderfs-shim.js';
import type { ProcessRunner, RunOutcome } from '../../adapters/process.js';
import { ENTER_SCRIPT } from '../../core/paths.js';
import type { Workspace } from '../prepare/workspace.js';

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
}>;

const actionArgs = (action: NamespaceAction): string[] =>
  action.kind === 'bind' ? ['bind', action.source, action.target] : [action.kind, action.name];

/** Where a workspace's disorderfs preload is compiled (adapters/disorderfs-shim.ts): once per check, probes included. */
const shimPath = (workspace: Workspace) => join(workspace.root, 'lib', 'disorderfs-noxattr.so');

function mountArgs(plan: BuildPlan, workspace: Workspace): string[] {
  const mount = plan.workspaceMount;
  const sideDir = workspace.sideDir(plan.side);
  return mount.kind === 'bind'
    ? ['bind', sideDir, plan.buildDir]
    : [
        'disorderfs',
        sideDir,
        plan.buildDir,
        mount.owner,
        shimPath(workspace),
        String(mount.options.length),
        ...mount.options,
      ];
}

// Each build gets its own /tmp and /var/tmp (directories in the workspace), so one
// build cannot hand the other a file through them and nothing it leaves there stays.
// What must stay visible under them keeps its path: the workspace, and every absolute
// path named in the build's variables (the PATH's directories, a directory given with --env).
/** The directories each namespaced build gets privately; paths kept below them are re-created traversable. */
export const PRIVATE_TMP_TARGETS = ['/tmp', '/var/tmp'] as const;

function privateTmpArgs(plan: BuildPlan, workspace: Workspace): string[] {
  const named = Object.values(plan.env)
    .flatMap((value) => value.split(':'))
    .filter((p) => p.startsWith('/') && !p.includes('\n'));
  // A path inside the workspace is kept with it: binding it again would stack a mount on the build dir.
  const kept = [
    workspace.root,
    ...new Set(named.filter((p) => p !== workspace.root && !p.startsWith(`${workspace.root}/`))),
  ];
  return PRIVATE_TMP_TARGETS.flatMap((target) => {
    const under = kept.filter((k) => k.startsWith(`${target}/`));
    return [
      'private-tmp',
      join(workspace.root, 'private', `${plan.side}${target.replace(/\//g, '-')}`),
      target,
      String(under.length),
      ...under,
    ];
  });
}

/** The exact argv that runs for this plan, isolation included. */
export function fullCommand(request: Pick<BuildRequest, 'plan' | 'workspace' | 'isolation'>): string[] {
  const { plan, workspace } = request;
  const inner = commandLine(plan);
  if (request.isolation === 'sequential') return inner;
  return [
    ...namespacePrefixFor(process.getuid?.() ?? 0),
    '/bin/sh',
    ENTER_SCRIPT,
    plan.buildDir,
    ...privateTmpArgs(plan, workspace),
    ...plan.hidden.flatMap((path) => ['hide', path]),
    ...mountArgs(plan, workspace),
    ...plan.namespaceActions.flatMap(actionArgs),
    'readonly-root',
    workspace.root,
    '--',
    ...inner,
  ];
}

async function runSteps(
  steps: readonly PlanStep[],
  request: BuildRequest,
  runner: ProcessRunner,
): Promise<RunOutcome | undefined> {
  for (const step of steps) {
    const outcome = await runner.run({
      argv: step.argv,
      env: { PATH: request.plan.env['PATH'] ?? '/usr/bin:/bin' },
      cwd: request.workspace.root,
      logFile: request.logFile,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
    });
    if (outcome.exitCode !== 0) return { ...outcome, exitCode: ENTER_FAILED };
  }
  return undefined;
}

export async function runBuild(request: BuildRequest, runner: ProcessRunner): Promise<RunOutcome> {
  const { plan, workspace } = request;
  if (request.isolation === 'sequential' && (plan.namespaceActions.length > 0 || plan.workspaceMount.kind !== 'bind')) {
    throw new Error('internal: a namespace-only variation was planned without namespaces');
  }
  const failedSetup = await runSteps(plan.setup, request, runner);
  if (failedSetup) return failedSetup;
  // Without a C compiler disorderfs runs as it is (enter.sh checks the file), only slower.
  if (plan.workspaceMount.kind === 'disorderfs') await ensureNoXattrShim(runner, shimPath(workspace));
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
    return {
      code: 'build-failed',
      message: `${side} build failed (${outcome.signal ? `killed by ${outcome.signal}` : `exit ${outcome.exitCode}`})`,
    };
  }
  return null;
}
