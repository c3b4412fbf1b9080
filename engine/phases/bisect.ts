// Bisect as a phase: which variations cause the difference. What it looks for is
// data, a BisectTarget: artifacts that differ from the control's tree (an
// unreproducible check), or the failure itself (a check whose experiment alone
// failed), with nothing to explain and no evidence.
import type { ArtifactEvidence, ArtifactResult, ErrorInfo, PackageResult } from '../../reports/model.js';
import { runBisect, type BisectOutcome, type Explain } from '../bisect/bisect.js';
import type { Difference } from '../bisect/probes.js';
import { logDirOf } from '../build/sides.js';
import type { Built } from './result.js';
import { throwIfInterrupted, timed, type Stage } from './stage.js';

export type BisectTarget = Readonly<{
  difference: Difference;
  /** The control build's tree, each probe's reference. */
  controlDir: string;
  differing: readonly ArtifactResult[];
  explain: Explain;
  evidence: Promise<readonly ArtifactEvidence[]>;
}>;

const failureTarget = (stage: Stage): BisectTarget => ({
  difference: 'build-fails',
  controlDir: stage.workspace.sideDir('control'),
  differing: [],
  explain: async () => [],
  evidence: Promise.resolve([]),
});

// Probe builds, each with some of the variations varied, against the control's build (never rebuilt).
export function bisect(stage: Stage, built: Built, target: BisectTarget): Promise<BisectOutcome> {
  const { options, deps, workspace, runStarted } = stage;
  const probeDeps = {
    options,
    runner: deps.runner,
    signal: deps.signal,
    progress: deps.progress,
    workspace,
    isolation: built.base.isolation,
    planner: built.planner,
    controlDir: target.controlDir,
    difference: target.difference,
    logDir: logDirOf(options),
    checkStarted: runStarted,
  };
  const mainEndMs = Math.max(...built.builds.map((b) => b.startMs + b.durationMs));
  const plan = { evidence: target.evidence, budget: options.bisectBudget ?? null };
  return runBisect(probeDeps, target.differing, mainEndMs, target.explain, plan);
}

// A failed build is the result as it is, unless only a check's experiment failed (the
// control built): then the environment broke the build, and bisect finds which variations do.
export async function bisectFailure(stage: Stage, built: Built, failure: ErrorInfo): Promise<PackageResult> {
  const failed: PackageResult = { ...built.base, verdict: 'error', error: failure, artifacts: [] };
  if (!onlyExperimentFailed(stage, built, failure)) return failed;
  stage.deps.progress({ kind: 'phase', phase: 'bisect' });
  const bisected = await timed(stage, 'bisect', () => bisect(stage, built, failureTarget(stage)));
  throwIfInterrupted(stage.deps.signal);
  return { ...failed, ...bisected };
}

function onlyExperimentFailed({ kind, options }: Stage, { builds }: Built, failure: ErrorInfo): boolean {
  const [control, experiment] = builds;
  return (
    kind.bisectsFailures &&
    options.bisect &&
    failure.code === 'build-failed' &&
    control?.exitCode === 0 &&
    !control.timedOut &&
    experiment !== undefined &&
    experiment.exitCode !== 0
  );
}
