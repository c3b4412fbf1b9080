// Phase 2, build: the reference kind's builds (a check's control and experiment
// at once, verify's one rebuild), each with the effectiveness probe in front.
import { buildSides, type BuiltSides, type SideBuild } from '../build/sides.js';
import type { Prepared } from './prepare.js';
import { throwIfInterrupted, timed, type Stage } from './stage.js';

export async function build(stage: Stage, prepared: Prepared): Promise<BuiltSides> {
  const { options, kind, deps, workspace, runStarted } = stage;
  const { planned, probe, isolation } = prepared;
  const sides: SideBuild[] = kind.builds.map(({ label, plan }) => ({
    label,
    plan: planned[plan],
    ...probe?.side(plan),
  }));
  deps.progress({ kind: 'phase', phase: 'build' });
  const { runner, signal, progress } = deps;
  const context = { options, workspace, isolation, runner, signal, progress, runStarted };
  const built = await timed(stage, 'build', () => buildSides(sides, context));
  throwIfInterrupted(deps.signal);
  return built;
}
