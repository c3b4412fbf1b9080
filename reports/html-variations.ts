// The variations table of index.html. A check shows its one table; a sweep shows
// one table for the run (each variation's most common row) and, under each
// package, only the rows where that package differs from it.
import { escapeHtml as e } from './escape.js';
import type { PackageResult, RunResult, VariationResult } from './model.js';

const HEAD =
  '<thead><tr><th>variation</th><th>status</th><th>control</th><th>experiment</th><th>reason / note</th></tr></thead>';

// What the effectiveness probe saw on each side, channel by channel.
const observedNote = (v: VariationResult) =>
  v.observed
    ? `<div class="muted">seen: ${Object.keys(v.observed.control)
        .map(
          (c) =>
            `${e(c)} <code>${e(v.observed!.control[c] ?? '')}</code> → <code>${e(v.observed!.experiment[c] ?? '')}</code>`,
        )
        .join('; ')}</div>`
    : '';

type Row = Readonly<{ v: VariationResult; control: string; experiment: string }>;

const rowsOf = (pkg: PackageResult): Row[] =>
  pkg.variations.map((v) => ({
    v,
    control: pkg.builds.control?.values[v.name] ?? '',
    experiment: pkg.builds.experiment?.values[v.name] ?? '',
  }));

// What makes two packages' rows the same row (what the probe saw holds paths of each package: not compared).
const keyOf = (r: Row) =>
  JSON.stringify([r.v.name, r.v.status, r.v.requested, r.control, r.experiment, r.v.reason, r.v.note, r.v.limits]);

function rowHtml(r: Row, withObserved: boolean): string {
  const { v } = r;
  const status = v.status === 'skipped' ? `<span class="skipped">skipped</span>` : v.status;
  return (
    `<tr data-variation="${e(v.name)}"><td>${e(v.name)}</td>` +
    `<td>${status}${v.requested ? ' (requested)' : ''}</td><td><code>${e(r.control)}` +
    `</code></td><td><code>${e(r.experiment)}</code></td>` +
    `<td>${e(v.reason ?? v.note ?? '')}${withObserved ? observedNote(v) : ''}` +
    `${v.limits ? `<div class="muted">limit: ${e(v.limits)}</div>` : ''}</td></tr>`
  );
}

const table = (cls: string, rows: string) => `<table class="${cls}">${HEAD}<tbody>\n${rows}\n</tbody></table>`;

export type VariationTables = Readonly<{
  /** The run's one table (empty for a single package). */
  run: string;
  /** A package's own table (a check), or its rows that differ from the run's (a sweep). */
  forPackage: (pkg: PackageResult) => string;
}>;

// verify varies nothing: one line says so, not a "pinned" row per variation.
const VERIFY_ROW =
  `<tr><td colspan="5">nothing varied: verify rebuilds once with the control's ` +
  `settings, plus what the buildinfo pins (see above)</td></tr>`;

export function variationTables(result: RunResult): VariationTables {
  if (result.packages.some((p) => p.verify)) {
    return {
      run: '',
      forPackage: (pkg) => (pkg.verify ? `<h3>Variations</h3>\n${table('variations', VERIFY_ROW)}` : ''),
    };
  }
  const withVariations = result.packages.filter((p) => p.variations.length > 0);
  if (withVariations.length <= 1) {
    return {
      run: '',
      forPackage: (pkg) =>
        `<h3>Variations</h3>\n${table(
          'variations',
          rowsOf(pkg)
            .map((r) => rowHtml(r, true))
            .join('\n'),
        )}`,
    };
  }
  // Per variation, the row most packages share (first seen on a tie), in registry order.
  const counts = new Map<string, Map<string, { row: Row; n: number }>>();
  for (const pkg of withVariations) {
    for (const row of rowsOf(pkg)) {
      const byKey = counts.get(row.v.name) ?? new Map<string, { row: Row; n: number }>();
      const seen = byKey.get(keyOf(row)) ?? { row, n: 0 };
      byKey.set(keyOf(row), { row, n: seen.n + 1 });
      counts.set(row.v.name, byKey);
    }
  }
  const common = new Map(
    [...counts].map(([name, byKey]) => [name, [...byKey.values()].reduce((a, b) => (b.n > a.n ? b : a)).row]),
  );
  // Folded: the packages' sections (and their causes) come first on the page.
  const summary = `<summary><h2>Variations</h2> <span class="muted">(${common.size} rows; click to show)</span></summary>`;
  const run = `<details class="run-variations-box">${summary}
<p class="muted">For every package unless its own section lists it otherwise (what each build saw is in results.json).</p>
${table('variations run-variations', [...common.values()].map((r) => rowHtml(r, false)).join('\n'))}</details>`;
  const forPackage = (pkg: PackageResult) => {
    if (pkg.variations.length === 0) return '';
    const own = rowsOf(pkg).filter(
      (r) => common.get(r.v.name) === undefined || keyOf(common.get(r.v.name)!) !== keyOf(r),
    );
    if (own.length === 0) return '<p class="muted variations-same">Variations: as in the run\'s table.</p>';
    return (
      `<h3>Variations that differ from the run's table (${own.length})` +
      `</h3>\n${table('variations', own.map((r) => rowHtml(r, true)).join('\n'))}`
    );
  };
  return { run, forPackage };
}
