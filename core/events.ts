// Progress events the engine emits; the console reporter has a formatter for every kind.
/** Which build: the two sides of a check, or verify's one rebuild. */
export type BuildLabel = 'control' | 'experiment' | 'rebuild';

export type ProgressEvent =
  | Readonly<{ kind: 'phase'; phase: 'prepare' | 'build' | 'compare' | 'bisect' | 'diffoscope' | 'cleanup' }>
  | Readonly<{ kind: 'build-started'; side: BuildLabel }>
  | Readonly<{ kind: 'build-finished'; side: BuildLabel; ok: boolean; durationMs: number; interrupted?: boolean }>
  | Readonly<{ kind: 'probe-finished'; id: string; variations: readonly string[]; status: string; durationMs: number }>
  | Readonly<{ kind: 'note'; message: string }>;

export type ProgressSink = (event: ProgressEvent) => void;
