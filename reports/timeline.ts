// An inline SVG timeline of one check: each phase, each build and each probe drawn
// from its real start to its real end (all in ms after the check started), so a
// reader sees where the time went and what ran at once. Bars of one kind that
// overlap (diffoscope and bisect, parallel probes) go on rows of their own.
// Results written before phases recorded their starts (no phaseStarts) get their
// phases end to end, and the picture says so.
// Every kind of bar has its own colour and its own pattern, and a legend in
// words below the bars, so the picture reads without colour too.
import { anchorId, escapeHtml as e } from './escape.js';
import type { PackageResult, ProbeResult } from './model.js';

const WIDTH = 760;
const LABEL = 110;
const ROW = 22;
const LEGEND_COLUMNS = 4;
const LEGEND_ROW = 18;

type Pattern = 'solid' | 'stripes' | 'back-stripes' | 'horizontal' | 'vertical' | 'dots' | 'cross' | 'grid';

/** What a bar stands for: its words in the legend, its colour and its pattern. */
export type BarKind = Readonly<{ kind: string; label: string; colour: string; pattern: Pattern }>;

const KINDS: readonly BarKind[] = [
  { kind: 'prepare', label: 'prepare', colour: '#78909c', pattern: 'solid' },
  { kind: 'build', label: 'build phase', colour: '#1e88e5', pattern: 'horizontal' },
  { kind: 'compare', label: 'compare', colour: '#43a047', pattern: 'vertical' },
  { kind: 'diffoscope', label: 'diffoscope', colour: '#ef6c00', pattern: 'dots' },
  { kind: 'bisect', label: 'bisect phase', colour: '#8e24aa', pattern: 'back-stripes' },
  { kind: 'control', label: 'control build', colour: '#0d47a1', pattern: 'solid' },
  { kind: 'experiment', label: 'experiment build', colour: '#00897b', pattern: 'stripes' },
  { kind: 'probe-same', label: 'probe: same as control', colour: '#b0bec5', pattern: 'solid' },
  { kind: 'probe-differs', label: 'probe: differs', colour: '#c62828', pattern: 'cross' },
  { kind: 'probe-fails', label: 'probe: build fails', colour: '#6d4c41', pattern: 'grid' },
  { kind: 'probe-error', label: 'probe: error', colour: '#212121', pattern: 'solid' },
];
const OTHER: BarKind = { kind: 'other', label: 'other', colour: '#bdbdbd', pattern: 'solid' };
const kindOf = (kind: string) => KINDS.find((k) => k.kind === kind) ?? { ...OTHER, kind, label: kind };

export const BAR_KINDS = KINDS;

type Bar = Readonly<{ row: string; label: string; start: number; duration: number; kind: BarKind; name: string }>;

const probeKind = (p: ProbeResult) => kindOf(`probe-${p.status}`);

// Bars that overlap in time go to a new lane (row "NAME 2", "NAME 3"…), so none hides another.
function inLanes(name: string, bars: readonly Omit<Bar, 'row'>[]): Bar[] {
  const laneEnds: number[] = [];
  return [...bars]
    .sort((a, b) => a.start - b.start)
    .map((bar) => {
      let lane = laneEnds.findIndex((end) => end <= bar.start);
      if (lane < 0) lane = laneEnds.push(0) - 1;
      laneEnds[lane] = bar.start + bar.duration;
      return { ...bar, row: lane === 0 ? name : `${name} ${lane + 1}` };
    });
}

/** Whether the phases are drawn at their real starts (false: an older result, laid end to end). */
export const phasesToScale = (pkg: PackageResult) => pkg.phaseStarts !== null && pkg.phaseStarts !== undefined;

/** Each phase's start and length: its recorded start, or (an older result) where the one before ended. */
function phaseSpans(pkg: PackageResult): { phase: string; start: number; duration: number }[] {
  let at = 0;
  return Object.entries(pkg.timings).map(([phase, ms]) => {
    const start = pkg.phaseStarts?.[phase] ?? at;
    at = start + ms;
    return { phase, start, duration: ms };
  });
}

/**
 * How long the package's check took: the latest phase end, since diffoscope and bisect
 * run at once (an older result, with no starts, adds its phases up).
 */
export const checkDurationMs = (pkg: PackageResult): number =>
  Math.max(0, ...phaseSpans(pkg).map((p) => p.start + p.duration));

export function timelineBars(pkg: PackageResult): Bar[] {
  const phases = phaseSpans(pkg).map(({ phase, start, duration }) => ({
    label: phase,
    name: phase,
    start,
    duration,
    kind: kindOf(phase),
  }));
  const builds = (['control', 'experiment'] as const).flatMap((side) => {
    const build = pkg.builds[side];
    return build
      ? [
          {
            row: side,
            label: `${side} build`,
            name: side,
            start: build.startMs,
            duration: build.durationMs,
            kind: kindOf(side),
          },
        ]
      : [];
  });
  const probes = pkg.bisect.probes.map((p) => ({
    label: `probe ${p.id} (${p.variations.join(', ') || 'nothing varied'}): ${p.status}`,
    name: `probe ${p.id}`,
    start: p.startMs,
    duration: p.durationMs,
    kind: probeKind(p),
  }));
  return [...inLanes('phases', phases), ...builds, ...inLanes('probes', probes)];
}

