// Runs bisect for one unreproducible check: probes through the probe runner,
// the search in bisect.ts, then diffoscope on each culprit's confirming probe.
// With deps.difference "build-fails" (the control built, the experiment did not)
// the same search names the variations that make the build fail.
import type {
  ArtifactEvidence,
  ArtifactResult,
  BisectResult,
  Culprit,
  DiffResult,
  ProbeResult,
} from '../../reports/model.js';
import { SearchCancelled, findCulprits } from './search.js';
import { chooseSuspects, showsEvidence, unconfirmedSuspects } from './suspects.js';
import { TwinbuildError } from '../../core/errors.js';
import { BUILD_FAILS, ProbeFailed, createProbeRunner, type ProbeDeps } from './probes.js';

export type BisectOutcome = Readonly<{ bisect: BisectResult; culprits: Culprit[]; nondeterministic: boolean }>;

/** Explains differing artifacts between the control tree and another tree (diffoscope or the fallback). */
export type Explain = (
  artifacts: readonly ArtifactResult[],
  experimentDir: string,
  label: string | null,
) => Promise<DiffResult[]>;

/**
 * The wave each probe ran in: one more than the latest wave that had finished
 * when it started. The check's own two builds are wave 1 and end at `mainEndMs`.
 */
export function assignRounds(probes: readonly ProbeResult[], mainEndMs: number): ProbeResult[] {
  const done: { endMs: number; round: number }[] = [{ endMs: mainEndMs, round: 1 }];
  return [...probes]
    .sort((a, b) => a.startMs - b.startMs)
    .map((probe) => {
      const round = 1 + Math.max(...done.filter((d) => d.endMs <= probe.startMs).map((d) => d.round), 0);
      done.push({ endMs: probe.startMs + probe.durationMs, round });
      return { ...probe, round };
    });
}

export type BisectPlan = Readonly<{
  /** What each differing artifact's difference shows (resolves once diffoscope is done). */
  evidence: Promise<readonly ArtifactEvidence[]>;
  /** --bisect-budget: the most probe builds; null for no limit. */
  budget: number | null;
}>;

export async function runBisect(
  deps: ProbeDeps,
  differing: readonly ArtifactResult[],
  mainEndMs: number,
  explain: Explain,
  plan: BisectPlan,
): Promise<BisectOutcome> {
  const varied = deps.planner.varied;
  const { budget } = plan;
  const { difference } = deps;
  const fails = difference === 'build-fails';
  const paths = fails ? [BUILD_FAILS] : differing.map((a) => a.path);
  if (varied.length === 0) {
    // Control and experiment had the same environment, so the build itself flaps.
    return {
      nondeterministic: true,
      culprits: [],
      bisect: {
        status: 'nondeterministic',
        reason: fails
          ? 'nothing was varied, yet only the experiment build failed'
          : 'nothing was varied, yet the two builds differ',
        difference,
        probes: [],
        rounds: 1,
        flapping: fails ? [] : paths,
        unexplained: [],
        evidence: await plan.evidence,
        suspected: [],
        budget,
      },
    };
  }
  const runner = createProbeRunner(deps);
  const finish = async (
    status: BisectResult['status'],
    reason: string | null,
    extra: Partial<BisectResult> = {},
  ): Promise<BisectResult> => {
    const probes = assignRounds(runner.results(), mainEndMs);
    return {
      status,
      reason,
      difference,
      probes,
      rounds: Math.max(1, ...probes.map((p) => p.round)),
      flapping: [],
      unexplained: [],
      evidence: await plan.evidence,
      suspected: [],
      budget,
      ...extra,
    };
  };
  let findings;
  try {
    const suspects = plan.evidence.then((evidence) => chooseSuspects(evidence, varied));
    const guessed = plan.evidence.then((evidence) => !showsEvidence(evidence, varied));
    findings = await findCulprits(varied, new Set(paths), runner.probe, { suspects, budget, guessed });
  } catch (cause) {
    runner.cancel();
    await runner.drain();
    if (deps.signal.aborted) throw new TwinbuildError('interrupted', 'interrupted');
    if (cause instanceof ProbeFailed || cause instanceof SearchCancelled) {
      return {
        nondeterministic: false,
        culprits: [],
        bisect: await finish('error', `a probe build failed, so no culprit is named: ${cause.message}`),
      };
    }
    throw cause;
  }
  runner.cancel();
  await runner.drain();
  if (deps.signal.aborted) throw new TwinbuildError('interrupted', 'interrupted');
  if (findings.flapping.length > 0) {
    return {
      nondeterministic: true,
      culprits: [],
      bisect: fails
        ? await finish(
            'nondeterministic',
            'a rebuild with nothing varied fails too: the failure is not caused by a variation',
          )
        : await finish('nondeterministic', 'a rebuild with nothing varied differs from the control', {
            flapping: findings.flapping,
          }),
    };
  }
  if (fails) {
    // A failed build has no bytes to explain: the culprit is the probe that failed with exactly its variations.
    const culprits = findings.culprits.map((found): Culprit => ({
      variations: found.variations,
      artifacts: [],
      probe: runner.idFor(found.variations) ?? 'experiment',
      diffoscope: [],
      sameAsExperiment: [],
    }));
    const reason = culprits.length === 0 ? 'no set of variations was confirmed to make the build fail' : null;
    return { nondeterministic: false, culprits, bisect: await finish('done', reason) };
  }
  const culprits = await Promise.all(
    findings.culprits.map(async (found): Promise<Culprit> => {
      const run = runner.runFor(found.variations);
      // the check's own experiment; its diffoscope covers it
      if (!run) return { ...found, probe: 'experiment', diffoscope: [], sameAsExperiment: [...found.artifacts] };
      const pairs = run.differing.filter((a) => found.artifacts.includes(a.path));
      // Where the probe built exactly the experiment's bytes, the check's own diffoscope already explains them.
      const same = (a: ArtifactResult) =>
        differing.some(
          (d) =>
            d.path === a.path &&
            d.sha256.experiment === a.sha256.experiment &&
            d.linkTarget?.experiment === a.linkTarget?.experiment,
        );
      const explained = await explain(
        pairs.filter((a) => !same(a)),
        run.tree,
        `culprit-${found.variations.join('+')}`,
      );
      const reused = pairs.filter(same).map((a) => a.path);
      return { ...found, probe: run.id, diffoscope: explained, sameAsExperiment: reused };
    }),
  );
  if (!findings.budgetSpent)
    return {
      nondeterministic: false,
      culprits,
      bisect: await finish('done', null, { unexplained: findings.unexplained }),
    };
  // The budget ran out: what the evidence points at and no probe confirmed is only suspected.
  const open = [...new Set([...findings.unfinished, ...findings.unexplained])];
  const suspected = unconfirmedSuspects(await plan.evidence, open, findings.culprits);
  const reason =
    `--bisect-budget ${budget} ran out before ` +
    `${open.length} differing artifact${open.length === 1 ? ' was' : 's were'} fully searched`;
  return {
    nondeterministic: false,
    culprits,
    bisect: await finish('done', reason, { unexplained: findings.unexplained, suspected }),
  };
}
