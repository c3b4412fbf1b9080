// Phase 3, prove: what the effectiveness probe saw decides which variations really
// were varied; the rest count as skipped, and bisect plans without them. A variation
// asked for by name that did not reach the build ends the run with an error.
import type { ErrorInfo } from '../../reports/model.js';
import type { PackageOptions } from '../options.js';
import type { Availability } from '../prepare/availability.js';
import {
  NOTHING_PROVED,
  withoutIneffective,
  type VariationObservation,
  type Verdicts,
} from '../prepare/effectiveness.js';
import { createPlanner, type Planner } from '../prepare/planning.js';
import { requestedMessage, type Prepared } from './prepare.js';
import type { Stage } from './stage.js';

export type Proved = Readonly<{
  /** What the probe saw, by variation, and which varied variations did not reach the build. */
  verdicts: Verdicts;
  /** Availability with each ineffective variation marked unavailable, its reason what the probe saw. */
  availability: readonly Availability[];
  /** The plans for probe builds: re-planned without the ineffective variations. */
  planner: Planner;
}>;

const NOT_OBSERVED = '(not observed)';
const sideUnseen = (seen: VariationObservation | undefined) =>
  seen !== undefined &&
  (Object.values(seen.control).every((v) => v === NOT_OBSERVED) ||
    Object.values(seen.experiment).every((v) => v === NOT_OBSERVED));

// Note: a build that failed before its probe ran (a timeout, a sandbox that did not
// start) saw nothing: its variations are not judged, and that is said once, not as
// a "could not be observed" for each.
export async function prove(
  { options, deps, workspace }: Stage,
  prepared: Prepared,
  buildFailed: boolean,
): Promise<Proved> {
  const judged = prepared.probe ? await prepared.probe.finish() : NOTHING_PROVED;
  const unseen = buildFailed ? judged.ineffective.filter((i) => sideUnseen(judged.observed.get(i.name))) : [];
  const verdicts = { ...judged, ineffective: judged.ineffective.filter((i) => !unseen.includes(i)) };
  if (unseen.length > 0)
    deps.progress({
      kind: 'note',
      message: `a build stopped before its probe ran, so whether ${
        unseen.length === 1 ? 'its variation' : `its ` + `${unseen.length} variations`
      } took effect is not known`,
    });
  const availability = withoutIneffective(prepared.availability, verdicts);
  for (const i of verdicts.ineffective) deps.progress({ kind: 'note', message: `${i.name} skipped: ${i.reason}` });
  const planner =
    verdicts.ineffective.length > 0 ? createPlanner(options, availability, prepared.host, workspace) : prepared.planned;
  return { verdicts, availability, planner };
}

/** The error for variations asked for by name that the probe found not effective; null when there are none. */
export function ineffectiveRequests(options: PackageOptions, verdicts: Verdicts): ErrorInfo | null {
  const ineffective = verdicts.ineffective.filter((i) => options.vary.explicit.includes(i.name));
  if (ineffective.length === 0) return null;
  const message = requestedMessage(
    'not effective here',
    ineffective.map((i) => ({ name: i.name, why: i.reason.replace(/^not effective here: /, '') })),
  );
  return { code: 'variation-unavailable', message };
}
