// index.html: one self-contained page (inline CSS, no JS needed, no network) for a
// check or a sweep. A pure view of the result model; every outside string is escaped.
import { renderBadge } from './badge.js';
import { anchorId, escapeHtml as e, pathHref } from './escape.js';
import {
  artifactEvidence,
  bisectEffort,
  causeSummary,
  culpritName,
  DETERMINISM_NOTE,
  isDeterminismCheck,
  verdictWord,
  notCopiedNote,
  sandboxNote,
} from './cause.js';
import {
  artifactCounts,
  type ArtifactResult,
  type Culprit,
  type DiffResult,
  type PackageResult,
  type ProbeResult,
  type RunResult,
} from './model.js';
import { culpritReplayCommand, replayCommand } from './html-replay.js';
import { fixSection, issueCounts } from './html-diagnosis.js';
import { variationTables } from './html-variations.js';
import { renderTimeline } from './timeline.js';

export const STYLE =
  `
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em;color:#222}
h1{font-size:1.4em;margin:.2em 0}h2{border-top:1px solid #ccc;padding-top:.8em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border-bottom:1px ` +
  `solid #e3e3e3;padding:.25em .5em;text-align:left;vertical-align:top}td ` +
  `code{overflow-wrap:anywhere}code.path>span,.replay span{display:inline-block;max-width:100%}
table.artifacts{table-layout:fixed}table.artifacts th:nth-child(1){width:30%}` +
  `table.artifacts th:nth-child(2){width:10%}table.artifacts th:nth-child(3){width:11%}` +
  `table.artifacts th:nth-child(4){width:15%}
.run-variations-box>summary{cursor:pointer}.run-variations-box>summary h2{display:inline;border:0}
code,pre{font-family:ui-monospace,monospace;font-size:12px}pre{background:#f6f6f6;padding:.6em;overflow:auto;white-space:pre-wrap}
.verdict-reproducible{color:#2e7d32}.verdict-unreproducible{color:#c62828}` +
  `.verdict-error{color:#6a1b9a}.verdict-verified{color:#2e7d32}` +
  `.verdict-mismatch{color:#c62828}
.status-identical{color:#2e7d32}.status-differs,.status-missing-in-control,.status-missing-in-experiment{color:#c62828;font-weight:600}
.hash summary{cursor:pointer;list-style:none}.hash summary::-webkit-details-marker{display:none}.hash[open] summary{display:none}
pre.excerpt{margin:.3em 0;max-height:24em}pre.replay{background:#eef3f8}.logs a{margin-right:1em}
.skipped{color:#8a6d00}.muted{color:#777}.filters label{margin-right:1em;cursor:pointer}.filters input{margin-right:.3em}
#f-reproducible:checked~main .pkg:not(.v-reproducible),` +
  `#f-unreproducible:checked~main .pkg:not(.v-unreproducible),` +
  `#f-error:checked~main .pkg:not(.v-error){display:none}
`;

// The first 16 hex digits; the whole hash on a click (and as a tooltip).
const short = (hash: string | null) =>
  hash
    ? `<details class="hash"><summary title="${e(hash)}">` +
      `<code>${e(hash.slice(0, 16))}…</code></summary>` +
      `<code class="full-hash">${e(hash)}</code></details>`
    : '<span class="muted">—</span>';
const size = (bytes: number | null) => (bytes === null ? '—' : `${bytes.toLocaleString('en')} B`);

// A page with 100,000 rows is unusable (and slow to open): differences come first,
// and past this many rows the table says how many more results.json holds.
export const MAX_ARTIFACT_ROWS = 1000;
// The console shows the excerpt of the first 20 differing artifacts; the page shows those open, the rest folded.
const OPEN_EXCERPTS = 20;
const EXCERPT_LINES = 40;

// A path breaks only after a "/", never inside a name (not even at a "-"): each name
// with its slash is one inline block, moved whole to the next line; only a name wider
// than the whole column is broken.
export const pathCode = (path: string) =>
  `<code class="path">${path
    .split(/(?<=\/)/)
    .map((name) => `<span>${e(name)}</span>`)
    .join('')}</code>`;

// A command breaks only between its words or after a "/" in a path (never at the "-"
// of "--seed"): each piece is one inline block; the spaces stay text, so a copied
// command is the same command.
const commandWords = (command: string) =>
  command
    .split(/( +|(?<=\/))/)
    .map((part) => (part.trim() === '' ? part : `<span>${e(part)}</span>`))
    .join('');

