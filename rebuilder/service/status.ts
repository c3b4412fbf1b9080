// The public status of the service: status.json and a static index.html (the
// reports' look), per repository and package: versions, verdicts, attempts,
// published links and the report of the last attempt (diffoscope pages for a
// mismatch). Above each repository's table, the history page's grid: a package
// per row, its versions oldest first, a letter and a colour per verdict. Every
// string from a repository is escaped.
import { relative } from 'node:path';
import { STYLE } from '../../reports/html.js';
import { anchorId, escapeHtml as e, pathHref } from '../../reports/escape.js';
import { GRID_STYLE, LETTERS, PENDING, renderGrid, type CellLook, type GridRow } from '../../reports/history/grid.js';
import { renderFleetHtml, type Fleet } from './fleet.js';
import type { Job, Poll } from './state.js';

export type StatusVersion = Readonly<{
  version: string;
  status: Job['status'];
  attempts: number;
  lastAttempt: string | null;
  finished: string | null;
  lastError: string | null;
  links: readonly string[];
  report: string | null;
  binaries: readonly string[];
  /** When a poll first found this version gone from its repository (its links stay), or null. */
  removed: string | null;
  /** Set while the repository lists other files or hashes for this verified version than were verified. */
  alert: string | null;
}>;

export type Status = Readonly<{
  schema: 'twinbuild/rebuilder-status@1';
  generatedAt: string;
  /** The queue's depth, the workers and what they build, rebuilds ended per hour and day. */
  fleet: Fleet;
  repositories: readonly Readonly<{
    name: string;
    /** false: the config trusts this repository unsigned ("unsigned": true). */
    signed: boolean;
    lastPoll: Readonly<{
      at: string;
      ok: boolean;
      jobs: number;
      error: string | null;
      /** Entries of its indexes that poll refused, each with its reason. */
      refused: readonly string[];
    }> | null;
    packages: readonly Readonly<{ source: string; versions: readonly StatusVersion[] }>[];
  }>[];
}>;

