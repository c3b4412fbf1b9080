// The last phase, result: what every result of a run that built says whatever its
// verdict (the variations, the builds, the timings), and the verdict the comparison
// and its explanation lead to.
import {
  BISECT_NOT_RUN,
  type BuildResult,
  type DiffResult,
  type ErrorInfo,
  type PackageResult,
  type Recipe,
} from '../../reports/model.js';
import type { ErrorCode } from '../../core/errors.js';
import type { SidesCompared } from '../compare/sides.js';
import type { PackageOptions } from '../options.js';
import { variationResults, type Planner } from '../prepare/planning.js';
import type { BisectOutcome } from '../bisect/bisect.js';
import type { Prepared } from './prepare.js';
import type { Proved } from './prove.js';
import type { Stage } from './stage.js';

/** A result before the comparison: everything but the verdict, its error and the artifacts. */
export type BaseResult = Omit<PackageResult, 'verdict' | 'error' | 'artifacts'>;

/** What the phases after the builds work from. */
export type Built = Readonly<{ base: BaseResult; planner: Planner; builds: readonly BuildResult[] }>;

export function baseResult(
  stage: Stage,
  prepared: Prepared,
  proved: Proved,
  builds: readonly BuildResult[],
): BaseResult {
  const { options, kind } = stage;
  const column = (index: number | null) => (index === null ? null : (builds[index] ?? null));
  return {
    name: options.name,
    source: options.source,
    variations: variationResults(options, proved.availability, proved.verdicts.observed),
    isolation: prepared.isolation,
    buildPath: buildPathOf(stage, prepared),
    builds: { control: column(kind.columns.control), experiment: column(kind.columns.experiment) },
    culprits: [],
    nondeterministic: false,
    bisect: BISECT_NOT_RUN(kind.notBisected.beforeCompare),
    diffoscope: [],
    timings: stage.timings,
    phaseStarts: stage.phaseStarts,
    verify: null,
    recipe: recipeOf(options),
    knownDifferences: 0,
    diagnoses: [],
    unclassified: [],
    ruledOut: [],
    artifactSummary: null,
    notCopied: prepared.notCopied,
  };
}

// Note: one build (verify) has no other build to share its path with.
function buildPathOf({ kind }: Stage, { planned, isolation }: Prepared): BaseResult['buildPath'] {
  const both = kind.builds.length > 1;
  if (both && planned.control.buildDir !== planned.experiment.buildDir) return 'varied';
  return isolation === 'namespaces' || !both ? 'shared' : 'sequential-fallback';
}

/** The verdict when there is nothing to explain: nothing compared, or nothing differs; null when something differs. */
export function settledResult({ kind }: Stage, base: BaseResult, compared: SidesCompared): PackageResult | null {
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
  if (summary.notIdentical > 0) return null;
  const bisect = BISECT_NOT_RUN(kind.notBisected.identical);
  return { ...base, verdict: kind.verdicts.same, error: null, artifacts, artifactSummary: summary, bisect };
}

/** The verdict when something differs, with diffoscope's reports and what bisect found. */
export function differsResult(
  { kind }: Stage,
  base: BaseResult,
  compared: SidesCompared,
  explained: Readonly<{ diffs: DiffResult[]; outcome: BisectOutcome }>,
): PackageResult {
  const { diffs, outcome } = explained;
  const error = explanationFailure([...diffs, ...outcome.culprits.flatMap((c) => c.diffoscope)]);
  return {
    ...base,
    ...outcome,
    verdict: error ? 'error' : kind.verdicts.differs,
    error,
    artifacts: compared.artifacts,
    artifactSummary: compared.summary,
    diffoscope: diffs,
  };
}

// Note: the bytes do differ, but a crashed explanation is an infrastructure error (exit 3).
function explanationFailure(diffs: readonly DiffResult[]): ErrorInfo | null {
  const failed = diffs.find((d) => d.status === 'error');
  return failed ? { code: 'diffoscope-failed', message: `${failed.artifact}: ${failed.message}` } : null;
}

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
    phaseStarts: {},
    verify: null,
    recipe: recipeOf(options),
    knownDifferences: 0,
    notCopied: [],
    diagnoses: [],
    unclassified: [],
    ruledOut: [],
  };
}

// What a report needs to print the command that reruns this package.
const recipeOf = (options: PackageOptions): Recipe => ({
  preset: options.preset,
  build: options.build,
  artifacts: options.artifacts,
  env: options.env,
  isolation: options.isolation,
  network: options.network ?? false,
  varyOptions: options.vary.options,
  rerun: options.rerun ?? null,
});