const kindNote = (a: ArtifactResult) =>
  a.kind === 'file'
    ? ''
    : ` <span class="muted">(${e(a.kind === 'special' ? (a.node?.control ?? a.node?.experiment ?? 'special file') : 'symlink')})</span>`;

function artifactRows(pkg: PackageResult): string {
  const differing = pkg.artifacts.filter((a) => a.status !== 'identical');
  const shown = [...differing, ...pkg.artifacts.filter((a) => a.status === 'identical')].slice(0, MAX_ARTIFACT_ROWS);
  // Past results.json's list limit, the counts cover artifacts listed only in the side file.
  const counts = artifactCounts(pkg);
  const hidden = counts.total - shown.length;
  const hiddenDiffering = counts.notIdentical - shown.filter((a) => a.status !== 'identical').length;
  const where = pkg.artifactSummary?.file
    ? `<a href="${e(pathHref(pkg.artifactSummary.file))}">${e(pkg.artifactSummary.file)}</a>`
    : 'results.json';
  const more =
    hidden > 0
      ? `<tr class="more"><td colspan="5">… and ` +
        `${hidden.toLocaleString('en')} more artifacts ` +
        `(${hiddenDiffering.toLocaleString('en')} of them not identical), all listed in ` +
        `${where}</td></tr>`
      : '';
  return shown
    .map((a) => {
      const diff = pkg.diffoscope.find((d) => d.artifact === a.path);
      const page = diff?.html ?? diff?.text;
      const link = page
        ? `<a href="${e(pathHref(page))}">${diff?.tool === 'diffoscope' ? 'diffoscope' : 'diff'}</a>`
        : '';
      const note = diff?.message ? `<div class="muted">${e(diff.message)}</div>` : '';
      const shownAt = differing.indexOf(a);
      const excerpt = diff?.excerpt
        ? `<details class="excerpt"` +
          `${shownAt >= 0 && shownAt < OPEN_EXCERPTS ? ' open' : ''}><summary>excerpt` +
          `</summary><pre class="excerpt">` +
          `${e(diff.excerpt.split('\n').slice(0, EXCERPT_LINES).join('\n'))}</pre></details>`
        : '';
      return (
        `<tr><td>${pathCode(a.path)}${kindNote(a)}</td>` +
        `<td class="status-${a.status}">${a.status}` +
        `${a.ignored ? `<div class="skipped">ignored: ${e(a.ignored.reason)}</div>` : ''}` +
        `</td><td>${size(a.size.control)}<br>${size(a.size.experiment)}</td>` +
        `<td>${short(a.sha256.control ?? a.linkTarget?.control ?? a.node?.control ?? null)}` +
        `<br>${short(a.sha256.experiment ?? a.linkTarget?.experiment ?? a.node?.experiment ?? null)}` +
        `</td><td>${link}${note}${excerpt}</td></tr>`
      );
    })
    .concat(more)
    .join('\n');
}

function culpritItem(pkg: PackageResult, c: Culprit, seed: number): string {
  const own = (path: string) => pkg.diffoscope.find((d) => d.artifact === path);
  const links = [...c.diffoscope, ...c.sameAsExperiment.map(own).filter((d): d is DiffResult => d !== undefined)]
    .map((d) => d.html ?? d.text)
    .filter((page): page is string => page !== null)
    .map((page) => ` <a href="${e(pathHref(page))}">diffoscope</a>`)
    .join('');
  const replay = culpritReplayCommand(pkg, c, seed);
  const rerun = replay
    ? `<div class="muted">vary only this: <code class="replay">${commandWords(replay)}</code></div>`
    : '';
  const what =
    pkg.bisect.difference === 'build-fails'
      ? 'makes the build fail'
      : `changes ${c.artifacts.map((a) => `<code>${e(a)}</code>`).join(', ')}`;
  const by = c.probe === 'experiment' ? 'the experiment build' : `probe ${e(c.probe)}`;
  return `<li><strong>${e(culpritName(c))}</strong> ${what} <span class="muted">(confirmed by ${by})</span>${links}${rerun}</li>`;
}

// What each differing artifact's difference shows (evidence orders bisect's probes; it never names a culprit).
function evidenceSection(pkg: PackageResult): string {
  const items = pkg.artifacts.flatMap((a) => artifactEvidence(pkg, a.path, 3).map((shown) => `<li>${e(shown)}</li>`));
  const suspected = pkg.bisect.suspected.map(
    (s) =>
      `<li><strong>${e(s.variation)}</strong>: suspected, not confirmed ` +
      `(${s.artifacts.map((a) => `<code>${e(a)}</code>`).join(', ')}) ` +
      `<span class="muted">${e(s.evidence.join('; '))}</span></li>`,
  );
  return (
    (items.length ? `<h3>Evidence</h3><ul class="evidence">${items.join('')}</ul>` : '') +
    (suspected.length
      ? `<h3>Suspected, not confirmed</h3><p class="muted">${e(pkg.bisect.reason ?? '')}` +
        `</p><ul class="suspected">${suspected.join('')}</ul>`
      : '')
  );
}

