// The engine's one entry point: one package, from its source to a PackageResult.
//   prepare (workspace, copies, availability, plans) → build → compare → explain → bisect
// `check` and each package of a `sweep` compare a control build with a varied
// experiment build; `verify` compares one rebuild with the published files.
// Build failures come back as an `error` verdict (so results.json still records
// them); only usage problems and interruption are thrown.
import { REGISTRY } from '../variations/index.js';
import type { ProgressSink } from '../core/events.js';
import { TwinbuildError, isTwinbuildError, type ErrorCode } from '../core/errors.js';
import type { ProcessRunner } from '../adapters/process.js';
import {
  BISECT_NOT_RUN,
  type Culprit,
  type Recipe,
  type DiffResult,
  type ErrorInfo,
  type PackageResult,
} from '../reports/model.js';
import { runBisect, type Explain } from './bisect/bisect.js';
import { buildSides, logDirOf, type SideBuild } from './build/sides.js';
import { compareSides } from './compare/sides.js';
import { explainDifferences } from './explain/diffoscope.js';
import { gatherEvidence } from './explain/evidence.js';
import type { PackageOptions } from './options.js';
import type { Reference } from './reference.js';
import { checkVariations, type Availability } from './prepare/availability.js';
import { chooseIsolation } from './prepare/isolation.js';
import { assertOtherUsersCanReach } from './prepare/reachability.js';
import { NOTHING_PROVED, startProbeRound, withoutIneffective } from './prepare/effectiveness.js';
import { createPlanner, variationResults } from './prepare/planning.js';
import { placeSource } from './prepare/source.js';
import { reapStaleRootsOnce } from './prepare/stale-roots.js';
import { assertReadableSource, createWorkspace, disposeWorkspace } from './prepare/workspace.js';

export type PackageRun = Readonly<{ options: PackageOptions; reference: Reference }>;

export type EngineDeps = Readonly<{ runner: ProcessRunner; signal: AbortSignal; progress: ProgressSink }>;

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

const interrupted = () => new TwinbuildError('interrupted', 'interrupted');

