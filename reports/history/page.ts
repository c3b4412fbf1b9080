// index.html of `report history`: one self-contained page (inline CSS and SVG,
// no script, no network): packages × recent runs, a colour and a letter per cell,
// regressions and fixes marked where they happened, flapping packages flagged,
// filters made of radio buttons and CSS. A pure view of the History; every
// outside string (package names, commands, links) is escaped.
import { anchorId, escapeHtml as e } from '../escape.js';
import type { Verdict } from '../model.js';
import { percent, renderShareChart, shareOf } from './chart.js';
import { passes, type History, type HistoryCell, type HistoryPackage, type HistoryRun } from './model.js';

// Note: short class names and no per-cell title keep 2,000 × 60 cells small, and a
// fixed table layout (widths from the heading row) keeps Chromium from measuring
// every cell before it can lay the grid out (bench/history-scale.mjs).
export const LETTERS: Readonly<Record<Verdict, { letter: string; css: string }>> = {
  reproducible: { letter: 'R', css: 'r' },
  verified: { letter: 'V', css: 'r' },
  unreproducible: { letter: 'U', css: 'u' },
  mismatch: { letter: 'M', css: 'u' },
  error: { letter: 'E', css: 'e' },
};
export const MARKS = { regression: '↓', fix: '↑' } as const;
export const NO_RESULT = '·';

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;padding:1em;color:#222}
h1{font-size:1.4em;margin:.2em 0}h2{border-top:1px solid #ccc;padding-top:.8em;font-size:1.15em}
code{font-family:ui-monospace,monospace;font-size:12px}.muted{color:#777}
.verdict-reproducible{color:#2e7d32}.verdict-unreproducible{color:#c62828}.verdict-error{color:#6a1b9a}
.filters{margin:.6em 0}.filters label{margin-right:1em;cursor:pointer}.filters input{margin-right:.3em}
table.grid{border-collapse:collapse;font:12px/1.2 ui-monospace,monospace;table-layout:fixed}
.grid td,.grid th{border:1px solid #fff;padding:0;text-align:center;min-width:1.5em;height:1.4em}
.grid thead th{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;padding:.2em 0;height:auto}
.grid thead th{width:2.2em}.grid th.name{width:22em;text-align:left;padding:0 .6em 0 0;overflow-wrap:anywhere;font-weight:normal;writing-mode:horizontal-tb;transform:none}
.grid a{color:inherit;text-decoration:none;display:inline-block;min-width:1.5em}.grid a.d{min-width:0;font-size:10px}
.r{background:#c8e6c9;color:#1b5e20}.u{background:#ffcdd2;color:#b71c1c}.e{background:#e1bee7;color:#4a148c}.n{background:#f4f4f4;color:#aaa}
.g{box-shadow:inset 3px 0 #b71c1c;font-weight:700}.x{box-shadow:inset 3px 0 #1b5e20;font-weight:700}
.flag{font:11px system-ui,sans-serif;background:#fff3cd;color:#6d5200;border:1px solid #e0c36a;border-radius:3px;padding:0 .3em;margin-left:.4em}
#f-failing:checked~main tr.p:not(.fail),#f-regressed:checked~main tr.p:not(.reg),#f-flapping:checked~main tr.p:not(.flap),#f-changed:checked~main tr.p:not(.chg){display:none}
`;

const LEGEND = `${Object.entries(LETTERS).map(([verdict, { letter, css }]) => `<span class="${css}">&nbsp;${letter}&nbsp;</span> ${verdict}`).join(' · ')} · <span class="n">&nbsp;${NO_RESULT}&nbsp;</span> no result in that run · <span class="u g">&nbsp;U${MARKS.regression}</span> regression (passed in the package's previous run) · <span class="r x">&nbsp;R${MARKS.fix}</span> fix`;

const runLabel = (run: HistoryRun) => run.startedAt.slice(5, 16).replace('T', ' ');

function cell(pkg: HistoryPackage, run: HistoryRun, c: HistoryCell | null): string {
  if (c === null) return `<td class="n">${NO_RESULT}</td>`;
  const { letter, css } = LETTERS[c.verdict];
  const mark = c.change ? MARKS[c.change] : '';
  const classes = c.change === 'regression' ? `${css} g` : c.change === 'fix' ? `${css} x` : css;
  const title = c.change ? ` title="${c.change}: ${c.verdict} on ${e(runLabel(run))}"` : '';
  const target = run.report !== null ? `${run.report}#${anchorId(pkg.name)}` : c.diffoscope;
  const text = `${letter}${mark}`;
  const main = target === null ? text : `<a href="${e(target)}">${text}</a>`;
  const diff = c.diffoscope !== null && run.report !== null && !passes(c.verdict) ? `<a class="d" href="${e(c.diffoscope)}" title="diffoscope">≠</a>` : '';
  return `<td class="${classes}"${title}>${main}${diff}</td>`;
}

function row(pkg: HistoryPackage, runs: readonly HistoryRun[]): string {
  const classes = ['p', !passes(pkg.latest) && 'fail', pkg.regressions > 0 && 'reg', pkg.flapping && 'flap', pkg.changes > 0 && 'chg'].filter(Boolean).join(' ');
  const flag = pkg.flapping ? `<span class="flag" title="${pkg.changes} verdict changes in these runs">flapping</span>` : '';
  return `<tr class="${classes}" id="row-${anchorId(pkg.name)}"><th class="name" scope="row">${e(pkg.name)}${flag}</th>${pkg.cells.map((c, i) => cell(pkg, runs[i]!, c)).join('')}</tr>`;
}

const header = (run: HistoryRun) => {
  const label = e(runLabel(run));
  const title = ` title="${e(run.startedAt)} · ${e(run.command)} · ${run.summary.reproducible}/${run.summary.total} reproducible"`;
  return `<th scope="col"${title}>${run.report === null ? label : `<a href="${e(run.report)}">${label}</a>`}</th>`;
};

const nameList = (packages: readonly HistoryPackage[]) =>
  packages.map((p) => `<a href="#row-${anchorId(p.name)}"><code>${e(p.name)}</code></a>`).join(', ');

export function renderHistoryPage(history: History): string {
  const { runs, packages } = history;
  const latest = runs.at(-1);
  const lastIndex = runs.length - 1;
  const count = (test: (p: HistoryPackage) => boolean) => packages.filter(test).length;
  const regressedLast = packages.filter((p) => p.cells[lastIndex]?.change === 'regression');
  const fixedLast = packages.filter((p) => p.cells[lastIndex]?.change === 'fix');
  const flapping = packages.filter((p) => p.flapping);
  const filter = (id: string, label: string, n: number, checked = false) =>
    `<input type="radio" name="show" id="f-${id}"${checked ? ' checked' : ''}><label for="f-${id}">${label} (${n})</label>`;
  const latestLine = latest
    ? `<p>Latest run ${e(latest.startedAt)}: <span class="verdict-reproducible">${latest.summary.reproducible}/${latest.summary.total} reproducible (${percent(shareOf(latest))})</span>, <span class="verdict-unreproducible">${latest.summary.unreproducible} unreproducible</span>, <span class="verdict-error">${latest.summary.error} error</span>${latest.report === null ? '' : ` · <a href="${e(latest.report)}">its report</a>`}</p>`
    : '';
  const notes = [
    regressedLast.length ? `<p class="verdict-unreproducible">Regressed in the latest run (${regressedLast.length}): ${nameList(regressedLast)}</p>` : '',
    fixedLast.length ? `<p class="verdict-reproducible">Fixed in the latest run (${fixedLast.length}): ${nameList(fixedLast)}</p>` : '',
    flapping.length ? `<p>Flapping (${flapping.length}; ${history.flapChanges} or more verdict changes in these runs): ${nameList(flapping)}</p>` : '',
  ].join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>twinbuild history: ${packages.length} packages, ${runs.length} runs</title><style>${STYLE}</style></head>
<body>
<header><h1>twinbuild history</h1>
<p class="muted">${packages.length} package${packages.length === 1 ? '' : 's'} × ${runs.length} run${runs.length === 1 ? '' : 's'} (the latest ${history.window} kept), oldest on the left${runs.length ? `: ${e(runs[0]!.startedAt)} → ${e(latest!.startedAt)}` : ''}</p>
${latestLine}
${notes}
<h2>Share of reproducible packages per run</h2>
${renderShareChart(runs)}
</header>
<h2>Every package in every run</h2>
<p class="muted legend">${LEGEND}. A cell links to that run's report; ≠ to its diffoscope page. A column heading links to the run's report.</p>
<div class="filters">${filter('all', 'all', packages.length, true)}${filter('failing', 'not passing now', count((p) => !passes(p.latest)))}${filter('regressed', 'regressed', count((p) => p.regressions > 0))}${filter('flapping', 'flapping', flapping.length)}${filter('changed', 'changed', count((p) => p.changes > 0))}
<main>
<table class="grid" style="width:${22 + 2.2 * runs.length + 1}em"><thead><tr><th class="name" scope="col">package</th>${runs.map(header).join('')}</tr></thead><tbody>
${packages.map((p) => row(p, runs)).join('\n')}
</tbody></table>
</main></div>
</body></html>
`;
}
