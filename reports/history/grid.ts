// The grid both the history page and the rebuilder's status page draw: one row
// per package, a colour and a letter per cell (so it reads without colour), split
// into blocks of rows that Chromium lays out only when they scroll into view.
// Every string that reaches it from outside is escaped here.
import { escapeHtml as e } from '../escape.js';
import type { Verdict } from '../model.js';

export type CellLook = Readonly<{ letter: string; css: string }>;

// Note: one letter and one class per verdict; the class is all the colour a cell carries.
export const LETTERS: Readonly<Record<Verdict, CellLook>> = {
  reproducible: { letter: 'R', css: 'r' },
  verified: { letter: 'V', css: 'r' },
  unreproducible: { letter: 'U', css: 'u' },
  mismatch: { letter: 'M', css: 'u' },
  error: { letter: 'E', css: 'e' },
};
export const PENDING: CellLook = { letter: 'P', css: 'n' };
export const NO_RESULT = '·';
/** Rows per block: each block is its own fixed-layout table, skipped by layout while off screen. */
export const BLOCK_ROWS = 100;
const ROW_PX = 18;
const NAME_EM = 22;
const CELL_EM = 2.2;

// Note: a fixed table layout (widths from the first row) and `content-visibility:
// auto` per block keep Chromium from styling and laying out 120,000 cells before
// the first paint; plain class selectors keep restyles cheap (bench/history-scale.mjs).
export const GRID_STYLE = `
.grid{border-collapse:collapse;font:12px/1.2 ui-monospace,monospace;table-layout:fixed}
.grid td,.grid th{border:1px solid #fff;padding:0;text-align:center;width:${CELL_EM}em;height:${ROW_PX - 1}px;overflow:hidden;white-space:nowrap}
.grid thead th{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;padding:.2em 0;height:auto}
.grid th.name{width:${NAME_EM}em;text-align:left;padding:0 .6em 0 0;overflow-wrap:anywhere;white-space:normal;font-weight:normal;writing-mode:horizontal-tb;transform:none}
.grid a{color:inherit;text-decoration:none}.grid .d{font-size:10px}
.blk{content-visibility:auto}
.r{background:#c8e6c9;color:#1b5e20}.u{background:#ffcdd2;color:#b71c1c}.e{background:#e1bee7;color:#4a148c}.n{background:#f4f4f4;color:#888}
.g{box-shadow:inset 3px 0 #b71c1c;font-weight:700}.x{box-shadow:inset 3px 0 #1b5e20;font-weight:700}
.flag{font:11px system-ui,sans-serif;background:#fff3cd;color:#6d5200;border:1px solid #e0c36a;border-radius:3px;padding:0 .3em;margin-left:.4em}
`;

/** One cell: its look, an optional mark after the letter, where the letter links to, and an optional second link (≠). */
export type GridCell = Readonly<{ look: CellLook; mark?: string; extraCss?: string; href?: string | null; second?: Readonly<{ text: string; href: string }> | null; title?: string }>;

/** A column heading: its text, an optional tooltip and link. */
export type GridHeading = Readonly<{ label: string; title?: string; href?: string | null }>;

export type GridRow = Readonly<{ id: string; css: string; name: string; flag?: string | null; cells: readonly (GridCell | null)[] }>;

// One <td>, and an <a> only where the cell has somewhere to go.
export function gridCell(cell: GridCell | null): string {
  if (cell === null) return `<td class="n">${NO_RESULT}</td>`;
  const text = `${e(cell.look.letter)}${cell.mark ? e(cell.mark) : ''}`;
  const main = cell.href ? `<a href="${e(cell.href)}">${text}</a>` : text;
  const second = cell.second ? `<a class="d" href="${e(cell.second.href)}">${e(cell.second.text)}</a>` : '';
  const title = cell.title ? ` title="${e(cell.title)}"` : '';
  return `<td class="${cell.look.css}${cell.extraCss ? ` ${cell.extraCss}` : ''}"${title}>${main}${second}</td>`;
}

function gridRow(row: GridRow): string {
  const flag = row.flag ? `<span class="flag">${e(row.flag)}</span>` : '';
  return `<tr class="${row.css}" id="${e(row.id)}"><th class="name" scope="row">${e(row.name)}${flag}</th>${row.cells.map(gridCell).join('')}</tr>`;
}

const heading = (h: GridHeading) =>
  `<th scope="col"${h.title ? ` title="${e(h.title)}"` : ''}>${h.href ? `<a href="${e(h.href)}">${e(h.label)}</a>` : e(h.label)}</th>`;

// The heading table, then the rows in blocks of BLOCK_ROWS, each its own table of the same fixed widths.
export function renderGrid(headings: readonly GridHeading[], rows: readonly GridRow[], nameHeading = 'package'): string {
  const columns = Math.max(headings.length, ...rows.map((r) => r.cells.length));
  const width = `style="width:${NAME_EM + CELL_EM * columns + 1}em"`;
  const head = `<table class="grid" ${width}><thead><tr><th class="name" scope="col">${e(nameHeading)}</th>${headings.map(heading).join('')}</tr></thead></table>`;
  const blocks: string[] = [];
  for (let start = 0; start < rows.length; start += BLOCK_ROWS) {
    const slice = rows.slice(start, start + BLOCK_ROWS);
    blocks.push(`<div class="blk" style="contain-intrinsic-size:auto ${slice.length * ROW_PX}px"><table class="grid" ${width}><tbody>\n${slice.map(gridRow).join('\n')}\n</tbody></table></div>`);
  }
  return `${head}\n${blocks.join('\n')}`;
}