export async function runPackage(run: PackageRun, deps: EngineDeps): Promise<PackageResult> {
  const { options } = run;
  const timings: Record<string, number> = {};
  const runStarted = performance.now();
  const timed = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[phase] = Math.round(performance.now() - started);
    }
  };

  await assertReadableSource(options.source, options.dsc);
  deps.progress({ kind: 'phase', phase: 'prepare' }); // availability checks + copying the source
  await reapLeftovers(options.tempDir, deps);
  const workspace = await createWorkspace(options.name, options.tempDir, { kept: options.keep });
  try {
    // The namespace probe, the availability checks and the copies all overlap.
    const prepared = await timed('prepare', async () => {
      const isolation = chooseIsolation(options, deps.runner);
      const sides = run.reference.kind === 'published' ? (['control'] as const) : (['control', 'experiment'] as const);
      const copies = Promise.all(
        sides.map((side) =>
          placeSource(options, workspace.sideDir(side), deps.runner, [options.outDir, workspace.root], deps.signal),
        ),
      );
      const [checked, chosen] = await Promise.all([
        checkVariations(
          REGISTRY,
          deps.runner,
          workspace.scratchDir,
          isolation.then((i) => i === 'namespaces'),
          options.toolPath,
        ),
        isolation,
        copies,
      ]);
      return { ...checked, isolation: chosen };
    });
    refuseUnavailableRequests(options, prepared.availability);
    if (
      run.reference.kind === 'experiment' &&
      options.vary.enabled.includes('user_group') &&
      prepared.availability.some((a) => a.name === 'user_group' && a.available)
    ) {
      await assertOtherUsersCanReach(options.tempDir);
    }
    if (prepared.isolation === 'sequential') {
      deps.progress({
        kind: 'note',
        message: 'mount namespaces unavailable: building one side after the other at the same path',
      });
    }
    const planned = createPlanner(options, prepared.availability, prepared.host, workspace);
    const context = {
      options,
      workspace,
      isolation: prepared.isolation,
      runner: deps.runner,
      signal: deps.signal,
      progress: deps.progress,
      runStarted,
    };
    const probe =
      run.reference.kind === 'experiment'
        ? await startProbeRound(planned, planned.varied, workspace, prepared.isolation === 'namespaces')
        : null;
    const side = (label: 'control' | 'experiment'): SideBuild => ({
      label,
      plan: planned[label],
      ...probe?.side(label),
    });
    const sides: SideBuild[] =
      run.reference.kind === 'published'
        ? [{ label: 'rebuild', plan: planned.control }]
        : [side('control'), side('experiment')];

    deps.progress({ kind: 'phase', phase: 'build' });
    const built = await timed('build', () => buildSides(sides, context));
    if (deps.signal.aborted) throw interrupted();
    // What the probe saw decides which variations really were varied; the rest count as skipped.
    const proved = probe ? await probe.finish() : NOTHING_PROVED;
    const availability = withoutIneffective(prepared.availability, proved);
    for (const i of proved.ineffective) deps.progress({ kind: 'note', message: `${i.name} skipped: ${i.reason}` });
    const planner =
      proved.ineffective.length > 0 ? createPlanner(options, availability, prepared.host, workspace) : planned;
    // verify: the published files are the "control" column, the rebuild the "experiment".
    const builds =
      run.reference.kind === 'published'
        ? { control: null, experiment: built.builds[0] ?? null }
        : { control: built.builds[0] ?? null, experiment: built.builds[1] ?? null };
    const base = {
      name: options.name,
      source: options.source,
      variations: variationResults(options, availability, proved.observed),
      isolation: prepared.isolation,
      buildPath:
        planned.control.buildDir !== planned.experiment.buildDir && run.reference.kind === 'experiment'
          ? ('varied' as const)
          : prepared.isolation === 'namespaces' || run.reference.kind === 'published'
            ? ('shared' as const)
            : ('sequential-fallback' as const),
      builds,
      culprits: [] as Culprit[],
      nondeterministic: false,
      bisect: BISECT_NOT_RUN(
        run.reference.kind === 'published' ? 'verify rebuilds once' : 'the builds did not both succeed',
      ),
      diffoscope: [] as DiffResult[],
      timings,
      verify: null,
      recipe: recipeOf(options),
      knownDifferences: 0,
      artifactSummary: null,
    };
    if (built.failure) {
      const failed: PackageResult = { ...base, verdict: 'error', error: built.failure, artifacts: [] };
      if (!onlyExperimentFailed(run, built, options)) return failed;
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
        checkStarted: runStarted,
      };
      const bisected = await timed('bisect', () =>
        runBisect(probeDeps, [], mainEndMs, async () => [], {
          evidence: Promise.resolve([]),
          budget: options.bisectBudget ?? null,
        }),
      );
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the signal can abort during an await
      if (deps.signal.aborted) throw interrupted();
      return { ...failed, ...bisected };
    }
    const ineffectiveRequest = proved.ineffective.filter((i) => options.vary.explicit.includes(i.name));
    if (ineffectiveRequest.length > 0) {
      const message = requestedMessage(
        'not effective here',
        ineffectiveRequest.map((i) => ({ name: i.name, why: i.reason.replace(/^not effective here: /, '') })),
      );
      return { ...base, verdict: 'error', error: { code: 'variation-unavailable', message }, artifacts: [] };
    }

    deps.progress({ kind: 'phase', phase: 'compare' });
    const names =
      run.reference.kind === 'published'
        ? ({ same: 'verified', differs: 'mismatch' } as const)
        : ({ same: 'reproducible', differs: 'unreproducible' } as const);
    let compared: Awaited<ReturnType<typeof compareSides>>;
    try {
      compared = await timed('compare', () => compareSides(run.reference, options, workspace, deps.signal));
    } catch (cause) {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the signal can abort during an await
      if (deps.signal.aborted) throw interrupted();
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
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the signal can abort during an await
    if (deps.signal.aborted) throw interrupted();
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
        bisect: run.reference.kind === 'published' ? base.bisect : BISECT_NOT_RUN('no difference to explain'),
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
    const explained = timed('diffoscope', () => explain(differing, compared.dirs.experiment, null));
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
        ? timed('bisect', () =>
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
                checkStarted: runStarted,
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
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the signal can abort during an await
    if (deps.signal.aborted) throw interrupted();
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

// Temp roots of a twinbuild that was killed (SIGKILL leaves no chance to clean up).
async function reapLeftovers(tempDir: string, deps: EngineDeps): Promise<void> {
  const { removed, failed } = await reapStaleRootsOnce(tempDir, deps.runner);
  for (const r of removed)
    deps.progress({ kind: 'note', message: `removed a stale temp root ${r.root} (${r.reason})` });
  for (const r of failed)
    deps.progress({ kind: 'note', message: `could not remove the stale temp root ${r.root}: ${r.error}` });
}

// Only a check's experiment failed (the control built): a failure bisect can name what broke it.
function onlyExperimentFailed(
  run: PackageRun,
  built: Awaited<ReturnType<typeof buildSides>>,
  options: PackageOptions,
): boolean {
  const [control, experiment] = built.builds;
  return (
    run.reference.kind === 'experiment' &&
    options.bisect &&
    built.failure?.code === 'build-failed' &&
    control?.exitCode === 0 &&
    !control.timedOut &&
    experiment !== undefined &&
    experiment.exitCode !== 0
  );
}

// One wording for variations asked for by name that cannot be varied here, before the builds or after the probe.
const requestedMessage = (state: string, items: readonly Readonly<{ name: string; why: string }>[]) =>
  `requested variation${items.length > 1 ? 's' : ''} ${state}: ${items.map((i) => `${i.name} (${i.why})`).join('; ')}`;

function refuseUnavailableRequests(options: PackageOptions, availability: readonly Availability[]): void {
  const unavailable = availability.filter((a) => !a.available && options.vary.explicit.includes(a.name));
  if (unavailable.length === 0) return;
  throw new TwinbuildError(
    'variation-unavailable',
    requestedMessage(
      'unavailable here',
      unavailable.map((a) => ({ name: a.name, why: a.reason ?? 'unavailable' })),
    ),
  );
}

// Note: the bytes do differ, but a crashed explanation is an infrastructure error (exit 3).
function explanationFailure(diffs: readonly DiffResult[]): ErrorInfo | null {
  const failed = diffs.find((d) => d.status === 'error');
  return failed ? { code: 'diffoscope-failed', message: `${failed.artifact}: ${failed.message}` } : null;
}