// A probe's log sits beside the check's own build logs.
const probeLog = (pkg: PackageResult, p: ProbeResult) => {
  const log = pkg.builds.control?.log ?? pkg.builds.experiment?.log;
  return log ? `<a href="${e(pathHref(log.replace(/[^/]*$/, `probe-${p.id}.log`)))}">${e(p.id)}</a>` : e(p.id);
};
const probeClass = (p: ProbeResult) => (p.status === 'same' ? 'identical' : 'differs');

function bisectSection(pkg: PackageResult, seed: number): string {
  const { bisect } = pkg;
  if (bisect.status === 'not-run')
    return pkg.verdict === 'unreproducible'
      ? `<p class="muted">bisect not run: ${e(bisect.reason ?? '')}</p>${evidenceSection(pkg)}`
      : '';
  const summary = causeSummary(pkg);
  const culprits = pkg.culprits.length
    ? `<h3>Culprits</h3><ul class="culprits">${pkg.culprits.map((c) => culpritItem(pkg, c, seed)).join('')}</ul>`
    : '';
  const probes = bisect.probes
    .map(
      (p) =>
        `<tr><td>${probeLog(pkg, p)}</td>` +
        `<td>${e(p.variations.join(', ') || 'nothing varied')}</td>` +
        `<td class="status-${probeClass(p)}">${p.status}</td><td>${p.differingCount}</td>` +
        `<td>${p.round}</td><td>${(p.durationMs / 1000).toFixed(1)} s</td>` +
        `<td>${e(p.message ?? '')}</td></tr>`,
    )
    .join('\n');
  return (
    `<h3>Bisect</h3>
<p class="${pkg.nondeterministic || bisect.status === 'error' ? 'verdict-error' : ''}">${e(summary ?? 'no culprit found')}</p>
<p class="muted">${e(bisectEffort(pkg) ?? '')}</p>
${culprits}
${evidenceSection(pkg)}
<details><summary>probe builds (${bisect.probes.length})</summary>
<table class="probes"><thead><tr><th>probe</th><th>varied</th><th>result</th>` +
    `<th>artifacts differing</th><th>round</th><th>time</th><th>note</th></tr>` +
    `</thead><tbody>
${probes}
</tbody></table></details>`
  );
}

function verifySection(pkg: PackageResult): string {
  const v = pkg.verify;
  if (!v) return '';
  const items = [
    `published (the control column): ${v.published.map((p) => `<code>${e(p)}</code>`).join(', ')}`,
    `buildinfo: ${v.buildinfo ? `<code>${e(v.buildinfo)}</code>` : 'none'}; pinned from it: ${
      Object.entries(v.pinned)
        .map(([k, val]) => `<code>${e(`${k}=${val}`)}</code>`)
        .join(' ') || 'nothing'
    }`,
    ...v.notPinned.map((n) => `not pinned: ${e(n)}`),
    ...(v.link
      ? [
          `in-toto link: <a href="${e(pathHref(v.link))}">${e(v.link)}</a>` +
            (v.statement ? `, DSSE statement: <a href="${e(pathHref(v.statement))}">${e(v.statement)}</a>` : ''),
        ]
      : []),
  ];
  const drift = v.dependencyDrift.length
    ? `<h3>Build dependencies that differ here (a likely cause; not fetched)</h3>` +
      `<table><thead><tr><th>package</th><th>buildinfo</th><th>installed</th></tr>` +
      `</thead><tbody>` +
      v.dependencyDrift
        .map(
          (d) =>
            `<tr><td>${e(d.package)}</td><td>${e(d.buildinfo)}</td><td>${e(d.installed ?? 'not installed')}</td></tr>`,
        )
        .join('') +
      `</tbody></table>`
    : '';
  return `<h3>Rebuild</h3><ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>${drift}`;
}

// Both build logs, linked whatever the verdict (a reader compares them for an unreproducible package).
function logLinks(pkg: PackageResult): string {
  const links = (['control', 'experiment'] as const)
    .filter((side) => pkg.builds[side])
    .map(
      (side) =>
        `<a href="${e(pathHref(pkg.builds[side]!.log))}">${pkg.verify && side === 'experiment' ? 'rebuild' : `${side} build`} log</a>`,
    );
  return links.length > 0 ? `<p class="logs">${links.join(' ')}</p>` : '';
}

