// Turns the options and this machine's availability into the two build plans:
// every available variation is applied to both sides, varied only in the
// experiment and only when the --vary spec enables it (otherwise pinned).
import { REGISTRY } from '../../variations/index.js';
import { newPlan, type BuildPlan, type Side } from '../../variations/plan.js';
import { createRng } from '../../variations/rng.js';
import type { HostFacts } from '../../variations/types.js';
import type { PerSide, VariationResult } from '../../reports/model.js';
import type { Availability } from './availability.js';
import type { PackageOptions } from '../options.js';
import type { Workspace } from './workspace.js';

// FNV-1a, so each variation draws from its own stream derived from the seed.
function seedFor(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

/** The clean starting environment, the same on both sides. */
export function baseEnvironment(options: PackageOptions): Record<string, string> {
  return { PATH: options.toolPath, ...options.env };
}

export type Planner = Readonly<{
  /** Names varied in the experiment: available and enabled by --vary, in registry order. */
  varied: readonly string[];
  /**
   * One side's plan with exactly `varied` varied (the rest pinned), in the given workspace; `now` (seconds)
   * defaults to the clock; `slot` is which of the builds running at once this is (the control's 0 and the
   * experiment's 1 by default).
   */
  plan: (side: Side, varied: ReadonlySet<string>, workspace: Workspace, now?: number, slot?: number) => BuildPlan;
  control: BuildPlan;
  experiment: BuildPlan;
}>;

// Note: `now` is read when a plan is made, right before its build starts, so every
// build's faked clock starts at the same instant: a probe built a minute after the
// control (bisect) stamps what the control stamped, not a minute later. Not
// rounded: a fraction of a second would put one build's stamp in the next second.
export function createPlanner(
  options: PackageOptions,
  availability: readonly Availability[],
  host: HostFacts,
  workspace: Workspace,
): Planner {
  const available = new Set(availability.filter((a) => a.available).map((a) => a.name));
  // A pinned build path (verify) is where the build sees its tree; the workspace's build
  // dir is then only where its copy is mounted first (engine/build/build.ts).
  const buildDirOf = (ws: Workspace) => options.buildPath ?? ws.buildDir;
  const plan = (
    side: Side,
    varied: ReadonlySet<string>,
    ws: Workspace,
    now = Date.now() / 1000,
    slot = side === 'control' ? 0 : 1,
  ) =>
    REGISTRY.filter((v) => available.has(v.name)).reduce(
      (next, variation) =>
        variation.apply(
          next,
          {
            rng: createRng(seedFor(options.seed, variation.name)),
            options: options.vary.options[variation.name] ?? {},
            buildDir: buildDirOf(ws),
            altBuildDir: ws.altBuildDir,
            sideDir: ws.sideDir(side),
            scratchDir: ws.scratchDir,
            host,
            now,
            slot,
          },
          side === 'experiment' && varied.has(variation.name),
        ),
      newPlan(side, ['/bin/sh', '-c', options.build], baseEnvironment(options), buildDirOf(ws)),
    );
  const varied = REGISTRY.map((v) => v.name).filter(
    (name) => available.has(name) && options.vary.enabled.includes(name),
  );
  return {
    varied,
    plan,
    control: plan('control', new Set(), workspace),
    experiment: plan('experiment', new Set(varied), workspace),
  };
}

export function variationResults(
  options: PackageOptions,
  availability: readonly Availability[],
  observed: ReadonlyMap<string, PerSide<Readonly<Record<string, string>>>> = new Map(),
): VariationResult[] {
  return REGISTRY.map((variation) => {
    const a = availability.find((x) => x.name === variation.name);
    const enabled = options.vary.enabled.includes(variation.name);
    const status = !a?.available ? 'skipped' : enabled ? 'varied' : 'pinned';
    return {
      name: variation.name,
      status,
      requested: options.vary.explicit.includes(variation.name),
      reason: status === 'skipped' ? (a?.reason ?? 'unavailable') : status === 'pinned' ? 'not in --vary' : null,
      note: a?.note ?? null,
      limits: variation.limits ?? null,
      observed: observed.get(variation.name) ?? null,
    };
  });
}