/** A fleet with nothing in it (a status built from jobs alone). */
export const NO_FLEET: Fleet = {
  queue: { queued: 0, due: 0, running: 0, reported: 0, publishing: 0 },
  workers: [],
  throughput: { lastHour: 0, lastDay: 0 },
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function buildStatus(
  jobs: readonly Job[],
  polls: readonly Poll[],
  repositories: readonly Readonly<{ name: string; signed: boolean }>[],
  publish: string,
  now: number,
  fleet: Fleet = NO_FLEET,
): Status {
  return {
    schema: 'twinbuild/rebuilder-status@1',
    generatedAt: new Date(now).toISOString(),
    fleet,
    repositories: repositories.map(({ name, signed }) => {
      const poll = polls.find((p) => p.repository === name);
      const mine = jobs.filter((j) => j.repository === name);
      const sources = [...new Set(mine.map((j) => j.source))].sort();
      return {
        name,
        signed,
        lastPoll: poll
          ? { at: iso(poll.at)!, ok: poll.ok, jobs: poll.jobs, error: poll.error, refused: poll.refused }
          : null,
        packages: sources.map((source) => ({
          source,
          versions: mine
            .filter((j) => j.source === source)
            .map((j) => ({
              version: j.version,
              status: j.status,
              attempts: j.attempts,
              lastAttempt: j.attempts > 0 ? iso(j.updatedAt) : null,
              finished: iso(j.finishedAt),
              lastError: j.lastError,
              links: j.published.filter((p) => p.endsWith('/metadata')),
              report: j.reportDir ? relative(publish, `${j.reportDir}/index.html`) : null,
              binaries: j.spec.binaries.map((b) => `${b.package} ${b.version} ${b.architecture}`),
              removed: iso(j.removedAt),
              alert: j.alert,
            })),
        })),
      };
    }),
  };
}

const VERDICT_CLASS: Readonly<Record<Job['status'], string>> = {
  queued: 'muted',
  running: 'muted',
  reported: 'muted',
  publishing: 'muted',
  verified: 'verdict-verified',
  mismatch: 'verdict-mismatch',
  conflict: 'verdict-mismatch',
  failed: 'verdict-error',
};

/** A job's status as a grid cell: V verified, M mismatch, C conflict, E failed, P not finished yet. */
export const STATUS_LOOK: Readonly<Record<Job['status'], CellLook>> = {
  queued: PENDING,
  running: PENDING,
  reported: PENDING,
  publishing: PENDING,
  verified: LETTERS.verified,
  mismatch: LETTERS.mismatch,
  conflict: { letter: 'C', css: LETTERS.mismatch.css },
  failed: LETTERS.error,
};

const versionId = (repository: string, source: string, version: string) =>
  `v-${anchorId(`${repository}\n${source}\n${version}`)}`;

// Each package's versions as one grid row (the history page's cells); a cell links to its version's row in the table below.
function statusGrid(repo: Status['repositories'][number]): string {
  if (repo.packages.length === 0) return '';
  const rows: GridRow[] = repo.packages.map((p) => ({
    id: `g-${anchorId(`${repo.name}\n${p.source}`)}`,
    css: 'p',
    name: p.source,
    cells: p.versions.map((v) => ({
      look: STATUS_LOOK[v.status],
      href: `#${versionId(repo.name, p.source, v.version)}`,
      title: `${v.version}: ${v.status}${v.removed ? ', removed from the repository' : ''}`,
    })),
  }));
  const columns = Math.max(...repo.packages.map((p) => p.versions.length));
  const headings = Array.from({ length: columns }, (_, i) => ({
    label: String(i + 1),
    title: `version ${i + 1}, oldest first`,
  }));
  return `<div class="statusgrid">${renderGrid(headings, rows, 'source')}</div>`;
}

const LEGEND =
  `<p class="muted legend">` +
  (['verified', 'mismatch', 'conflict', 'failed', 'queued'] as const)
    .map(
      (s) =>
        `<span class="${STATUS_LOOK[s].css}">&nbsp;${STATUS_LOOK[s].letter}&nbsp;` +
        `</span> ${
          s === 'queued'
            ? 'pending (queued, running, reported by a worker or publishing)'
            : s === 'conflict'
              ? "conflict (matched, but another repository's link with other products is published there)"
              : s
        }`,
    )
    .join(' · ') +
  `; a package's versions oldest first, each linking to its row below.</p>`;

export function renderStatusHtml(status: Status): string {
  const repositories = status.repositories.map((repo) => {
    const poll = repo.lastPoll
      ? `<p class="${repo.lastPoll.ok ? 'muted' : 'verdict-error'}">last poll ` +
        `${e(repo.lastPoll.at)}: ` +
        `${repo.lastPoll.ok ? `${repo.lastPoll.jobs} source versions with binaries` : e(repo.lastPoll.error ?? 'failed')}</p>`
      : '<p class="muted">not polled yet</p>';
    const unsigned = repo.signed
      ? ''
      : '<p class="verdict-mismatch">unsigned: its indexes are trusted without a signature ("unsigned": true in the config)</p>';
    const alerts = repo.packages.flatMap((p) => p.versions.filter((v) => v.alert !== null));
    const alerted = alerts.length
      ? `<p class="verdict-mismatch">ALERT: ${alerts.length} verified version${alerts.length === 1 ? '' : 's'} ` +
        `changed in the repository after verification (see below)</p>`
      : '';
    const refused = repo.lastPoll?.refused.length
      ? `<p class="verdict-error">${repo.lastPoll.refused.length} index entr` +
        `${repo.lastPoll.refused.length === 1 ? 'y' : 'ies'} refused (the others were read):</p><ul>` +
        repo.lastPoll.refused.map((r) => `<li><code>${e(r)}</code></li>`).join('') +
        '</ul>'
      : '';
    const rows = repo.packages.flatMap((p) =>
      p.versions.map(
        (v) =>
          `<tr id="${versionId(repo.name, p.source, v.version)}"><td><code>${e(p.source)}` +
          `</code></td><td><code>${e(v.version)}</code></td>` +
          `<td class="${VERDICT_CLASS[v.status]}">${e(v.status)}` +
          `${v.removed ? `<div class="muted">removed from the repository ${e(v.removed)}; links kept</div>` : ''}` +
          `${v.alert ? `<div class="verdict-mismatch">ALERT: ${e(v.alert)}</div>` : ''}` +
          `</td><td>${v.attempts}</td>` +
          `<td>${e(v.lastAttempt ?? '—')}</td>` +
          `<td>${v.links.map((l) => `<a href="${e(pathHref(l))}">${e(l)}</a>`).join('<br>')}` +
          `${v.report ? `${v.links.length ? '<br>' : ''}<a href="${e(pathHref(v.report))}">report</a>` : ''}` +
          `${v.lastError ? `<div class="muted">${e(v.lastError)}</div>` : ''}</td></tr>`,
      ),
    );
    return (
      `<h2>${e(repo.name)}</h2>${unsigned}${poll}${alerted}${refused}
${statusGrid(repo)}
<table><thead><tr><th>source</th><th>version</th><th>verdict</th><th>attempts` +
      `</th><th>last attempt</th><th>links, report, last error</th></tr></thead><tbody>
${rows.join('\n') || '<tr><td colspan="6" class="muted">nothing to verify yet</td></tr>'}
</tbody></table>`
    );
  });
  return (
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>twinbuild rebuilder</title>` +
    `<style>${STYLE}${GRID_STYLE}.statusgrid{margin:.6em 0 1em}</style></head>
<body><h1>twinbuild rebuilder</h1><p class="muted">generated ${e(status.generatedAt)} · <a href="status.json">status.json</a></p>
${LEGEND}
${renderFleetHtml(status.fleet)}
${repositories.join('\n')}
</body></html>
`
  );
}
