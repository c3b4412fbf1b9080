// The history page's issue types, as Debian's reproducible-builds issue pages
// show them: each known type the runs' diagnoses named, its fix and the page that
// explains it, how many packages showed it in these runs (and still do in their
// latest result), and which. Pure; every string escaped, links only http(s).
import { anchorId, escapeHtml as e } from '../escape.js';
import { issueCounts, type History, type IssueCount } from './model.js';

export const ISSUES_STYLE =
  `
.issue-types{border-collapse:collapse;margin:.4em 0}.issue-types th,.issue-types td{` +
  `border-bottom:1px solid #eee;padding:.3em .6em;text-align:left;vertical-align:top}
.issue-types td.n{text-align:right;font-variant-numeric:tabular-nums}.issue-types .fix{color:#555;font-size:12px}
.issue-types .gone{text-decoration:line-through;color:#777}
`;

const docLink = (link: string | null) =>
  link !== null && /^https?:\/\//i.test(link) ? ` <a class="doc" href="${e(link)}">how to fix</a>` : '';

const packageLink = (name: string, now: boolean) =>
  `<a href="#row-${anchorId(name)}"${now ? '' : ' class="gone" title="not in its latest result"'}><code>${e(name)}</code></a>`;

const row = (c: IssueCount) => {
  const now = new Set(c.now);
  return (
    `<tr id="issue-${anchorId(c.type.id)}"><td><strong>${e(c.type.title)}</strong> <code>${e(c.type.id)}</code>` +
    `${docLink(c.type.link)}<div class="fix">${e(c.type.fix)}</div></td>` +
    `<td class="n">${c.packages.length}</td><td class="n">${c.now.length}</td>` +
    `<td>${c.packages.map((name) => packageLink(name, now.has(name))).join(', ')}</td></tr>`
  );
};

/** The section, or a line saying why there is none. */
export function renderIssueTypes(history: History): string {
  const counts = issueCounts(history);
  const older = history.runs.filter((r) => !r.diagnosed).length;
  const olderNote =
    older === 0
      ? ''
      : `<p class="muted">${older} of ${history.runs.length} run${history.runs.length === 1 ? '' : 's'} ` +
        `carr${older === 1 ? 'ies' : 'y'} no diagnoses (written by an older twinbuild; ` +
        '<code>twinbuild explain RESULTS.json</code> adds them).</p>';
  if (counts.length === 0)
    return `<h2>Issue types</h2>\n<p class="muted">No known issue type was diagnosed in these runs.</p>${olderNote}`;
  return (
    `<h2>Issue types</h2>\n<p class="muted">Packages per known issue type across these ${history.runs.length} ` +
    `run${history.runs.length === 1 ? '' : 's'}; a package struck through no longer shows it in its latest result.</p>` +
    `${olderNote}\n<table class="issue-types"><thead><tr><th>issue type and fix</th><th>packages</th>` +
    `<th>in the latest result</th><th>which</th></tr></thead><tbody>\n${counts.map(row).join('\n')}\n</tbody></table>`
  );
}
