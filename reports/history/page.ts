// index.html of `report history`: one self-contained page (inline CSS and SVG,
// no script, no network): packages × recent runs, a colour and a letter per cell,
// regressions and fixes marked where they happened, flapping packages flagged,
// filters made of radio buttons and CSS. A pure view of the History; every
// outside string (package names, commands, links) is escaped.
import { anchorId, escapeHtml as e } from '../escape.js';
import { percent, renderShareChart, shareOf } from './chart.js';
import { ISSUES_STYLE, renderIssueTypes } from './issues.js';
import { GRID_STYLE, LETTERS, NO_RESULT, renderGrid, type GridCell, type GridHeading, type GridRow } from './grid.js';
import { passes, type History, type HistoryCell, type HistoryPackage, type HistoryRun } from './model.js';

export { LETTERS, NO_RESULT } from './grid.js';
export const MARKS = { regression: '↓', fix: '↑' } as const;

// Note: the filters hide rows by their own classes only (no :has(), no descendant
// chains through the cells), so a filter restyles 2,000 rows, not 120,000 cells.
const STYLE =
  `
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;padding:1em;color:#222}
h1{font-size:1.4em;margin:.2em 0}h2{border-top:1px solid #ccc;padding-top:.8em;font-size:1.15em}
code{font-family:ui-monospace,monospace;font-size:12px}.muted{color:#777}
.verdict-reproducible{color:#2e7d32}.verdict-unreproducible{color:#c62828}.verdict-error{color:#6a1b9a}
.filters{margin:.6em 0}.filters label{margin-right:1em;cursor:pointer}.filters input{margin-right:.3em}
${GRID_STYLE}${ISSUES_STYLE}
#f-failing:checked~main .p:not(.fail),#f-regressed:checked~main ` +
  `.p:not(.reg),#f-flapping:checked~main .p:not(.flap),#f-changed:checked~main ` +
  `.p:not(.chg){display:none}
`;

const LEGEND =
  `${Object.entries(LETTERS)
    .map(([verdict, { letter, css }]) => `<span class="${css}">&nbsp;${letter}&nbsp;</span> ${verdict}`)
    .join(' · ')} · <span class="n">&nbsp;${NO_RESULT}&nbsp;</span> no result in that run · ` +
  `<span class="u g">&nbsp;U${MARKS.regression}` +
  `</span> regression (passed in the package's previous run) · ` +
  `<span class="r x">&nbsp;R${MARKS.fix}</span> fix`;

const runLabel = (run: HistoryRun) => run.startedAt.slice(5, 16).replace('T', ' ');

function cell(
  pkg: HistoryPackage,
  run: HistoryRun,
  c: HistoryCell | null,
  titles: ReadonlyMap<string, string>,
): GridCell | null {
  if (c === null) return null;
  const target = run.report !== null ? `${run.report}#${anchorId(pkg.name)}` : c.diffoscope;
  return {
    look: LETTERS[c.verdict],
    mark: c.change ? MARKS[c.change] : '',
    extraCss: c.change === 'regression' ? 'g' : c.change === 'fix' ? 'x' : '',
    href: target,
    second:
      c.diffoscope !== null && run.report !== null && !passes(c.verdict) ? { text: '≠', href: c.diffoscope } : null,
    title: c.issues.length ? c.issues.map((id) => titles.get(id) ?? id).join('; ') : '',
  };
}

function row(pkg: HistoryPackage, runs: readonly HistoryRun[], titles: ReadonlyMap<string, string>): GridRow {
  const css = [
    'p',
    !passes(pkg.latest) && 'fail',
    pkg.regressions > 0 && 'reg',
    pkg.flapping && 'flap',
    pkg.changes > 0 && 'chg',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    id: `row-${anchorId(pkg.name)}`,
    css,
    name: pkg.name,
    flag: pkg.flapping ? 'flapping' : null,
    cells: pkg.cells.map((c, i) => cell(pkg, runs[i]!, c, titles)),
  };
}

