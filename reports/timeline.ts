// An inline SVG timeline of one check: its phases one after the other, and each
// build's own start and duration, so a reader sees where the time went and that
// the two builds overlapped. Phases that overlap (bisect, diffoscope) are
// drawn one after the other there; the build and probe rows are to scale.
import { escapeHtml as e } from './escape.js';
import type { PackageResult } from './model.js';

const WIDTH = 760;
const LABEL = 110;
const ROW = 22;
const COLOURS: Readonly<Record<string, string>> = { prepare: '#90a4ae', build: '#42a5f5', compare: '#66bb6a', diffoscope: '#ffa726', control: '#1e88e5', experiment: '#8e24aa', bisect: '#ab47bc', probe: '#b0bec5' };

type Bar = Readonly<{ row: string; label: string; start: number; duration: number; colour: string }>;

export function timelineBars(pkg: PackageResult): Bar[] {
  let at = 0;
  const phases = Object.entries(pkg.timings).map(([phase, ms]) => {
    const bar = { row: 'phases', label: phase, start: at, duration: ms, colour: COLOURS[phase] ?? '#bbb' };
    at += ms;
    return bar;
  });
  const builds = (['control', 'experiment'] as const).flatMap((side) => {
    const build = pkg.builds[side];
    return build ? [{ row: side, label: `${side} build`, start: build.startMs, duration: build.durationMs, colour: COLOURS[side]! }] : [];
  });
  // Parallel probes go in lanes, so bars never hide each other.
  const laneEnds: number[] = [];
  const probes = [...pkg.bisect.probes].sort((a, b) => a.startMs - b.startMs).map((p) => {
    let lane = laneEnds.findIndex((end) => end <= p.startMs);
    if (lane < 0) lane = laneEnds.push(0) - 1;
    laneEnds[lane] = p.startMs + p.durationMs;
    return { p, lane };
  }).map(({ p, lane }) => ({
    row: `probes ${lane + 1}`,
    label: `probe ${p.id} (${p.variations.join(', ') || 'nothing varied'}): ${p.status}`,
    start: p.startMs,
    duration: p.durationMs,
    colour: COLOURS[p.status === 'differs' ? 'experiment' : 'probe']!,
  }));
  return [...phases, ...builds, ...probes];
}

export function renderTimeline(pkg: PackageResult): string {
  const bars = timelineBars(pkg);
  if (bars.length === 0) return '<p class="muted">no timings</p>';
  const rows = [...new Set(bars.map((b) => b.row))];
  const end = Math.max(1, ...bars.map((b) => b.start + b.duration));
  const x = (ms: number) => LABEL + (ms / end) * (WIDTH - LABEL - 10);
  const height = rows.length * ROW + 24;
  const rects = bars
    .map((b) => {
      const y = rows.indexOf(b.row) * ROW + 4;
      const w = Math.max(1, x(b.start + b.duration) - x(b.start));
      return `<rect x="${x(b.start).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 8}" fill="${b.colour}"><title>${e(b.label)}: ${(b.start / 1000).toFixed(2)}s → ${((b.start + b.duration) / 1000).toFixed(2)}s</title></rect>`;
    })
    .join('');
  const labels = rows.map((r, i) => `<text x="4" y="${i * ROW + 16}">${e(r)}</text>`).join('');
  const axis = `<text x="${LABEL}" y="${height - 6}">0 s</text><text x="${WIDTH - 10}" y="${height - 6}" text-anchor="end">${(end / 1000).toFixed(2)} s</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="11" role="img" aria-label="timeline">${labels}${rects}${axis}</svg>`;
}
