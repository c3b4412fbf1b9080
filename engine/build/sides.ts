// Builds the sides of one run (control and experiment at once in private
// namespaces, or one after the other; verify's single rebuild) and records each
// as a BuildResult, log tail included when it failed.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { BuildPlan } from '../../variations/plan.js';
import type { ProgressSink } from '../../core/events.js';
import type { ProcessRunner } from '../../adapters/process.js';
import type { BuildResult, ErrorInfo } from '../../reports/model.js';
import type { PackageOptions } from '../options.js';
import type { Workspace } from '../prepare/workspace.js';
import { LOG_TAIL_LINES, buildFailure, fullCommand, runBuild, sandboxFor, tail, type Isolation } from './build.js';

/**
 * One build to run: `label` names it in messages (control, experiment, rebuild) and its log file.
 * `probed` is the plan with the effectiveness probe in front (what runs); `plan` is what is reported.
 */
export type SideBuild = Readonly<{
  label: 'control' | 'experiment' | 'rebuild';
  plan: BuildPlan;
  probed?: BuildPlan;
  observations?: string;
}>;

export type BuildContext = Readonly<{
  options: PackageOptions;
  workspace: Workspace;
  isolation: Isolation;
  runner: ProcessRunner;
  signal: AbortSignal;
  progress: ProgressSink;
  /** performance.now() when the run started, for the timeline. */
  runStarted: number;
}>;

export type BuiltSides = Readonly<{ builds: readonly BuildResult[]; failure: ErrorInfo | null }>;

export const logDirOf = (options: PackageOptions) => join(options.outDir, 'logs', options.name);

export async function buildSides(sides: readonly SideBuild[], ctx: BuildContext): Promise<BuiltSides> {
  const logDir = logDirOf(ctx.options);
  await mkdir(logDir, { recursive: true });
  const runOne = async ({ label, plan, probed, observations }: SideBuild) => {
    const logFile = join(logDir, `${label}.log`);
    await writeFile(logFile, '');
    ctx.progress({ kind: 'build-started', side: label });
    const startMs = Math.round(performance.now() - ctx.runStarted);
    const request = {
      plan,
      workspace: ctx.workspace,
      isolation: ctx.isolation,
      logFile,
      timeoutMs: ctx.options.timeoutMs,
      signal: ctx.signal,
      sandbox: sandboxFor(ctx.options),
    };
    const outcome = await runBuild(
      { ...request, plan: probed ?? plan, ...(observations ? { fd3File: observations } : {}) },
      ctx.runner,
    );
    ctx.progress({
      kind: 'build-finished',
      side: label,
      ok: outcome.exitCode === 0 && !outcome.interrupted && !ctx.signal.aborted,
      durationMs: outcome.durationMs,
      interrupted: outcome.interrupted || ctx.signal.aborted,
    });
    const failure = await buildFailure(label, outcome, ctx.options.timeoutMs, logFile, request.sandbox.limits);
    const build: BuildResult = {
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      timedOut: outcome.timedOut,
      startMs,
      durationMs: outcome.durationMs,
      log: relative(ctx.options.outDir, logFile),
      logTail: failure ? await tail(logFile, LOG_TAIL_LINES) : [],
      command: fullCommand(request),
      values: plan.values,
    };
    return { build, failure };
  };
  // Sequential isolation renames each tree into the one build path: one at a time.
  const done = [];
  if (ctx.isolation === 'namespaces') done.push(...(await Promise.all(sides.map(runOne))));
  else for (const side of sides) done.push(await runOne(side));
  return { builds: done.map((d) => d.build), failure: done.find((d) => d.failure !== null)?.failure ?? null };
}