function replaySection(pkg: PackageResult, seed: number): string {
  const command = replayCommand(pkg, seed);
  if (!command) return '';
  const what = pkg.verify
    ? 'this verify, from the directory it ran in (it varies nothing and takes no --seed)'
    : 'this check with the same variations and values';
  return `<h3>Reproduce</h3><p class="muted">Run ${what}:</p><pre class="replay"><code>${commandWords(command)}</code></pre>`;
}

function packageSection(pkg: PackageResult, seed: number, variations: (pkg: PackageResult) => string): string {
  const logs = (['control', 'experiment'] as const)
    .filter((side) => pkg.builds[side]?.logTail.length)
    .map(
      (side) =>
        `<h3>Last lines of the ${side} build log</h3><p>` +
        `<a href="${e(pathHref(pkg.builds[side]!.log))}">${e(pkg.builds[side]!.log)}</a>` +
        `</p><pre>${e(pkg.builds[side]!.logTail.join('\n'))}</pre>`,
    )
    .join('\n');
  return (
    `<section class="pkg v-${pkg.verdict}" id="${anchorId(pkg.name)}">
<h2>${e(pkg.name)} — <span class="verdict-${pkg.verdict}">${verdictWord(pkg)}</span></h2>
${fixSection(pkg)}
` +
    (isDeterminismCheck(pkg)
      ? `<p class="skipped"><strong>Determinism check` +
        `</strong>: ${DETERMINISM_NOTE}. Identical builds here do not show the build is ` +
        `reproducible elsewhere.</p>`
      : '') +
    `
<p class="muted">source <code>${e(pkg.source)}` +
    `</code> · ` +
    (pkg.verify
      ? 'one rebuild, compared with the published files'
      : `builds ${pkg.isolation === 'namespaces' ? 'in parallel' : 'one after the other'}`) +
    ` · build path ${pkg.buildPath} · ${e(sandboxNote(pkg))}</p>
${notCopiedNote(pkg) ? `<p class="skipped">${e(notCopiedNote(pkg)!)}</p>` : ''}
${pkg.error ? `<p class="verdict-error"><strong>${e(pkg.error.code)}</strong>: ${e(pkg.error.message)}</p>` : ''}
${logLinks(pkg)}
${replaySection(pkg, seed)}
${bisectSection(pkg, seed)}
${verifySection(pkg)}
<h3>Artifacts (${artifactCounts(pkg).total.toLocaleString('en')})</h3>
<table class="artifacts"><thead><tr><th>path</th><th>status</th>` +
    `<th>size control / experiment</th><th>sha256 control / experiment</th>` +
    `<th>explanation</th></tr></thead><tbody>
${artifactRows(pkg)}
</tbody></table>
${variations(pkg)}
<h3>Timeline</h3>
${renderTimeline(pkg)}
${logs}
</section>`
  );
}

function runNotes(result: RunResult): string {
  const notes: string[] = [];
  if (result.incomplete)
    notes.push(
      `<p class="verdict-error"><strong>Incomplete` +
        `</strong> (${e(result.incomplete.reason)}): no result for ` +
        `${result.incomplete.notFinished.map((n) => `<code>${e(n)}</code>`).join(', ') || 'none'}</p>`,
    );
  if (result.summary.ignored > 0)
    notes.push(
      `<p class="skipped">${result.summary.ignored} known ` +
        `difference${result.summary.ignored === 1 ? '' : 's'} ignored (see the reasons ` +
        `in the artifact tables)</p>`,
    );
  if (result.shard) notes.push(`<p class="muted">shard ${result.shard.index} of ${result.shard.total}</p>`);
  const b = result.baseline;
  if (b) {
    const row = (label: string, names: readonly string[]) =>
      `<tr><td>${label}</td><td>${names.length}</td><td>${names.map((n) => `<code>${e(n)}</code>`).join(', ')}</td></tr>`;
    notes.push(
      `<h2>Against the baseline</h2><p class="muted">${e(b.file)}</p>` +
        `<table class="baseline"><tbody>${row('regressions', b.regressions)}` +
        `${row('fixed', b.fixed)}${row('still broken', b.stillBroken)}` +
        `${row('new', b.new)}${row('removed', b.removed)}</tbody></table>`,
    );
  }
  return notes.join('\n');
}

