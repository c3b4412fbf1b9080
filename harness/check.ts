// The check engine: plan both sides, copy, build in parallel, compare, decide.
// Build failures come back as an `error` verdict (so results.json still records
// them); only usage problems and interruption are thrown.
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { REGISTRY } from '../variations/index.js';
import type { BuildPlan, Side } from '../variations/plan.js';
import type { ArtifactResult, BuildResult, ErrorInfo, PackageResult, Verdict } from '../reports/model.js';
import { checkVariations, canUseMountNamespaces, type Availability } from './availability.js';
import { ENTER_FAILED, fullCommand, runBuild, type Isolation } from './build.js';
import { compareArtifacts } from './compare.js';
import { explainDifferences } from './diffoscope.js';
import { TwinbuildError } from './errors.js';
import type { ProgressSink } from './events.js';
import type { CheckOptions } from './options.js';
import type { ProcessRunner, RunOutcome } from './process.js';
import { assertReadableSource, copySource, createWorkspace, removeWorkspace, type Workspace } from './workspace.js';
import { planVariations, variationResults } from './planning.js';

export type CheckDeps = Readonly<{ runner: ProcessRunner; signal: AbortSignal; progress: ProgressSink }>;

const LOG_TAIL_LINES = 20;

async function tail(path: string, lines: number): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.replace(/\n$/, '').split('\n').slice(-lines);
}

async function chooseIsolation(options: CheckOptions, runner: ProcessRunner): Promise<Isolation> {
  if (options.isolation === 'sequential') return 'sequential';
  const ok = await canUseMountNamespaces(runner);
  if (!ok && options.isolation === 'namespaces') {
    throw new TwinbuildError('variation-unavailable', '--isolation namespaces: mount namespaces are not allowed here');
  }
  return ok ? 'namespaces' : 'sequential';
}

async function buildFailure(side: Side, outcome: RunOutcome, timeoutMs: number, log: string): Promise<ErrorInfo | null> {
  if (outcome.interrupted) return { code: 'interrupted', message: `${side} build interrupted` };
  if (outcome.timedOut) return { code: 'build-timeout', message: `${side} build timed out after ${Math.round(timeoutMs / 1000)}s (whole process tree killed)` };
  if (outcome.spawnError) return { code: 'build-failed', message: `${side} build could not start: ${outcome.spawnError}` };
  if (outcome.exitCode === ENTER_FAILED) {
    const setup = (await tail(log, 200)).filter((l) => l.startsWith('twinbuild-enter:')).pop();
    if (setup) return { code: 'setup-failed', message: `could not set up the ${side} build: ${setup.replace('twinbuild-enter: ', '')}` };
  }
  if (outcome.exitCode !== 0) {
    return { code: 'build-failed', message: `${side} build failed (${outcome.signal ? `killed by ${outcome.signal}` : `exit ${outcome.exitCode}`})` };
  }
  return null;
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

  await assertReadableSource(options.source);
  deps.progress({ kind: 'phase', phase: 'prepare' });  // availability checks + copying the source
  const workspace = await createWorkspace(options.name);
  try {
    const prepared = await timed('prepare', async () => {
      // The namespace probe, the availability checks and the copy all overlap.
      const isolation = chooseIsolation(options, deps.runner);
      const [checked, chosen] = await Promise.all([
        checkVariations(REGISTRY, deps.runner, workspace.scratchDir, isolation.then((i) => i === 'namespaces')),
        isolation,
        copySources(options, workspace),
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
    const plans = planVariations(options, prepared.availability, prepared.host, workspace);
    return await buildAndCompare(options, deps, workspace, prepared.isolation, plans, prepared.availability, timed, timings, checkStarted);
  } finally {
    deps.progress({ kind: 'phase', phase: 'cleanup' });
    if (options.keep) deps.progress({ kind: 'note', message: `kept workspace: ${workspace.root}` });
    else await removeWorkspace(workspace, async (point) => void (await deps.runner.capture(['umount', '--lazy', point])));
  }
}

function copySources(options: CheckOptions, workspace: Workspace): Promise<unknown> {
  return Promise.all((['control', 'experiment'] as const).map((side) => copySource(options.source, workspace.sideDir(side), [options.outDir, workspace.root])));
}

async function buildAndCompare(
  options: CheckOptions,
  deps: CheckDeps,
  workspace: Workspace,
  isolation: Isolation,
  plans: Readonly<Record<Side, BuildPlan>>,
  availability: readonly Availability[],
  timed: <T>(phase: string, work: () => Promise<T>) => Promise<T>,
  timings: Record<string, number>,
  checkStarted: number,
): Promise<PackageResult> {

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
    diffoscope: [],
    timings,
  };
  const failure = failures.find((f) => f !== null);
  if (failure) return { ...base, verdict: 'error', error: failure, artifacts: [] };

  deps.progress({ kind: 'phase', phase: 'compare' });
  try {
    const dirs = { control: workspace.sideDir('control'), experiment: workspace.sideDir('experiment') };
    const artifacts = await timed('compare', () => compareArtifacts(dirs, options.artifacts, options.jobs));
    const verdict = verdictOf(artifacts);
    if (verdict.verdict !== 'unreproducible' || !options.diffoscope.enabled) return { ...base, ...verdict, artifacts };
    deps.progress({ kind: 'phase', phase: 'diffoscope' });
    const diffs = await timed('diffoscope', () =>
      explainDifferences(artifacts, { ...options.diffoscope, outDir: options.outDir, packageName: options.name, dirs, root: workspace.root, jobs: options.jobs, signal: deps.signal }, deps.runner),
    );
    if (deps.signal.aborted) throw new TwinbuildError('interrupted', 'interrupted');
    const failed = diffs.filter((d) => d.status === 'error');
    // Note: the bytes do differ, but a crashed explanation is an infrastructure error (exit 3).
    const error = failed.length > 0 ? { code: 'diffoscope-failed', message: `${failed[0]!.artifact}: ${failed[0]!.message}` } : null;
    return { ...base, verdict: error ? 'error' : 'unreproducible', error, artifacts, diffoscope: diffs };
  } catch (cause) {
    return { ...base, verdict: 'error', error: { code: 'compare-failed', message: `comparison failed: ${(cause as Error).message}` }, artifacts: [] };
  }
}

