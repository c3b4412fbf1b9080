// The engine's one entry point: one package, from its source to a PackageResult.
//   prepare (workspace, copies, availability, plans) → build → prove → compare → explain → bisect
// `check` and each package of a `sweep` compare a control build with a varied
// experiment build; `verify` compares one rebuild with the published files
// (phases/reference-kinds.ts holds what that changes). Build failures come back as
// an `error` verdict (so results.json still records them); only usage problems and
// interruption are thrown.
import { isTwinbuildError, type ErrorCode } from '../core/errors.js';
import {
  BISECT_NOT_RUN,
  type Culprit,
  type Recipe,
  type DiffResult,
  type ErrorInfo,
  type PackageResult,
} from '../reports/model.js';
import { runBisect, type Explain } from './bisect/bisect.js';
import { logDirOf, type BuiltSides } from './build/sides.js';
import { compareSides } from './compare/sides.js';
import { explainDifferences } from './explain/diffoscope.js';
import { gatherEvidence } from './explain/evidence.js';
import type { PackageOptions } from './options.js';
import { variationResults } from './prepare/planning.js';
import { reapStaleRootsOnce } from './prepare/stale-roots.js';
import { assertReadableSource, createWorkspace, disposeWorkspace } from './prepare/workspace.js';
import { build } from './phases/build.js';
import { prepare, requestedMessage } from './phases/prepare.js';
import { prove } from './phases/prove.js';
import { stageOf, throwIfInterrupted, timed, type EngineDeps, type PackageRun, type Stage } from './phases/stage.js';

export type { EngineDeps, PackageRun } from './phases/stage.js';
export { chooseIsolation } from './prepare/isolation.js';

/** A package that could not be run at all (e.g. a requested variation is unavailable, in a sweep). */
export function errorPackageResult(options: PackageOptions, code: ErrorCode, message: string): PackageResult {
  return {
    name: options.name,
    source: options.source,
    verdict: 'error',
    error: { code, message },
    variations: [],
    isolation: 'sequential',
    buildPath: 'shared',
    builds: { control: null, experiment: null },
    artifacts: [],
    artifactSummary: null,
    culprits: [],
    nondeterministic: false,
    bisect: BISECT_NOT_RUN('the check did not run'),
    diffoscope: [],
    timings: {},
    verify: null,
    recipe: recipeOf(options),
    knownDifferences: 0,
  };
}

// What a report needs to print the command that reruns this package.
const recipeOf = (options: PackageOptions): Recipe => ({
  preset: options.preset,
  build: options.build,
  artifacts: options.artifacts,
  env: options.env,
  isolation: options.isolation,
  varyOptions: options.vary.options,
});

export async function runPackage(run: PackageRun, deps: EngineDeps): Promise<PackageResult> {
  const runStarted = performance.now();
  const { options } = run;
  await assertReadableSource(options.source, options.dsc);
  deps.progress({ kind: 'phase', phase: 'prepare' }); // availability checks + copying the source
  await reapLeftovers(options.tempDir, deps);
  const workspace = await createWorkspace(options.name, options.tempDir, { kept: options.keep });
  try {
    return await runPhases(stageOf(run, deps, workspace, runStarted));
  } finally {
    deps.progress({ kind: 'phase', phase: 'cleanup' });
    if (options.keep) deps.progress({ kind: 'note', message: `kept workspace: ${workspace.root}` });
    else {
      // Note: files that cannot be removed must not cost the verdict (the next run, or twinbuild clean,
      // reaps the root); something still mounted below it is an error, as ever.
      await disposeWorkspace(workspace, deps.runner).catch((error: Error) => {
        if (isTwinbuildError(error)) throw error;
        deps.progress({ kind: 'note', message: `could not remove the temp root ${workspace.root}: ${error.message}` });
      });
    }
  }
}