// The verdict filters (radio buttons and CSS, no JavaScript): only with several packages.
function packageFilters({ packages, summary }: RunResult): string {
  if (packages.length <= 1) return '';
  const filter = (id: string, label: string, count: number, checked = false) =>
    `<input type="radio" name="verdict" id="f-${id}"${checked ? ' checked' : ''}><label for="f-${id}">${label} (${count})</label>`;
  return (
    `${filter('all', 'all', summary.total, true)}${filter('reproducible', 'reproducible', summary.reproducible)}` +
    `${filter('unreproducible', 'unreproducible', summary.unreproducible)}${filter('error', 'error', summary.error)}`
  );
}

// What one package's row says caused it: culprits, else what bisect or the evidence
// pointed at, else the error's code; empty for a pass (the section has the details).
export function shortCause(pkg: PackageResult): string {
  if (pkg.verdict === 'reproducible' || pkg.verdict === 'verified') return '';
  const code = pkg.error ? `${pkg.error.code}: ` : '';
  if (pkg.nondeterministic) return `${code}nondeterministic (differs with nothing varied)`;
  const culprits = pkg.culprits.map(culpritName);
  if (culprits.length > 0)
    return pkg.bisect.difference === 'build-fails'
      ? `${code}fails when ${culprits.join(' or ')} is varied`
      : `${code}${culprits.join('; ')}`;
  const suspected = pkg.bisect.suspected.map((s) => s.variation);
  if (suspected.length > 0) return `${code}suspected, not confirmed: ${suspected.join(', ')}`;
  const pointed = [...new Set(pkg.bisect.evidence.flatMap((a) => a.suspects.slice(0, 1).map((s) => s.variation)))];
  if (pointed.length > 0) return `${code}evidence points at ${pointed.join(', ')} (not confirmed)`;
  const drift = pkg.verify?.dependencyDrift.length ?? 0;
  if (drift > 0) return `${code}${drift} build dependenc${drift === 1 ? 'y differs' : 'ies differ'} here`;
  return pkg.error ? pkg.error.code : 'not explained';
}

// One row per package, with its cause, before any section: only with several packages.
function summaryTable({ packages }: RunResult): string {
  if (packages.length <= 1) return '';
  const rows = packages.map(
    (p) =>
      `<tr class="pkg v-${p.verdict}"><td><a href="#${anchorId(p.name)}">${e(p.name)}` +
      `</a></td><td class="verdict-${p.verdict}">${verdictWord(p)}</td>` +
      `<td>${artifactCounts(p).notIdentical} of ${artifactCounts(p).total}</td>` +
      `<td class="cause">${e(shortCause(p))}</td></tr>`,
  );
  return (
    `<table class="summary"><thead><tr><th>package</th><th>verdict</th><th>artifacts differing</th>` +
    `<th>cause</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`
  );
}

export function renderHtml(result: RunResult): string {
  const { summary } = result;
  const tables = variationTables(result);
  const deterministic = result.packages.filter(isDeterminismCheck).length;
  const passed =
    result.command === 'verify'
      ? { word: 'verified', note: '' }
      : deterministic > 0 && deterministic === summary.reproducible
        ? { word: 'deterministic', note: ` (${DETERMINISM_NOTE})` }
        : {
            word: 'reproducible',
            note: deterministic > 0 ? ` (${deterministic} of them only deterministic: ${DETERMINISM_NOTE})` : '',
          };
  return (
    `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>twinbuild: ${summary.reproducible}/${summary.total} ${passed.word}</title><style>${STYLE}</style></head>
<body>
<header><h1>twinbuild report</h1>${renderBadge(result)}
<p>${summary.total} package${summary.total === 1 ? '' : 's'}: ` +
    `<span class="verdict-reproducible">${summary.reproducible} ` +
    `${passed.word}${passed.note}</span>, <span ` +
    `class="verdict-unreproducible">${summary.unreproducible} ` +
    `${result.command === 'verify' ? 'mismatch' : 'unreproducible'}</span>, ` +
    `<span class="verdict-error">${summary.error} error` +
    `</span> · exit code ${result.exitCode}</p>
${runNotes(result)}
<p class="muted">twinbuild ${e(result.tool.version)} · ` +
    `${e(result.command)}${result.command === 'verify' ? '' : ` · seed <code>${result.seed}</code> (replay with --seed ${result.seed})`}` +
    ` · ${e(result.startedAt)} → ${e(result.finishedAt)} · ` +
    `${e(result.host.hostname)}, ${e(result.host.kernel)}, ${result.host.cpus} CPUs</p></header>
<div class="filters">${packageFilters(result)}
<main>
${summaryTable(result)}
${issueCounts(result)}
${tables.run}
${result.packages.map((p) => packageSection(p, result.seed, tables.forPackage)).join('\n')}
</main></div>
</body></html>
`
  );
}
