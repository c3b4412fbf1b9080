// What every phase of one package's run shares, and two habits they all keep:
// each phase's time lands in `timings`, and an abort seen after an await ends the run.
import type { ProgressSink } from '../../core/events.js';
import { TwinbuildError } from '../../core/errors.js';
import type { ProcessRunner } from '../../adapters/process.js';
import type { PackageOptions } from '../options.js';
import type { Workspace } from '../prepare/workspace.js';
import type { Reference } from '../reference.js';
import { REFERENCE_KINDS, type ReferenceKind } from './reference-kinds.js';

export type PackageRun = Readonly<{ options: PackageOptions; reference: Reference }>;

export type EngineDeps = Readonly<{ runner: ProcessRunner; signal: AbortSignal; progress: ProgressSink }>;

export type Stage = Readonly<{
  options: PackageOptions;
  reference: Reference;
  /** What the reference's kind changes, as data. */
  kind: ReferenceKind;
  deps: EngineDeps;
  workspace: Workspace;
  /** performance.now() when the run started, for the timeline. */
  runStarted: number;
  /** Milliseconds per phase, set as each ends: the result holds this very object. */
  timings: Record<string, number>;
  /** When each phase started, in ms after runStarted, set as it starts (the result holds this very object too). */
  phaseStarts: Record<string, number>;
}>;

export const stageOf = (run: PackageRun, deps: EngineDeps, workspace: Workspace, runStarted: number): Stage => ({
  options: run.options,
  reference: run.reference,
  kind: REFERENCE_KINDS[run.reference.kind],
  deps,
  workspace,
  runStarted,
  timings: {},
  phaseStarts: {},
});

// Runs one phase's work and records when it started and how long it took, whether it settled or threw.
export async function timed<T>(stage: Stage, phase: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  stage.phaseStarts[phase] = Math.round(started - stage.runStarted);
  try {
    return await work();
  } finally {
    stage.timings[phase] = Math.round(performance.now() - started);
  }
}

// Note: called after an await, since the signal can abort during one.
export function throwIfInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new TwinbuildError('interrupted', 'interrupted');
}