async function runPhases(stage: Stage): Promise<PackageResult> {
  const { options, kind, deps, workspace } = stage;
  const prepared = await prepare(stage);
  const built = await build(stage, prepared);
  const proved = await prove(stage, prepared);
  const { planner } = proved;
  const column = (index: number | null) => (index === null ? null : (built.builds[index] ?? null));
  const builds = { control: column(kind.columns.control), experiment: column(kind.columns.experiment) };
  const both = kind.builds.length > 1;
  const base = {
    name: options.name,
    source: options.source,
    variations: variationResults(options, proved.availability, proved.verdicts.observed),
    isolation: prepared.isolation,
    buildPath:
      both && prepared.planned.control.buildDir !== prepared.planned.experiment.buildDir
        ? ('varied' as const)
        : prepared.isolation === 'namespaces' || !both
          ? ('shared' as const)
          : ('sequential-fallback' as const),
    builds,
    culprits: [] as Culprit[],
    nondeterministic: false,
    bisect: BISECT_NOT_RUN(kind.notBisected.beforeCompare),
    diffoscope: [] as DiffResult[],
    timings: stage.timings,
    verify: null,
    recipe: recipeOf(options),
    knownDifferences: 0,
    artifactSummary: null,
  };
  if (built.failure) {
    const failed: PackageResult = { ...base, verdict: 'error', error: built.failure, artifacts: [] };
    if (!onlyExperimentFailed(stage, built)) return failed;
    // The control built, so the environment broke the build: find which variations make it fail.
    deps.progress({ kind: 'phase', phase: 'bisect' });
    const mainEndMs = Math.max(...built.builds.map((b) => b.startMs + b.durationMs));
    const probeDeps = {
      options,
      runner: deps.runner,
      signal: deps.signal,
      progress: deps.progress,
      workspace,
      isolation: prepared.isolation,
      planner,
      controlDir: workspace.sideDir('control'),
      difference: 'build-fails' as const,
      logDir: logDirOf(options),
      checkStarted: stage.runStarted,
    };
    const bisected = await timed(stage, 'bisect', () =>
      runBisect(probeDeps, [], mainEndMs, async () => [], {
        evidence: Promise.resolve([]),
        budget: options.bisectBudget ?? null,
      }),
    );
    throwIfInterrupted(deps.signal);
    return { ...failed, ...bisected };
  }
  const ineffectiveRequest = proved.verdicts.ineffective.filter((i) => options.vary.explicit.includes(i.name));
  if (ineffectiveRequest.length > 0) {
    const message = requestedMessage(
      'not effective here',
      ineffectiveRequest.map((i) => ({ name: i.name, why: i.reason.replace(/^not effective here: /, '') })),
    );
    return { ...base, verdict: 'error', error: { code: 'variation-unavailable', message }, artifacts: [] };
  }

  deps.progress({ kind: 'phase', phase: 'compare' });
  const names = kind.verdicts;
  let compared: Awaited<ReturnType<typeof compareSides>>;
  try {
    compared = await timed(stage, 'compare', () => compareSides(stage.reference, options, workspace, deps.signal));
  } catch (cause) {
    throwIfInterrupted(deps.signal);
    return {
      ...base,
      verdict: 'error',
      error: {
        code: isTwinbuildError(cause) ? cause.code : 'compare-failed',
        message: `comparison failed: ${(cause as Error).message}`,
      },
      artifacts: [],
    };
  }
  throwIfInterrupted(deps.signal);
  const { artifacts, summary } = compared;
  if (summary.total === 0) {
    return {
      ...base,
      verdict: 'error',
      error: { code: 'no-artifacts', message: 'no artifacts matched on either side: nothing was compared' },
      artifacts,
      artifactSummary: summary,
    };
  }
  // Past the list limit, `artifacts` holds only not-identical ones: the counts decide.
  const differing = artifacts.filter((a) => a.status !== 'identical');
  if (summary.notIdentical === 0)
    return {
      ...base,
      verdict: names.same,
      error: null,
      artifacts,
      artifactSummary: summary,
      bisect: BISECT_NOT_RUN(kind.notBisected.identical),
    };

  const explain: Explain = async (pairs, experimentDir, label) =>
    !options.diffoscope.enabled
      ? []
      : explainDifferences(
          pairs,
          {
            ...options.diffoscope,
            outDir: options.outDir,
            packageName: label ? `${options.name}/${label}` : options.name,
            dirs: { control: compared.dirs.control, experiment: experimentDir },
            root: workspace.root,
            jobs: options.jobs,
            signal: deps.signal,
            toolPath: options.toolPath,
            tempDir: options.tempDir,
          },
          deps.runner,
        );
  deps.progress({ kind: 'phase', phase: options.bisect && compared.bisectable ? 'bisect' : 'diffoscope' });
  const mainEndMs = Math.max(...built.builds.map((b) => b.startMs + b.durationMs));
  // Evidence reads diffoscope's reports; bisect's no-variation probe starts meanwhile, its suspects wait for it.
  const explained = timed(stage, 'diffoscope', () => explain(differing, compared.dirs.experiment, null));
  const evidence = explained.then((diffs) =>
    gatherEvidence(differing, diffs, {
      outDir: options.outDir,
      dirs: compared.dirs,
      varied: planner.varied,
      values: { control: builds.control?.values ?? {}, experiment: builds.experiment?.values ?? {} },
    }),
  );
  evidence.catch(() => {}); // awaited below; bisect may settle first
  const [diffs, bisected, found] = await Promise.all([
    explained,
    options.bisect && compared.bisectable
      ? timed(stage, 'bisect', () =>
          runBisect(
            {
              options,
              runner: deps.runner,
              signal: deps.signal,
              progress: deps.progress,
              workspace,
              isolation: prepared.isolation,
              planner,
              controlDir: compared.dirs.control,
              difference: 'artifacts',
              logDir: logDirOf(options),
              checkStarted: stage.runStarted,
            },
            differing,
            mainEndMs,
            explain,
            { evidence, budget: options.bisectBudget ?? null },
          ),
        )
      : null,
    evidence,
  ]);
  throwIfInterrupted(deps.signal);
  const outcome = bisected ?? {
    bisect: compared.bisectable ? BISECT_NOT_RUN('--no-bisect', found) : { ...base.bisect, evidence: found },
    culprits: [] as Culprit[],
    nondeterministic: false,
  };
  const error = explanationFailure([...diffs, ...outcome.culprits.flatMap((c) => c.diffoscope)]);
  return {
    ...base,
    ...outcome,
    verdict: error ? 'error' : names.differs,
    error,
    artifacts,
    artifactSummary: summary,
    diffoscope: diffs,
  };
}

