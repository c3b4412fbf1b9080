// index.html: one self-contained page (inline CSS, no JS needed, no network) for a
// check or a sweep. A pure view of the result model; every outside string is escaped.
import { renderBadge } from './badge.js';
import { anchorId, escapeHtml as e, pathHref } from './escape.js';
import { bisectEffort, causeSummary, culpritName, DETERMINISM_NOTE, isDeterminismCheck, verdictWord } from './cause.js';
import { artifactCounts, type ArtifactResult, type Culprit, type DiffResult, type PackageResult, type RunResult } from './model.js';
import { renderTimeline } from './timeline.js';

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em;color:#222}
h1{font-size:1.4em;margin:.2em 0}h2{border-top:1px solid #ccc;padding-top:.8em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border-bottom:1px solid #e3e3e3;padding:.25em .5em;text-align:left;vertical-align:top}td code{overflow-wrap:anywhere}
code,pre{font-family:ui-monospace,monospace;font-size:12px}pre{background:#f6f6f6;padding:.6em;overflow:auto;white-space:pre-wrap}
.verdict-reproducible{color:#2e7d32}.verdict-unreproducible{color:#c62828}.verdict-error{color:#6a1b9a}.verdict-verified{color:#2e7d32}.verdict-mismatch{color:#c62828}
.status-identical{color:#2e7d32}.status-differs,.status-missing-in-control,.status-missing-in-experiment{color:#c62828;font-weight:600}
.skipped{color:#8a6d00}.muted{color:#777}.filters label{margin-right:1em;cursor:pointer}.filters input{margin-right:.3em}
#f-reproducible:checked~main .pkg:not(.v-reproducible),#f-unreproducible:checked~main .pkg:not(.v-unreproducible),#f-error:checked~main .pkg:not(.v-error){display:none}
`;

const short = (hash: string | null) => (hash ? `<code title="${e(hash)}">${e(hash.slice(0, 16))}…</code>` : '<span class="muted">—</span>');
const size = (bytes: number | null) => (bytes === null ? '—' : `${bytes.toLocaleString('en')} B`);

// A page with 100,000 rows is unusable (and slow to open): differences come first,
// and past this many rows the table says how many more results.json holds.
export const MAX_ARTIFACT_ROWS = 1000;

const kindNote = (a: ArtifactResult) =>
  a.kind === 'file' ? '' : ` <span class="muted">(${e(a.kind === 'special' ? (a.node?.control ?? a.node?.experiment ?? 'special file') : 'symlink')})</span>`;

function artifactRows(pkg: PackageResult): string {
  const differing = pkg.artifacts.filter((a) => a.status !== 'identical');
  const shown = [...differing, ...pkg.artifacts.filter((a) => a.status === 'identical')].slice(0, MAX_ARTIFACT_ROWS);
  // Past results.json's list limit, the counts cover artifacts listed only in the side file.
  const counts = artifactCounts(pkg);
  const hidden = counts.total - shown.length;
  const hiddenDiffering = counts.notIdentical - shown.filter((a) => a.status !== 'identical').length;
  const where = pkg.artifactSummary?.file ? `<a href="${e(pathHref(pkg.artifactSummary.file))}">${e(pkg.artifactSummary.file)}</a>` : 'results.json';
  const more = hidden > 0
    ? `<tr class="more"><td colspan="5">… and ${hidden.toLocaleString('en')} more artifacts (${hiddenDiffering.toLocaleString('en')} of them not identical), all listed in ${where}</td></tr>`
    : '';
  return shown
    .map((a) => {
      const diff = pkg.diffoscope.find((d) => d.artifact === a.path);
      const page = diff?.html ?? diff?.text;
      const link = page ? `<a href="${e(pathHref(page))}">${diff?.tool === 'diffoscope' ? 'diffoscope' : 'diff'}</a>` : '';
      const note = diff?.message ? `<div class="muted">${e(diff.message)}</div>` : '';
      return `<tr><td><code>${e(a.path)}</code>${kindNote(a)}</td><td class="status-${a.status}">${a.status}${a.ignored ? `<div class="skipped">ignored: ${e(a.ignored.reason)}</div>` : ''}</td><td>${size(a.size.control)}<br>${size(a.size.experiment)}</td><td>${short(a.sha256.control ?? a.linkTarget?.control ?? a.node?.control ?? null)}<br>${short(a.sha256.experiment ?? a.linkTarget?.experiment ?? a.node?.experiment ?? null)}</td><td>${link}${note}</td></tr>`;
    })
    .concat(more)
    .join('\n');
}

// What the effectiveness probe saw on each side, channel by channel.
const observedNote = (v: PackageResult['variations'][number]) =>
  v.observed
    ? `<div class="muted">seen: ${Object.keys(v.observed.control).map((c) => `${e(c)} <code>${e(v.observed!.control[c] ?? '')}</code> → <code>${e(v.observed!.experiment[c] ?? '')}</code>`).join('; ')}</div>`
    : '';

function variationRows(pkg: PackageResult): string {
  return pkg.variations
    .map((v) => {
      const control = pkg.builds.control?.values[v.name] ?? '';
      const experiment = pkg.builds.experiment?.values[v.name] ?? '';
      const status = v.status === 'skipped' ? `<span class="skipped">skipped</span>` : v.status;
      return `<tr><td>${e(v.name)}</td><td>${status}${v.requested ? ' (requested)' : ''}</td><td><code>${e(control)}</code></td><td><code>${e(experiment)}</code></td><td>${e(v.reason ?? v.note ?? '')}${observedNote(v)}${v.limits ? `<div class="muted">limit: ${e(v.limits)}</div>` : ''}</td></tr>`;
    })
    .join('\n');
}

function culpritItem(pkg: PackageResult, c: Culprit): string {
  const own = (path: string) => pkg.diffoscope.find((d) => d.artifact === path);
  const links = [...c.diffoscope, ...c.sameAsExperiment.map(own).filter((d): d is DiffResult => d !== undefined)]
    .map((d) => d.html ?? d.text)
    .filter((page): page is string => page !== null)
    .map((page) => ` <a href="${e(pathHref(page))}">diffoscope</a>`)
    .join('');
  return `<li><strong>${e(culpritName(c))}</strong> changes ${c.artifacts.map((a) => `<code>${e(a)}</code>`).join(', ')} <span class="muted">(confirmed by probe ${e(c.probe)})</span>${links}</li>`;
}

function bisectSection(pkg: PackageResult): string {
  const { bisect } = pkg;
  if (bisect.status === 'not-run') return pkg.verdict === 'unreproducible' ? `<p class="muted">bisect not run: ${e(bisect.reason ?? '')}</p>` : '';
  const summary = causeSummary(pkg);
  const culprits = pkg.culprits.length ? `<h3>Culprits</h3><ul class="culprits">${pkg.culprits.map((c) => culpritItem(pkg, c)).join('')}</ul>` : '';
  const probes = bisect.probes
    .map((p) => `<tr><td>${e(p.id)}</td><td>${e(p.variations.join(', ') || 'nothing varied')}</td><td class="status-${p.status === 'same' ? 'identical' : 'differs'}">${p.status}</td><td>${p.differingCount}</td><td>${p.round}</td><td>${(p.durationMs / 1000).toFixed(1)} s</td><td>${e(p.message ?? '')}</td></tr>`)
    .join('\n');
  return `<h3>Bisect</h3>
<p class="${pkg.nondeterministic || bisect.status === 'error' ? 'verdict-error' : ''}">${e(summary ?? 'no culprit found')}</p>
<p class="muted">${e(bisectEffort(pkg) ?? '')}</p>
${culprits}
<details><summary>probe builds (${bisect.probes.length})</summary>
<table class="probes"><thead><tr><th>probe</th><th>varied</th><th>result</th><th>artifacts differing</th><th>round</th><th>time</th><th>note</th></tr></thead><tbody>
${probes}
</tbody></table></details>`;
}

function verifySection(pkg: PackageResult): string {
  const v = pkg.verify;
  if (!v) return '';
  const items = [
    `published (the control column): ${v.published.map((p) => `<code>${e(p)}</code>`).join(', ')}`,
    `buildinfo: ${v.buildinfo ? `<code>${e(v.buildinfo)}</code>` : 'none'}; pinned from it: ${Object.entries(v.pinned).map(([k, val]) => `<code>${e(`${k}=${val}`)}</code>`).join(' ') || 'nothing'}`,
    ...v.notPinned.map((n) => `not pinned: ${e(n)}`),
    ...(v.link ? [`in-toto link: <a href="${e(pathHref(v.link))}">${e(v.link)}</a>${v.statement ? `, DSSE statement: <a href="${e(pathHref(v.statement))}">${e(v.statement)}</a>` : ''}`] : []),
  ];
  const drift = v.dependencyDrift.length
    ? `<h3>Build dependencies that differ here (a likely cause; not fetched)</h3><table><thead><tr><th>package</th><th>buildinfo</th><th>installed</th></tr></thead><tbody>${v.dependencyDrift.map((d) => `<tr><td>${e(d.package)}</td><td>${e(d.buildinfo)}</td><td>${e(d.installed ?? 'not installed')}</td></tr>`).join('')}</tbody></table>`
    : '';
  return `<h3>Rebuild</h3><ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>${drift}`;
}

function packageSection(pkg: PackageResult): string {
  const logs = (['control', 'experiment'] as const)
    .filter((side) => pkg.builds[side]?.logTail.length)
    .map((side) => `<h3>Last lines of the ${side} build log</h3><p><a href="${e(pathHref(pkg.builds[side]!.log))}">${e(pkg.builds[side]!.log)}</a></p><pre>${e(pkg.builds[side]!.logTail.join('\n'))}</pre>`)
    .join('\n');
  return `<section class="pkg v-${pkg.verdict}" id="${anchorId(pkg.name)}">
<h2>${e(pkg.name)} — <span class="verdict-${pkg.verdict}">${verdictWord(pkg)}</span></h2>
${isDeterminismCheck(pkg) ? `<p class="skipped"><strong>Determinism check</strong>: ${DETERMINISM_NOTE}. Identical builds here do not show the build is reproducible elsewhere.</p>` : ''}
<p class="muted">source <code>${e(pkg.source)}</code> · builds ${pkg.isolation === 'namespaces' ? 'in parallel' : 'one after the other'} · build path ${pkg.buildPath}</p>
${pkg.error ? `<p class="verdict-error"><strong>${e(pkg.error.code)}</strong>: ${e(pkg.error.message)}</p>` : ''}
${bisectSection(pkg)}
${verifySection(pkg)}
<h3>Artifacts (${artifactCounts(pkg).total.toLocaleString('en')})</h3>
<table class="artifacts"><thead><tr><th>path</th><th>status</th><th>size control / experiment</th><th>sha256 control / experiment</th><th>explanation</th></tr></thead><tbody>
${artifactRows(pkg)}
</tbody></table>
<h3>Variations</h3>
<table><thead><tr><th>variation</th><th>status</th><th>control</th><th>experiment</th><th>reason / note</th></tr></thead><tbody>
${variationRows(pkg)}
</tbody></table>
<h3>Timeline</h3>
${renderTimeline(pkg)}
${logs}
</section>`;
}

function runNotes(result: RunResult): string {
  const notes: string[] = [];
  if (result.incomplete) notes.push(`<p class="verdict-error"><strong>Incomplete</strong> (${e(result.incomplete.reason)}): no result for ${result.incomplete.notFinished.map((n) => `<code>${e(n)}</code>`).join(', ') || 'none'}</p>`);
  if (result.summary.ignored > 0) notes.push(`<p class="skipped">${result.summary.ignored} known difference${result.summary.ignored === 1 ? '' : 's'} ignored (see the reasons in the artifact tables)</p>`);
  if (result.shard) notes.push(`<p class="muted">shard ${result.shard.index} of ${result.shard.total}</p>`);
  const b = result.baseline;
  if (b) {
    const row = (label: string, names: readonly string[]) => `<tr><td>${label}</td><td>${names.length}</td><td>${names.map((n) => `<code>${e(n)}</code>`).join(', ')}</td></tr>`;
    notes.push(`<h2>Against the baseline</h2><p class="muted">${e(b.file)}</p><table class="baseline"><tbody>${row('regressions', b.regressions)}${row('fixed', b.fixed)}${row('still broken', b.stillBroken)}${row('new', b.new)}${row('removed', b.removed)}</tbody></table>`);
  }
  return notes.join('\n');
}

export function renderHtml(result: RunResult): string {
  const { summary } = result;
  const deterministic = result.packages.filter(isDeterminismCheck).length;
  const passed = deterministic > 0 && deterministic === summary.reproducible
    ? { word: 'deterministic', note: ` (${DETERMINISM_NOTE})` }
    : { word: 'reproducible', note: deterministic > 0 ? ` (${deterministic} of them only deterministic: ${DETERMINISM_NOTE})` : '' };
  const rows = result.packages
    .map((p) => `<tr class="pkg v-${p.verdict}"><td><a href="#${anchorId(p.name)}">${e(p.name)}</a></td><td class="verdict-${p.verdict}">${verdictWord(p)}</td><td>${artifactCounts(p).notIdentical} of ${artifactCounts(p).total}</td></tr>`)
    .join('\n');
  const filter = (id: string, label: string, count: number, checked = false) =>
    `<input type="radio" name="verdict" id="f-${id}"${checked ? ' checked' : ''}><label for="f-${id}">${label} (${count})</label>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>twinbuild: ${summary.reproducible}/${summary.total} ${passed.word}</title><style>${STYLE}</style></head>
<body>
<header><h1>twinbuild report</h1>${renderBadge(result)}
<p>${summary.total} package${summary.total === 1 ? '' : 's'}: <span class="verdict-reproducible">${summary.reproducible} ${passed.word}${passed.note}</span>, <span class="verdict-unreproducible">${summary.unreproducible} unreproducible</span>, <span class="verdict-error">${summary.error} error</span> · exit code ${result.exitCode}</p>
${runNotes(result)}
<p class="muted">twinbuild ${e(result.tool.version)} · ${e(result.command)} · seed <code>${result.seed}</code> (replay with --seed ${result.seed}) · ${e(result.startedAt)} → ${e(result.finishedAt)} · ${e(result.host.hostname)}, ${e(result.host.kernel)}, ${result.host.cpus} CPUs</p></header>
<div class="filters">${filter('all', 'all', summary.total, true)}${filter('reproducible', 'reproducible', summary.reproducible)}${filter('unreproducible', 'unreproducible', summary.unreproducible)}${filter('error', 'error', summary.error)}
<main>
<table><thead><tr><th>package</th><th>verdict</th><th>artifacts differing</th></tr></thead><tbody>
${rows}
</tbody></table>
${result.packages.map(packageSection).join('\n')}
</main></div>
</body></html>
`;
}
