// The share of reproducible packages in each run, as a small inline SVG line
// (no script, no fonts fetched): one point per run, its figures in a <title>.
import { escapeHtml as e } from '../escape.js';
import type { HistoryRun } from './model.js';

const WIDTH = 640;
const HEIGHT = 120;
const PAD = { left: 36, right: 8, top: 8, bottom: 18 };

export const shareOf = (run: HistoryRun) =>
  run.summary.total === 0 ? 0 : run.summary.reproducible / run.summary.total;
export const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

export function renderShareChart(runs: readonly HistoryRun[]): string {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (runs.length < 2 ? plotW / 2 : (plotW * i) / (runs.length - 1));
  const y = (share: number) => PAD.top + plotH * (1 - share);
  const points = runs.map((run, i) => `${x(i).toFixed(1)},${y(shareOf(run)).toFixed(1)}`);
  const dots = runs
    .map(
      (run, i) =>
        `<circle cx="${x(i).toFixed(1)}" cy="${y(shareOf(run)).toFixed(1)}" r="2.5">` +
        `<title>${e(run.startedAt)}: ${run.summary.reproducible}/${run.summary.total} ` +
        `reproducible (${percent(shareOf(run))})</title></circle>`,
    )
    .join('');
  const grid = [0, 0.5, 1]
    .map(
      (share) =>
        `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(share)}" ` +
        `y2="${y(share)}" stroke="#ddd"/><text x="${PAD.left - 4}" y="${y(share) + 4}" ` +
        `text-anchor="end">${share * 100}%</text>`,
    )
    .join('');
  const first = runs[0]?.startedAt.slice(0, 10) ?? '';
  const last = runs.at(-1)?.startedAt.slice(0, 10) ?? '';
  return (
    `<svg class="share" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ` +
    `${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="share of ` +
    `reproducible packages per run">
<g font-family="system-ui,sans-serif" font-size="10" fill="#555">${grid}` +
    `<text x="${PAD.left}" y="${HEIGHT - 4}">${e(first)}</text>` +
    `<text x="${WIDTH - PAD.right}" y="${HEIGHT - 4}" text-anchor="end">${e(last)}</text></g>
<polyline fill="none" stroke="#2e7d32" stroke-width="1.5" points="${points.join(' ')}"/><g fill="#2e7d32">${dots}</g></svg>`
  );
}