const header = (run: HistoryRun): GridHeading => ({
  label: runLabel(run),
  title: `${run.startedAt} · ${run.command} · ${run.summary.reproducible}/${run.summary.total} reproducible`,
  href: run.report,
});

const nameList = (packages: readonly HistoryPackage[]) =>
  packages.map((p) => `<a href="#row-${anchorId(p.name)}"><code>${e(p.name)}</code></a>`).join(', ');

export function renderHistoryPage(history: History): string {
  const { runs, packages } = history;
  const titles = new Map(history.issueTypes.map((t) => [t.id, t.title]));
  const latest = runs.at(-1);
  const lastIndex = runs.length - 1;
  const count = (test: (p: HistoryPackage) => boolean) => packages.filter(test).length;
  const regressedLast = packages.filter((p) => p.cells[lastIndex]?.change === 'regression');
  const fixedLast = packages.filter((p) => p.cells[lastIndex]?.change === 'fix');
  const flapping = packages.filter((p) => p.flapping);
  const filter = (id: string, label: string, n: number, checked = false) =>
    `<input type="radio" name="show" id="f-${id}"${checked ? ' checked' : ''}><label for="f-${id}">${label} (${n})</label>`;
  const latestLine = latest
    ? `<p>Latest run ${e(latest.startedAt)}: <span ` +
      `class="verdict-reproducible">${latest.summary.reproducible}` +
      `/${latest.summary.total} reproducible (${percent(shareOf(latest))})</span>, ` +
      `<span class="verdict-unreproducible">${latest.summary.unreproducible} ` +
      `unreproducible</span>, <span class="verdict-error">${latest.summary.error} error` +
      `</span>${latest.report === null ? '' : ` · <a href="${e(latest.report)}">its report</a>`}</p>`
    : '';
  const notes = [
    regressedLast.length
      ? `<p class="verdict-unreproducible">Regressed in the latest run (${regressedLast.length}): ${nameList(regressedLast)}</p>`
      : '',
    fixedLast.length
      ? `<p class="verdict-reproducible">Fixed in the latest run (${fixedLast.length}): ${nameList(fixedLast)}</p>`
      : '',
    flapping.length
      ? `<p>Flapping (${flapping.length}; ${history.flapChanges} or more verdict changes in these runs): ${nameList(flapping)}</p>`
      : '',
  ].join('\n');
  return (
    `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>twinbuild history: ${packages.length} packages, ${runs.length} runs</title><style>${STYLE}</style></head>
<body>
<header><h1>twinbuild history</h1>
<p class="muted">${packages.length} package${packages.length === 1 ? '' : 's'} ` +
    `× ${runs.length} run${runs.length === 1 ? '' : 's'} (the latest ` +
    `${history.window} kept), oldest on the ` +
    `left${runs.length ? `: ${e(runs[0]!.startedAt)} → ${e(latest!.startedAt)}` : ''}</p>
${latestLine}
${notes}
<h2>Share of reproducible packages per run</h2>
${renderShareChart(runs)}
${renderIssueTypes(history)}
</header>
<h2>Every package in every run</h2>
<p class="muted legend">${LEGEND}. A cell links to that run's report; ≠ to its ` +
    `diffoscope page. A column heading links to the run's report. A package flagged ` +
    `flapping changed its verdict ${history.flapChanges} or more times in these runs.</p>
<div class="filters">${filter('all', 'all', packages.length, true)}${filter(
      'failing',
      'not passing now',
      count((p) => !passes(p.latest)),
    )}${filter(
      'regressed',
      'regressed',
      count((p) => p.regressions > 0),
    )}${filter('flapping', 'flapping', flapping.length)}${filter(
      'changed',
      'changed',
      count((p) => p.changes > 0),
    )}
<main>
${renderGrid(
  runs.map(header),
  packages.map((p) => row(p, runs, titles)),
)}
</main></div>
</body></html>
`
  );
}
