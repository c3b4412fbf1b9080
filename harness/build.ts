// Runs one side's plan so that it sees the shared build path: inside a private
// mount + pid namespace with its copy bind-mounted there (both sides at once),
// or, where namespaces are not allowed, by renaming its copy into place (one at a time).
import { rename } from 'node:fs/promises';
import { commandLine, type BuildPlan, type PlanStep } from '../variations/plan.js';
import type { ProcessRunner, RunOutcome } from './process.js';
import type { Workspace } from './workspace.js';

export type Isolation = 'namespaces' | 'sequential';

// Fixed script; paths travel as arguments. `--kill-child` plus the pid namespace
// mean that when the build ends or is killed, every process it started dies too.
const NAMESPACE_PREFIX = ['unshare', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', '--'] as const;
const BIND_AND_ENTER = ['/bin/sh', '-c', 'mount --bind "$1" "$2" && cd "$2" && shift 2 && exec "$@"', 'twinbuild-enter'] as const;

export type BuildRequest = Readonly<{
  plan: BuildPlan;
  workspace: Workspace;
  isolation: Isolation;
  logFile: string;
  timeoutMs: number;
  signal: AbortSignal;
}>;

/** The exact argv that runs for this plan, wrappers and isolation included. */
export function fullCommand(request: Pick<BuildRequest, 'plan' | 'workspace' | 'isolation'>): string[] {
  const inner = commandLine(request.plan);
  if (request.isolation === 'sequential') return inner;
  return [...NAMESPACE_PREFIX, ...BIND_AND_ENTER, request.workspace.sideDir(request.plan.side), request.workspace.buildDir, ...inner];
}

async function runSteps(steps: readonly PlanStep[], request: BuildRequest, runner: ProcessRunner): Promise<RunOutcome | undefined> {
  for (const step of steps) {
    const outcome = await runner.run({
      argv: step.argv,
      env: request.plan.env,
      cwd: request.workspace.root,
      logFile: request.logFile,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
    });
    if (outcome.exitCode !== 0) return outcome;
  }
  return undefined;
}

export async function runBuild(request: BuildRequest, runner: ProcessRunner): Promise<RunOutcome> {
  const { plan, workspace } = request;
  const failedSetup = await runSteps(plan.setup, request, runner);
  if (failedSetup) return failedSetup;
  const sideDir = workspace.sideDir(plan.side);
  if (request.isolation === 'sequential') await rename(sideDir, workspace.buildDir);
  try {
    return await runner.run({
      argv: fullCommand(request),
      env: plan.env,
      cwd: request.isolation === 'sequential' ? workspace.buildDir : sideDir,
      logFile: request.logFile,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
    });
  } finally {
    if (request.isolation === 'sequential') await rename(workspace.buildDir, sideDir);
    await runSteps(plan.cleanup, request, runner);
  }
}
