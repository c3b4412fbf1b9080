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

// Note: one element per cell (the link itself, or a span where there is nothing
// to link or two links), rows as flex boxes of fixed widths, and `content-visibility:
// auto` per block of rows keep Chromium from building, styling and laying out
// 120,000 table cells before the load event; plain class selectors keep restyles
// cheap (bench/history-scale.mjs, bench/RESULTS.md).
export const GRID_STYLE =
  `
.grid{font:12px/${ROW_PX - 1}px ui-monospace,monospace}
.grid .p,.grid .hd{display:flex;align-items:stretch}.grid .p{height:${ROW_PX}px}
.grid .name{flex:none;display:flex;width:${NAME_EM}em;padding-right:.6em;box-sizing:border-box;white-space:nowrap}
.grid .nm{overflow:hidden;text-overflow:ellipsis}.grid .flag{flex:none}
.grid .c{flex:none;width:${CELL_EM}em;box-sizing:border-box;border:1px solid ` +
  `#fff;text-align:center;overflow:hidden;white-space:nowrap;text-decoration:none}
.grid .c a{color:inherit;text-decoration:none}.grid .d{font-size:10px}
.grid .hd .c{writing-mode:vertical-rl;transform:rotate(180deg);padding:.2em 0;color:inherit}.grid .hd .name{align-self:end}
.blk{content-visibility:auto}
.r{background:#c8e6c9;color:#1b5e20}.u{background:#ffcdd2;color:#b71c1c}` +
  `.e{background:#e1bee7;color:#4a148c}.n{background:#f4f4f4;color:#888}
.g{box-shadow:inset 3px 0 #b71c1c;font-weight:700}.x{box-shadow:inset 3px 0 #1b5e20;font-weight:700}
.flag{font:11px system-ui,sans-serif;background:#fff3cd;color:#6d5200;` +
  `border:1px solid #e0c36a;border-radius:3px;padding:0 .3em;margin-left:.4em}
`;

/** One cell: its look, an optional mark after the letter, where the letter links to, and an optional second link (≠). */
export type GridCell = Readonly<{
  look: CellLook;
  mark?: string;
  extraCss?: string;
  href?: string | null;
  second?: Readonly<{ text: string; href: string }> | null;
  title?: string;
}>;

/** A column heading: its text, an optional tooltip and link. */
export type GridHeading = Readonly<{ label: string; title?: string; href?: string | null }>;

export type GridRow = Readonly<{
  id: string;
  css: string;
  name: string;
  flag?: string | null;
  cells: readonly (GridCell | null)[];
}>;

// One element: the link itself, or a span where there is no link or there are two (the letter's and ≠).
export function gridCell(cell: GridCell | null): string {
  if (cell === null) return `<span class="c n">${NO_RESULT}</span>`;
  const text = `${e(cell.look.letter)}${cell.mark ? e(cell.mark) : ''}`;
  const css = `c ${cell.look.css}${cell.extraCss ? ` ${cell.extraCss}` : ''}`;
  const title = cell.title ? ` title="${e(cell.title)}"` : '';
  if (cell.href && !cell.second) return `<a class="${css}"${title} href="${e(cell.href)}">${text}</a>`;
  const main = cell.href ? `<a href="${e(cell.href)}">${text}</a>` : text;
  const second = cell.second ? `<a class="d" href="${e(cell.second.href)}">${e(cell.second.text)}</a>` : '';
  return `<span class="${css}"${title}>${main}${second}</span>`;
}

function gridRow(row: GridRow): string {
  const flag = row.flag ? `<span class="flag">${e(row.flag)}</span>` : '';
  return (
    `<div class="${row.css}" id="${e(row.id)}"><span class="name">` +
    `<span class="nm" title="${e(row.name)}">${e(row.name)}</span>${flag}` +
    `</span>${row.cells.map(gridCell).join('')}</div>`
  );
}

const heading = (h: GridHeading) => {
  const title = h.title ? ` title="${e(h.title)}"` : '';
  return h.href
    ? `<a class="c"${title} href="${e(h.href)}">${e(h.label)}</a>`
    : `<span class="c"${title}>${e(h.label)}</span>`;
};

// The heading row, then the rows in blocks of BLOCK_ROWS, each skipped by layout while off screen.
export function renderGrid(
  headings: readonly GridHeading[],
  rows: readonly GridRow[],
  nameHeading = 'package',
): string {
  const columns = Math.max(headings.length, ...rows.map((r) => r.cells.length));
  const width = `style="width:${NAME_EM + CELL_EM * columns + 1}em"`;
  const blocks: string[] = [];
  for (let start = 0; start < rows.length; start += BLOCK_ROWS) {
    const slice = rows.slice(start, start + BLOCK_ROWS);
    blocks.push(
      `<div class="blk" style="contain-intrinsic-size:auto ${slice.length * ROW_PX}px">\n${slice.map(gridRow).join('\n')}\n</div>`,
    );
  }
  return (
    `<div class="grid" ${width}><div class="hd"><span class="name">${e(nameHeading)}` +
    `</span>${headings.map(heading).join('')}</div>\n${blocks.join('\n')}\n</div>`
  );
}
