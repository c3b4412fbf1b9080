// A small SVG badge, "reproducible | 41/42", coloured by the worst verdict;
// "deterministic | 1/1" when the packages that passed varied nothing; for verify
// "verified | 1/1" or "mismatch | 1/2"; "reproducible | 2/2 (1 ignored)" when a
// pass needed the config's ignore rules.
import { isDeterminismCheck } from './cause.js';
import type { RunResult } from './model.js';
import { escapeHtml } from './escape.js';

const COLOURS = { good: '#2e7d32', bad: '#c62828', error: '#6a1b9a' } as const;

export function renderBadge(result: RunResult): string {
  const { total, reproducible, unreproducible } = result.summary;
  const colour = result.exitCode === 0 ? COLOURS.good : unreproducible > 0 ? COLOURS.bad : COLOURS.error;
  const deterministic = result.packages.filter(isDeterminismCheck).length;
  // verify's words: "verified 1/1", "mismatch 1/1"; a pass that needed ignore rules says how many.
  const mismatches = result.packages.filter((p) => p.verdict === 'mismatch').length;
  const known = result.packages.reduce((n, p) => n + (p.verdict === 'reproducible' ? p.knownDifferences : 0), 0);
  const label =
    result.command === 'verify'
      ? mismatches > 0
        ? 'mismatch'
        : 'verified'
      : deterministic > 0 && deterministic === reproducible
        ? 'deterministic'
        : 'reproducible';
  const value =
    `${result.command === 'verify' && mismatches > 0 ? mismatches : reproducible}` +
    `/${total}${known > 0 ? ` (${known} ignored)` : ''}`;
  // Widths approximated at 6.5 px per character of Verdana 11px.
  const lw = Math.round(label.length * 6.5 + 12);
  const vw = Math.round(value.length * 6.5 + 12);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${lw + vw}" height="20" role="img" aria-label="${label}: ${escapeHtml(value)}">
<title>${label}: ${escapeHtml(value)}</title>
<rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${vw}" height="20" fill="${colour}"/>
<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">
<text x="${lw / 2}" y="14">${label}</text><text x="${lw + vw / 2}" y="14">${escapeHtml(value)}</text>
</g></svg>`;
}
