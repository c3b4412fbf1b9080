// The HTML report's diagnosis: a "How to fix" section first in each package that
// differs (one item per diagnosis: the fix, its link, where it was seen and the
// lines that matched), and, on the run's summary, how many packages show each
// issue type. Pure; every string escaped.
import { diagnosisWhere, undiagnosedLines } from './cause.js';
import { escapeHtml as e } from './escape.js';
import type { Diagnosis, PackageResult, RunResult } from './model.js';

const evidence = (d: Diagnosis) =>
  d.evidence
    .map(
      (x) =>
        `<pre class="evidence">${e(x.artifact)}${x.where.length ? ` › ${e(x.where.join(' › '))}` : ''}\n` +
        `${[...x.removed.map((l) => `- ${l}`), ...x.added.map((l) => `+ ${l}`)].map(e).join('\n')}</pre>`,
    )
    .join('');

const item = (d: Diagnosis) =>
  `<li><strong>${e(d.title)}</strong>: ${e(d.fix)}` +
  `${d.link ? ` <a href="${e(d.link)}">${e(d.link)}</a>` : ''}` +
  `<br><span class="muted">${e(diagnosisWhere(d))}</span>${evidence(d)}</li>`;

/** "How to fix", or nothing when the package has no diagnosis and nothing unclassified. */
export function fixSection(pkg: PackageResult): string {
  const others = undiagnosedLines(pkg);
  if (pkg.diagnoses.length === 0 && others.length === 0) return '';
  return (
    `<h3>How to fix</h3><ul class="diagnoses">${pkg.diagnoses.map(item).join('')}` +
    `${others.map((l) => `<li class="muted">${e(l)}</li>`).join('')}</ul>`
  );
}

/** Packages per issue type across a sweep, most first; nothing for one package (its own section says it) or none diagnosed. */
export function issueCounts(result: RunResult): string {
  if (result.packages.length <= 1) return '';
  const counts = new Map<string, { title: string; packages: number }>();
  for (const pkg of result.packages)
    for (const d of pkg.diagnoses) {
      const seen = counts.get(d.type) ?? { title: d.title, packages: 0 };
      counts.set(d.type, { ...seen, packages: seen.packages + 1 });
    }
  if (counts.size === 0) return '';
  const rows = [...counts]
    .sort((a, b) => b[1].packages - a[1].packages || a[0].localeCompare(b[0]))
    .map(([id, c]) => `<tr><td>${e(c.title)} <code>${e(id)}</code></td><td>${c.packages}</td></tr>`)
    .join('');
  const head = '<thead><tr><th>issue type</th><th>packages</th></tr></thead>';
  return `<h2>Issue types</h2><table class="issue-types">${head}<tbody>${rows}</tbody></table>`;
}
