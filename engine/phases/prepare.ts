// Phase 1, prepare: the source copies, this machine's availability, the isolation,
// the plans and the effectiveness probe. Variations asked for by name that cannot
// be varied here stop the run before any build.
import { REGISTRY } from '../../variations/index.js';
import type { HostFacts } from '../../variations/types.js';
import { TwinbuildError } from '../../core/errors.js';
import type { Isolation } from '../build/build.js';
import type { NotCopied } from '../../reports/model.js';
import type { PackageOptions } from '../options.js';
import { checkVariations, type Availability } from '../prepare/availability.js';
import { startProbeRound, type ProbeRound } from '../prepare/effectiveness.js';
import { chooseIsolation } from '../prepare/isolation.js';
import { createPlanner, type Planner } from '../prepare/planning.js';
import { placeSource } from '../prepare/source.js';
import { timed, type Stage } from './stage.js';

export type Prepared = Readonly<{
  isolation: Isolation;
  availability: readonly Availability[];
  host: HostFacts;
  /** The plans from what is available before the builds (the probe may prove some variations ineffective). */
  planned: Planner;
  /** The effectiveness probe in front of each side's build; null when nothing is varied. */
  probe: ProbeRound | null;
  /** Special files in the source that no copy holds (the same for every side). */
  notCopied: readonly NotCopied[];
}>;

export async function prepare(stage: Stage): Promise<Prepared> {
  const { options, kind, deps, workspace } = stage;
  const checked = await timed(stage, 'prepare', () => placeAndCheck(stage));
  refuseUnavailableRequests(options, checked.availability);
  if (checked.isolation === 'sequential') {
    deps.progress({
      kind: 'note',
      message:
        'NOT SANDBOXED: no user namespaces or bubblewrap here; building one side after the other at the same path',
    });
  }
  const planned = createPlanner(options, checked.availability, checked.host, workspace);
  const probe = kind.varies
    ? await startProbeRound(planned, planned.varied, workspace, checked.isolation === 'namespaces')
    : null;
  return { ...checked, planned, probe };
}

// The namespace probe, the availability checks and the source copies, all at once.
async function placeAndCheck({ options, kind, deps, workspace }: Stage) {
  const isolation = chooseIsolation(options, deps.runner);
  const copies = Promise.all(
    kind.copies.map((side) =>
      placeSource(options, workspace.sideDir(side), deps.runner, [options.outDir, workspace.root], deps.signal),
    ),
  );
  const [checked, chosen, skipped] = await Promise.all([
    checkVariations(
      REGISTRY,
      deps.runner,
      workspace.scratchDir,
      isolation.then((i) => i === 'namespaces'),
      options.toolPath,
      options.cacheDir ?? null,
    ),
    isolation,
    copies,
  ]);
  return { ...checked, isolation: chosen, notCopied: skipped[0] ?? [] };
}

// One wording for variations asked for by name that cannot be varied here, before the builds or after the probe.
export const requestedMessage = (state: string, items: readonly Readonly<{ name: string; why: string }>[]) =>
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
