// Phase 5, explain and bisect: diffoscope on the differing artifacts, the evidence
// its reports show, and bisect, at once. Bisect's no-variation probe starts while
// diffoscope runs; its suspects wait for the evidence.
import { BISECT_NOT_RUN, type DiffResult } from '../../reports/model.js';
import type { BisectOutcome, Explain } from '../bisect/bisect.js';
import type { SidesCompared } from '../compare/sides.js';
import { explainDifferences } from '../explain/diffoscope.js';
import { gatherEvidence } from '../explain/evidence.js';
import { bisect } from './bisect.js';
import type { Built } from './result.js';
import { throwIfInterrupted, timed, type Stage } from './stage.js';

export type Explained = Readonly<{ diffs: DiffResult[]; outcome: BisectOutcome }>;

export async function explainAndBisect(stage: Stage, built: Built, compared: SidesCompared): Promise<Explained> {
  const { options, deps } = stage;
  const { base } = built;
  const explain = explainer(stage, compared.dirs.control);
  const bisects = options.bisect && compared.bisectable;
  deps.progress({ kind: 'phase', phase: bisects ? 'bisect' : 'diffoscope' });
  const differing = compared.artifacts.filter((a) => a.status !== 'identical');
  const explained = timed(stage, 'diffoscope', () => explain(differing, compared.dirs.experiment, null));
  const evidence = explained.then((diffs) =>
    gatherEvidence(differing, diffs, {
      outDir: options.outDir,
      dirs: compared.dirs,
      varied: built.planner.varied,
      values: { control: base.builds.control?.values ?? {}, experiment: base.builds.experiment?.values ?? {} },
    }),
  );
  evidence.catch(() => {}); // awaited below; bisect may settle first
  const target = { difference: 'artifacts', controlDir: compared.dirs.control, differing, explain, evidence } as const;
  const [diffs, bisected, found] = await Promise.all([
    explained,
    bisects ? timed(stage, 'bisect', () => bisect(stage, built, target)) : null,
    evidence,
  ]);
  throwIfInterrupted(deps.signal);
  const outcome = bisected ?? {
    bisect: compared.bisectable ? BISECT_NOT_RUN('--no-bisect', found) : { ...base.bisect, evidence: found },
    culprits: [],
    nondeterministic: false,
  };
  return { diffs, outcome };
}

// diffoscope (or its fallback) between the control's tree and another; nothing with --no-diffoscope.
function explainer({ options, workspace, deps }: Stage, controlDir: string): Explain {
  return async (pairs, experimentDir, label) =>
    !options.diffoscope.enabled
      ? []
      : explainDifferences(
          pairs,
          {
            ...options.diffoscope,
            outDir: options.outDir,
            packageName: label ? `${options.name}/${label}` : options.name,
            dirs: { control: controlDir, experiment: experimentDir },
            root: workspace.root,
            jobs: options.jobs,
            signal: deps.signal,
            toolPath: options.toolPath,
            tempDir: options.tempDir,
          },
          deps.runner,
        );
}
