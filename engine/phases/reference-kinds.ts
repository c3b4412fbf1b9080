// What a run's reference changes, as data rather than branches: a check builds a
// control and a varied experiment and compares the two; verify rebuilds once and
// compares the rebuild with the published files. (The third kind, a check whose
// experiment alone failed, is bisected on the failure: see phases/bisect.ts.)
import type { PerSide, Verdict } from '../../reports/model.js';
import type { Side } from '../../variations/plan.js';
import type { SideBuild } from '../build/sides.js';
import type { Reference } from '../reference.js';

export type ReferenceKind = Readonly<{
  /** The source copies placed before the builds, one per workspace side that builds. */
  copies: readonly Side[];
  /** The builds, in order: each one's label (its log file and messages) and the plan it runs. */
  builds: readonly Readonly<{ label: SideBuild['label']; plan: Side }>[];
  /** Which result column each build fills: its index in `builds`, or null for none. */
  columns: PerSide<number | null>;
  /** Whether the sides differ: the effectiveness probe runs. */
  varies: boolean;
  /** Whether an experiment that alone failed is bisected on the failure. */
  bisectsFailures: boolean;
  verdicts: Readonly<{ same: Verdict; differs: Verdict }>;
  /** Why bisect did not run: when the run ends before the comparison, and when nothing differs. */
  notBisected: Readonly<{ beforeCompare: string; identical: string }>;
}>;

export const REFERENCE_KINDS: Readonly<Record<Reference['kind'], ReferenceKind>> = Object.freeze({
  experiment: {
    copies: ['control', 'experiment'],
    builds: [
      { label: 'control', plan: 'control' },
      { label: 'experiment', plan: 'experiment' },
    ],
    columns: { control: 0, experiment: 1 },
    varies: true,
    bisectsFailures: true,
    verdicts: { same: 'reproducible', differs: 'unreproducible' },
    notBisected: { beforeCompare: 'the builds did not both succeed', identical: 'no difference to explain' },
  },
  // The published files are the "control" column, the rebuild the "experiment".
  published: {
    copies: ['control'],
    builds: [{ label: 'rebuild', plan: 'control' }],
    columns: { control: null, experiment: 0 },
    varies: false,
    bisectsFailures: false,
    verdicts: { same: 'verified', differs: 'mismatch' },
    notBisected: { beforeCompare: 'verify rebuilds once', identical: 'verify rebuilds once' },
  },
});
