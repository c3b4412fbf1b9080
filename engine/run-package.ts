// The check engine: plan both sides, copy, build in parallel, compare, decide.
// Build failures come back as an `error` verdict (so results.json still records
// them); only usage problems and interruption are thrown.
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { REGISTRY } from '../variations/index.js';
import type { Side } from '../variations/plan.js';
import { BISECT_NOT_RUN, type ArtifactResult, type BuildResult, type ErrorInfo, type PackageResult, type Verdict } from '../reports/model.js';
import { checkVariations, canUseMountNamespaces, type Availability } from './prepare/availability.js';
import { LOG_TAIL_LINES, buildFailure, fullCommand, runBuild, tail, type Isolation } from './build/build.js';
import { runBisect, type Explain } from './bisect/bisect.js';
import { compareArtifacts } from './compare/compare.js';
import { explainDifferences } from './explain/diffoscope.js';
import { TwinbuildError } from '../core/errors.js';
import type { ProgressSink } from '../core/events.js';
import type { CheckOptions } from './options.js';
import type { ProcessRunner, RunOutcome } from '../adapters/process.js';
import { placeSource } from './prepare/source.js';
import { assertReadableSource, createWorkspace, removeWorkspace, type Workspace } from './prepare/workspace.js';
import { createPlanner, variationResults, type Planner } from './prepare/planning.js';

export type CheckDeps = Readonly<{ runner: ProcessRunner; signal: AbortSignal; progress: ProgressSink }>;

export async function chooseIsolation(options: CheckOptions, runner: ProcessRunner): Promise<Isolation> {
  if (options.isolation === 'sequential') return 'sequential';
  const ok = await canUseMountNamespaces(runner);
  if (!ok && options.isolation === 'namespaces') {
    throw new TwinbuildError('variation-unavailable', '--isolation namespaces: mount namespaces are not allowed here');
  }
  return ok ? 'namespaces' : 'sequential';
}

function verdictOf(artifacts: readonly ArtifactResult[]): { verdict: Verdict; error: ErrorInfo | null } {
  if (artifacts.length === 0) return { verdict: 'error', error: { code: 'no-artifacts', message: 'no artifacts matched on either side: nothing was compared' } };
  const differs = artifacts.some((a) => a.status !== 'identical');
  return { verdict: differs ? 'unreproducible' : 'reproducible', error: null };
}

export async function runCheck(options: CheckOptions, deps: CheckDeps): Promise<PackageResult> {
  const timings: Record<string, number> = {};
  const checkStarted = performance.now();
  const timed = async <T,>(phase: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[phase] = Math.round(performance.now() - started);
    }
  };

  await assertReadableSource(options.source, options.dsc);
  deps.progress({ kind: 'phase', phase: 'prepare' });  // availability checks + copying the source
  const workspace = await createWorkspace(options.name);
  try {
    const prepared = await timed('prepare', async () => {
      // The namespace probe, the availability checks and the copy all overlap.
      const isolation = chooseIsolation(options, deps.runner);
      const [checked, chosen] = await Promise.all([
        checkVariations(REGISTRY, deps.runner, workspace.scratchDir, isolation.then((i) => i === 'namespaces')),
        isolation,
        copySources(options, workspace, deps.runner),
      ]);
      return { ...checked, isolation: chosen };
    });
    const unavailableRequested = prepared.availability.filter((a) => !a.available && options.vary.explicit.includes(a.name));
    if (unavailableRequested.length > 0) {
      throw new TwinbuildError(
        'variation-unavailable',
        `requested variation${unavailableRequested.length > 1 ? 's' : ''} unavailable here: ${unavailableRequested.map((a) => `${a.name} (${a.reason})`).join('; ')}`,
      );
    }
    if (prepared.isolation === 'sequential') {
      deps.progress({ kind: 'note', message: 'mount namespaces unavailable: building one side after the other at the same path' });
    }
    const planner = createPlanner(options, prepared.availability, prepared.host, workspace);
    return await buildAndCompare(options, deps, workspace, prepared.isolation, planner, prepared.availability, timed, timings, checkStarted);
  } finally {
    deps.progress({ kind: 'phase', phase: 'cleanup' });
    if (options.keep) deps.progress({ kind: 'note', message: `kept workspace: ${workspace.root}` });
    else await removeWorkspace(workspace, async (point) => void (await deps.runner.capture(['umount', '--lazy', point])), async (dir) => void (await deps.runner.capture(['rm', '-rf', '--one-file-system', '--', dir])));
  }
}

function copySources(options: CheckOptions, workspace: Workspace, runner: ProcessRunner): Promise<unknown> {
  return Promise.all((['control', 'experiment'] as const).map((side) => placeSource(options, workspace.sideDir(side), runner, [options.outDir, workspace.root])));
}

