// Phase 4, compare: what was built against the reference (the experiment's tree,
// or the published files). A comparison that fails is an error verdict, not a throw.
import { isTwinbuildError } from '../../core/errors.js';
import type { ErrorInfo } from '../../reports/model.js';
import { compareSides, type SidesCompared } from '../compare/sides.js';
import { throwIfInterrupted, timed, type Stage } from './stage.js';

export type Compared = Readonly<{ sides: SidesCompared }> | Readonly<{ error: ErrorInfo }>;

export async function compare(stage: Stage): Promise<Compared> {
  const { options, reference, workspace, deps } = stage;
  deps.progress({ kind: 'phase', phase: 'compare' });
  let sides: SidesCompared;
  try {
    sides = await timed(stage, 'compare', () => compareSides(reference, options, workspace, deps.signal));
  } catch (cause) {
    throwIfInterrupted(deps.signal);
    const code = isTwinbuildError(cause) ? cause.code : 'compare-failed';
    return { error: { code, message: `comparison failed: ${(cause as Error).message}` } };
  }
  throwIfInterrupted(deps.signal);
  return { sides };
}
