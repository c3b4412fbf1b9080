// Progress on stderr while work runs: one live line on a TTY, plain lines in CI logs.
import type { BuildLabel, ProgressEvent, ProgressSink } from '../core/events.js';
import { printable } from './escape.js';

const buildName = (label: BuildLabel) => (label === 'rebuild' ? 'rebuild' : `${label} build`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

const FORMAT: { [K in ProgressEvent['kind']]: (event: Extract<ProgressEvent, { kind: K }>) => string } = {
  phase: (e) =>
    ({
      prepare: 'checking variations and copying the source',
      build: 'building',
      compare: 'comparing artifacts',
      bisect: 'bisecting: probing subsets of the variations',
      diffoscope: 'explaining differences (diffoscope)',
      cleanup: 'cleaning up',
    })[e.phase],
  'build-started': (e) => `${buildName(e.side)} started`,
  // A build killed by Ctrl-C did not finish, whatever its exit status says.
  'build-finished': (e) =>
    e.interrupted
      ? `${buildName(e.side)} stopped (interrupted) after ${seconds(e.durationMs)}`
      : `${buildName(e.side)} ${e.ok ? 'finished' : 'FAILED'} in ${seconds(e.durationMs)}`,
  'probe-finished': (e) =>
    `probe ${e.id} (${e.variations.join(', ') || 'nothing varied'}): ${e.status} in ${seconds(e.durationMs)}`,
  // A note may quote a build (what a variation's probe observed): escaped like every report line.
  note: (e) => printable(e.message),
};

export type ConsoleProgress = Readonly<{ sink: ProgressSink; stop: () => void }>;

/** dumbTerminal: TERM=dumb (Emacs shells, some CI consoles) cannot erase a line: plain lines as in a log. */
export function consoleProgress(
  stream: NodeJS.WriteStream,
  quiet: boolean,
  terminal: Readonly<{ dumb: boolean }> = { dumb: false },
): ConsoleProgress {
  if (quiet) return { sink: () => {}, stop: () => {} };
  const started = performance.now();
  const format = (e: ProgressEvent) => (FORMAT[e.kind] as (x: ProgressEvent) => string)(e);
  if (!stream.isTTY || terminal.dumb) return { sink: (e) => stream.write(`twinbuild: ${format(e)}\n`), stop: () => {} };
  let current = '';
  const draw = () => stream.write(`\r\x1b[2K${current} ${seconds(performance.now() - started)}`);
  const ticker = setInterval(draw, 250);
  ticker.unref();
  return {
    sink: (e) => {
      if (e.kind === 'note' || e.kind === 'build-finished' || e.kind === 'probe-finished')
        stream.write(`\r\x1b[2K${format(e)}\n`);
      else if (e.kind === 'phase') current = format(e) + '…';
      draw();
    },
    stop: () => {
      clearInterval(ticker);
      stream.write('\r\x1b[2K');
    },
  };
}