async function buildAndCompare(
  options: CheckOptions,
  deps: CheckDeps,
  workspace: Workspace,
  isolation: Isolation,
  planner: Planner,
  availability: readonly Availability[],
  timed: <T>(phase: string, work: () => Promise<T>) => Promise<T>,
  timings: Record<string, number>,
  checkStarted: number,
): Promise<PackageResult> {
  const plans = { control: planner.control, experiment: planner.experiment };
  const logDir = join(options.outDir, 'logs', options.name);
  await mkdir(logDir, { recursive: true });
  const logFile = (side: Side) => join(logDir, `${side}.log`);
  deps.progress({ kind: 'phase', phase: 'build' });
  const startMs: Partial<Record<Side, number>> = {};
  const runSide = async (side: Side) => {
    await writeFile(logFile(side), '');
    deps.progress({ kind: 'build-started', side });
    startMs[side] = Math.round(performance.now() - checkStarted);
    const outcome = await runBuild({ plan: plans[side], workspace, isolation, logFile: logFile(side), timeoutMs: options.timeoutMs, signal: deps.signal }, deps.runner);
    deps.progress({ kind: 'build-finished', side, ok: outcome.exitCode === 0, durationMs: outcome.durationMs });
    return outcome;
  };
  const outcomes = await timed('build', async () => {
    if (isolation === 'namespaces') {
      const [control, experiment] = await Promise.all([runSide('control'), runSide('experiment')]);
      return { control, experiment };
    }
    const control = await runSide('control');
    return { control, experiment: await runSide('experiment') };
  });
  if (deps.signal.aborted) throw new TwinbuildError('interrupted', 'interrupted');

  const failures = await Promise.all((['control', 'experiment'] as const).map((side) => buildFailure(side, outcomes[side], options.timeoutMs, logFile(side))));
  const builds = Object.fromEntries(
    await Promise.all(
      (['control', 'experiment'] as const).map(async (side, i): Promise<[Side, BuildResult]> => [
        side,
        {
          exitCode: outcomes[side].exitCode,
          signal: outcomes[side].signal,
          timedOut: outcomes[side].timedOut,
          startMs: startMs[side] ?? 0,
          durationMs: outcomes[side].durationMs,
          log: relative(options.outDir, logFile(side)),
          logTail: failures[i] ? await tail(logFile(side), LOG_TAIL_LINES) : [],
          command: fullCommand({ plan: plans[side], workspace, isolation }),
          values: plans[side].values,
        },
      ]),
    ),
  ) as Record<Side, BuildResult>;

  const buildPath: PackageResult['buildPath'] =
    plans.control.buildDir !== plans.experiment.buildDir ? 'varied' : isolation === 'namespaces' ? 'shared' : 'sequential-fallback';
  const base = {
    name: options.name,
    source: options.source,
    variations: variationResults(options, availability),
    isolation,
    buildPath,
    builds,
    culprits: [],
    nondeterministic: false,
    bisect: BISECT_NOT_RUN('the builds did not both succeed'),
    diffoscope: [],
    timings,
  };
  const failure = failures.find((f) => f !== null);
  if (failure) return { ...base, verdict: 'error', error: failure, artifacts: [] };

  deps.progress({ kind: 'phase', phase: 'compare' });
  const dirs = { control: workspace.sideDir('control'), experiment: workspace.sideDir('experiment') };
  let comparison;
  try {
    comparison = await timed('compare', () => compareArtifacts(dirs, options.artifacts, options.jobs));
  } catch (cause) {
    return { ...base, verdict: 'error', error: { code: 'compare-failed', message: `comparison failed: ${(cause as Error).message}` }, artifacts: [] };
  }
  const { artifacts } = comparison;
  const verdict = verdictOf(artifacts);
  if (verdict.verdict !== 'unreproducible') return { ...base, ...verdict, artifacts, bisect: BISECT_NOT_RUN('no difference to explain') };

  const explain: Explain = async (pairs, experimentDir, label) =>
    !options.diffoscope.enabled
      ? []
      : explainDifferences(
          pairs,
          { ...options.diffoscope, outDir: options.outDir, packageName: label ? join(options.name, label) : options.name, dirs: { control: dirs.control, experiment: experimentDir }, root: workspace.root, jobs: options.jobs, signal: deps.signal },
          deps.runner,
        );
  const differing = artifacts.filter((a) => a.status !== 'identical');
  deps.progress({ kind: 'phase', phase: options.bisect ? 'bisect' : 'diffoscope' });
  const mainEndMs = Math.max(...(['control', 'experiment'] as const).map((side) => builds[side].startMs + builds[side].durationMs));
  const [diffs, bisected] = await Promise.all([
    timed('diffoscope', () => explain(differing, dirs.experiment, null)),
    options.bisect
      ? timed('bisect', () =>
          runBisect(
            { options, runner: deps.runner, signal: deps.signal, progress: deps.progress, workspace, isolation, planner, control: comparison.control, logDir, checkStarted },
            differing,
            mainEndMs,
            explain,
          ),
        )
      : { bisect: BISECT_NOT_RUN('--no-bisect'), culprits: [], nondeterministic: false },
  ]);
  if (deps.signal.aborted) throw new TwinbuildError('interrupted', 'interrupted');
  // Note: the bytes do differ, but a crashed explanation is an infrastructure error (exit 3).
  const failed = [...diffs, ...bisected.culprits.flatMap((c) => c.diffoscope)].filter((d) => d.status === 'error');
  const error = failed.length > 0 ? { code: 'diffoscope-failed', message: `${failed[0]!.artifact}: ${failed[0]!.message}` } : null;
  return { ...base, ...bisected, verdict: error ? 'error' : 'unreproducible', error, artifacts, diffoscope: diffs };
}