// Temp roots of a twinbuild that was killed (SIGKILL leaves no chance to clean up).
async function reapLeftovers(tempDir: string, deps: EngineDeps): Promise<void> {
  const { removed, failed } = await reapStaleRootsOnce(tempDir, deps.runner);
  for (const r of removed)
    deps.progress({ kind: 'note', message: `removed a stale temp root ${r.root} (${r.reason})` });
  for (const r of failed)
    deps.progress({ kind: 'note', message: `could not remove the stale temp root ${r.root}: ${r.error}` });
}

// Only a check's experiment failed (the control built): a failure bisect can name what broke it.
function onlyExperimentFailed({ kind, options }: Stage, built: BuiltSides): boolean {
  const [control, experiment] = built.builds;
  return (
    kind.bisectsFailures &&
    options.bisect &&
    built.failure?.code === 'build-failed' &&
    control?.exitCode === 0 &&
    !control.timedOut &&
    experiment !== undefined &&
    experiment.exitCode !== 0
  );
}

// Note: the bytes do differ, but a crashed explanation is an infrastructure error (exit 3).
function explanationFailure(diffs: readonly DiffResult[]): ErrorInfo | null {
  const failed = diffs.find((d) => d.status === 'error');
  return failed ? { code: 'diffoscope-failed', message: `${failed.artifact}: ${failed.message}` } : null;
}