// One <pattern> per kind: the kind's colour, drawn so it differs in shape from the others.
function patternDef(id: string, k: BarKind): string {
  const c = k.colour;
  const shape: Record<Pattern, string> = {
    solid: `<rect width="6" height="6" fill="${c}"/>`,
    stripes:
      `<rect width="6" height="6" fill="${c}" opacity=".35"/>` +
      `<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="${c}" stroke-width="1.6"/>`,
    'back-stripes':
      `<rect width="6" height="6" fill="${c}" opacity=".35"/>` +
      `<path d="M-1,5 l2,2 M0,0 l6,6 M5,-1 l2,2" stroke="${c}" stroke-width="1.6"/>`,
    horizontal: `<rect width="6" height="6" fill="${c}" opacity=".35"/><path d="M0,1.5 h6 M0,4.5 h6" stroke="${c}" stroke-width="1.4"/>`,
    vertical: `<rect width="6" height="6" fill="${c}" opacity=".35"/><path d="M1.5,0 v6 M4.5,0 v6" stroke="${c}" stroke-width="1.4"/>`,
    dots: `<rect width="6" height="6" fill="${c}" opacity=".35"/><circle cx="3" cy="3" r="1.6" fill="${c}"/>`,
    cross: `<rect width="6" height="6" fill="${c}" opacity=".35"/><path d="M0,0 l6,6 M6,0 l-6,6" stroke="${c}" stroke-width="1.4"/>`,
    grid: `<rect width="6" height="6" fill="${c}" opacity=".35"/><path d="M0,3 h6 M3,0 v6" stroke="${c}" stroke-width="1.6"/>`,
  };
  return (
    `<pattern id="${id}" data-kind="${e(k.kind)}" data-colour="${c}" width="6" ` +
    `height="6" patternUnits="userSpaceOnUse">${shape[k.pattern]}</pattern>`
  );
}

export function renderTimeline(pkg: PackageResult): string {
  const bars = timelineBars(pkg);
  if (bars.length === 0) return '<p class="muted">no timings</p>';
  const rows = [...new Set(bars.map((b) => b.row))];
  const kinds = [...new Map(bars.map((b) => [b.kind.kind, b.kind])).values()];
  // Pattern ids are per package: a sweep page holds many timelines.
  const idOf = (k: BarKind) => `${anchorId(pkg.name)}-${k.kind.replace(/[^a-z-]/g, '')}`;
  const end = Math.max(1, ...bars.map((b) => b.start + b.duration));
  const x = (ms: number) => LABEL + (ms / end) * (WIDTH - LABEL - 10);
  const barsHeight = rows.length * ROW + 24;
  const legendRows = Math.ceil(kinds.length / LEGEND_COLUMNS);
  const height = barsHeight + legendRows * LEGEND_ROW + 8;
  const rects = bars
    .map((b) => {
      const y = rows.indexOf(b.row) * ROW + 4;
      const w = Math.max(1, x(b.start + b.duration) - x(b.start));
      return (
        `<rect class="bar" data-kind="${e(b.kind.kind)}" data-name="${e(b.name)}" x="${x(b.start).toFixed(1)}" ` +
        `y="${y}" width="${w.toFixed(1)}" height="${ROW - 8}" fill="url(#${idOf(b.kind)}` +
        `)" stroke="${b.kind.colour}"><title>${e(b.kind.label)} — ${e(b.label)}: ` +
        `${(b.start / 1000).toFixed(2)}s → ${((b.start + b.duration) / 1000).toFixed(2)}s` +
        `</title></rect>`
      );
    })
    .join('');
  const labels = rows.map((r, i) => `<text x="4" y="${i * ROW + 16}">${e(r)}</text>`).join('');
  const axis =
    `<text class="axis-start" x="${LABEL}" y="${barsHeight - 6}">0 s</text>` +
    `<text class="axis-end" x="${WIDTH - 10}" y="${barsHeight - 6}" ` +
    `text-anchor="end">${(end / 1000).toFixed(2)} s</text>`;
  const column = (WIDTH - 8) / LEGEND_COLUMNS;
  const legend = kinds
    .map((k, i) => {
      const lx = 4 + (i % LEGEND_COLUMNS) * column;
      const ly = barsHeight + 4 + Math.floor(i / LEGEND_COLUMNS) * LEGEND_ROW;
      return (
        `<g class="legend-item" data-kind="${e(k.kind)}">` +
        `<rect x="${lx}" y="${ly}" width="24" height="12" fill="url(#${idOf(k)})" ` +
        `stroke="${k.colour}"/><text x="${lx + 30}" y="${ly + 10}">${e(k.label)}</text></g>`
      );
    })
    .join('');
  const defs = `<defs>${kinds.map((k) => patternDef(idOf(k), k)).join('')}</defs>`;
  const note = phasesToScale(pkg)
    ? ''
    : '<p class="muted timeline-note">phases drawn end to end: this result does not say when each ' +
      'started (written by an older twinbuild); builds and probes are at their real times</p>';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
    `font-family="sans-serif" font-size="11" role="img" aria-label="timeline">${defs}` +
    `${labels}${rects}${axis}<g class="legend" aria-label="legend">${legend}</g></svg>${note}`
  );
}
