// Progress events the engine emits; the console reporter has a formatter for every kind.
import type { Side } from '../variations/plan.js';

export type ProgressEvent =
  | Readonly<{ kind: 'phase'; phase: 'prepare' | 'build' | 'compare' | 'bisect' | 'diffoscope' | 'cleanup' }>
  | Readonly<{ kind: 'build-started'; side: Side }>
  | Readonly<{ kind: 'build-finished'; side: Side; ok: boolean; durationMs: number }>
  | Readonly<{ kind: 'probe-finished'; id: string; variations: readonly string[]; status: string; durationMs: number }>
  | Readonly<{ kind: 'note'; message: string }>;

export type ProgressSink = (event: ProgressEvent) => void;

export const silentProgress: ProgressSink = () => {};
