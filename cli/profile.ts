// `check --profile`: where the time of one check goes, step by step. Node's own
// start and the loading of the bundle (from the bin's marks), then every process
// twinbuild starts (recorded by a wrapper around the process runner) and each
// phase (from the progress events), as offsets from node's start, on stderr.
import { basename } from 'node:path';
import type { ProcessRunner } from '../adapters/process.js';
import type { ProgressSink } from '../core/events.js';

/** performance.now() marks of the start, from the bin (null when main was called otherwise). */
export type StartMarks = Readonly<{ loadStartedMs: number | null; mainStartedMs: number }>;

type Step = { label: string; startMs: number; durationMs: number | null };

export type Profile = Readonly<{
  runner: (inner: ProcessRunner) => ProcessRunner;
  progress: (inner: ProgressSink) => ProgressSink;
  /** A named step of the CLI's own (flags, reports), timed around `work`. */
  time: <T>(label: string, work: () => Promise<T>) => Promise<T>;
  render: () => string;
}>;

// A path shortened to its last part, so a line says which program and which side.
const word = (arg: string) => (arg.startsWith('/') ? basename(arg) : arg.length > 24 ? `${arg.slice(0, 21)}…` : arg);

/** A spawned command in a few words: the programs of its prefix chain and the first operands. */
export function describe(argv: readonly string[]): string {
  const words = argv.filter((a) => !a.startsWith('-') || a === '--').map(word);
  const line = words.join(' ').replace(/\s+/g, ' ');
  return line.length > 72 ? `${line.slice(0, 71)}…` : line;
}

export function createProfile(marks: StartMarks): Profile {
  const steps: Step[] = [];
  if (marks.loadStartedMs !== null) {
    steps.push({ label: 'node start', startMs: 0, durationMs: marks.loadStartedMs });
    steps.push({
      label: 'module load',
      startMs: marks.loadStartedMs,
      durationMs: marks.mainStartedMs - marks.loadStartedMs,
    });
  } else steps.push({ label: 'node start and module load', startMs: 0, durationMs: marks.mainStartedMs });
  const open = (label: string) => {
    const step: Step = { label, startMs: performance.now(), durationMs: null };
    steps.push(step);
    return <T>(value: T): T => {
      step.durationMs = performance.now() - step.startMs;
      return value;
    };
  };
  let phase: ReturnType<typeof open> | null = null;
  const at = (label: string) => steps.push({ label, startMs: performance.now(), durationMs: null });
  return Object.freeze({
    runner: (inner: ProcessRunner): ProcessRunner =>
      Object.freeze<ProcessRunner>({
        run: (request) => {
          const done = open(`run: ${describe(request.argv)}`);
          return inner.run(request).then(done, (e: unknown) => done(Promise.reject(e)));
        },
        capture: (argv, options) => {
          const done = open(`capture: ${describe(argv)}`);
          return inner.capture(argv, options).then(done, (e: unknown) => done(Promise.reject(e)));
        },
        passthrough: (argv, env) => {
          const done = open(`passthrough: ${describe(argv)}`);
          return inner.passthrough(argv, env).then(done, (e: unknown) => done(Promise.reject(e)));
        },
      }),
    progress:
      (inner: ProgressSink): ProgressSink =>
      (event) => {
        if (event.kind === 'phase') {
          phase?.(undefined);
          phase = open(`phase ${event.phase}`);
        } else if (event.kind === 'build-started') at(`${event.side} build started`);
        else if (event.kind === 'build-finished')
          at(`${event.side} build finished (its command: ${event.durationMs} ms)`);
        inner(event);
      },
    time: async (label, work) => {
      phase?.(undefined);
      phase = null;
      const done = open(label);
      try {
        return await work();
      } finally {
        done(undefined);
      }
    },
    render: () => {
      phase?.(undefined);
      const end = performance.now();
      const rows = [...steps]
        .sort((a, b) => a.startMs - b.startMs)
        .map(
          (s) =>
            `${s.startMs.toFixed(0).padStart(8)} ${(s.durationMs === null ? '' : s.durationMs.toFixed(0)).padStart(7)}  ${s.label}`,
        );
      const own = process.cpuUsage();
      const cpuMs = (own.user + own.system) / 1000;
      return [
        `twinbuild profile: ms since node started (${end.toFixed(0)} ms in all; node's own CPU ${cpuMs.toFixed(0)} ms)`,
        `   start    took  step`,
        ...rows,
        '',
      ].join('\n');
    },
  });
}
