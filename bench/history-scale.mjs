#!/usr/bin/env node
// `twinbuild report history` at scale: 2,000 packages × 60 nightly runs,
// generated as 60 results.json files (each with a stand-in index.html and a
// diffoscope page per unreproducible package, so every cell carries its links).
// Measures the command's wall time, the page's and history.json's size, and the
// page in headless Chromium: load, first contentful paint, and a filter's restyle.
// Writes its section of bench/RESULTS.md. `node bench/history-scale.mjs [PACKAGES] [RUNS] [REPEATS]`
/* global document -- page.evaluate's functions run in the browser */
import { gzipSync } from 'node:zlib';
import { $, fs, path } from 'zx';
import { chromium } from 'playwright-core';
import { ROOT, TWINBUILD, cleanup, fmt, machineFacts, table, tempDir, timeRuns } from './lib.mjs';

const PACKAGES = Number(process.argv[2] ?? 2000);
const RUNS = Number(process.argv[3] ?? 60);
const REPEATS = Number(process.argv[4] ?? 3);

// Deterministic verdicts: ~85% always reproducible, some always unreproducible,
// some that regress once, some that flap every few nights, a few build errors.
function verdictOf(p, run) {
  const kind = p % 20;
  if (kind === 0) return 'unreproducible';
  if (kind === 1) return run < RUNS / 2 ? 'reproducible' : 'unreproducible';
  if (kind === 2) return Math.floor((run + p) / 3) % 2 === 0 ? 'reproducible' : 'unreproducible';
  if (kind === 3 && (run + p) % 17 === 0) return 'error';
  return 'reproducible';
}

const packageResult = (name, verdict) => ({
  name,
  source: `pkgs/${name}`,
  verdict,
  error: verdict === 'error' ? { code: 'build-failed', message: 'exit 2' } : null,
  variations: [],
  isolation: 'namespaces',
  buildPath: 'shared',
  builds: { control: null, experiment: null },
  artifacts: [],
  culprits: [],
  nondeterministic: false,
  bisect: { status: 'not-run', reason: '--no-bisect', probes: [], rounds: 1, flapping: [], unexplained: [] },
  diffoscope:
    verdict === 'unreproducible'
      ? [
          {
            artifact: 'out/lib.so',
            tool: 'diffoscope',
            status: 'differences',
            html: `diffoscope/${name}/out/lib.so.html`,
            text: null,
            excerpt: '',
            message: null,
            log: null,
          },
        ]
      : [],
  timings: {},
  verify: null,
});

async function generate(dir) {
  const names = Array.from(
    { length: PACKAGES },
    (_, p) => `pkg-${String(p).padStart(4, '0')}-lib${(p * 7919).toString(36)}`,
  );
  for (let run = 0; run < RUNS; run++) {
    const packages = names.map((name, p) => packageResult(name, verdictOf(p, run)));
    const count = (v) => packages.filter((x) => x.verdict === v).length;
    const day = new Date(Date.UTC(2026, 0, 1 + run, 3)).toISOString();
    const result = {
      schema: 'twinbuild/results@2',
      tool: { name: 'twinbuild', version: '0.1.0' },
      command: 'sweep (merged from 4)',
      startedAt: day,
      finishedAt: day,
      seed: run,
      host: { hostname: 'bench', platform: 'linux', arch: 'x64', kernel: '6', cpus: 2, node: process.version, uid: 0 },
      packages,
      summary: {
        total: packages.length,
        reproducible: count('reproducible'),
        unreproducible: count('unreproducible'),
        error: count('error'),
        ignored: 0,
      },
      exitCode: 1,
      shard: null,
      baseline: null,
      incomplete: null,
    };
    const runDir = path.join(dir, `night-${String(run + 1).padStart(2, '0')}`);
    await fs.mkdirp(runDir);
    await fs.writeFile(path.join(runDir, 'results.json'), JSON.stringify(result));
    await fs.writeFile(path.join(runDir, 'index.html'), '<!DOCTYPE html><title>stand-in report</title>');
  }
}

// Each repeat in a fresh page: the Navigation Timing figures and Chromium's own
// timeline totals (CDP Performance.getMetrics: style recalculation, layout, script).
async function inChromium(file) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const repeats = [];
    for (let i = 0; i < REPEATS; i++) {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      await page.goto(`file://${file}`, { waitUntil: 'load', timeout: 900_000 });
      const timing = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        return {
          load: nav.loadEventEnd,
          fcp: fcp ? fcp.startTime : NaN,
          cells: document.querySelectorAll('.blk .c').length,
          nodes: document.getElementsByTagName('*').length,
        };
      });
      const metrics = async () =>
        Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
      const atLoad = await metrics();
      // A filter is CSS only: the time to restyle and lay out the grid after a radio button changes.
      const filter = await page.evaluate(() => {
        const started = performance.now();
        document.getElementById('f-flapping').checked = true;
        void document.body.offsetHeight;
        return performance.now() - started;
      });
      repeats.push({
        load: timing.load / 1000,
        fcp: timing.fcp / 1000,
        filter: filter / 1000,
        cells: timing.cells,
        nodes: timing.nodes,
        style: atLoad.RecalcStyleDuration,
        layout: atLoad.LayoutDuration,
        script: atLoad.ScriptDuration,
      });
      console.log(`Chromium repeat ${i + 1}:`, JSON.stringify(repeats.at(-1)));
      await page.close();
    }
    return repeats;
  } finally {
    await browser.close();
  }
}

try {
  const facts = await machineFacts();
  const inputs = await tempDir('tb-history-in-');
  const out = path.join(await tempDir('tb-history-out-'), 'site');
  console.log(`generating ${PACKAGES} packages × ${RUNS} runs…`);
  await generate(inputs);
  const inputBytes = Number((await $`du -sb ${inputs}`).stdout.split('\t')[0]);
  const command = await timeRuns(
    'report history',
    REPEATS,
    () => $`node ${TWINBUILD} report history ${inputs} --out ${out}`,
  );
  const page = await fs.readFile(path.join(out, 'index.html'));
  const json = await fs.readFile(path.join(out, 'history.json'));
  const history = JSON.parse(json);
  console.log(
    `report history: ${fmt(command.median)}; index.html ${page.length} bytes, history.json ${json.length} bytes; now Chromium…`,
  );
  // HISTORY_BENCH_KEEP=DIR keeps the generated history.json and page (to try page variants on).
  if (process.env.HISTORY_BENCH_KEEP) await fs.copy(out, process.env.HISTORY_BENCH_KEEP);
  const loadBefore = (await fs.readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(', ');
  const repeats = await inChromium(path.join(out, 'index.html'));
  const loadAfter = (await fs.readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(', ');
  const each = (pick, unit = (v) => fmt(v)) => repeats.map((r) => unit(pick(r))).join(' / ');
  const ms = (v) => `${(v * 1000).toFixed(0)} ms`;
  const mib = (bytes) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  const section =
    `## The history page at scale (issue 22)

\`node bench/history-scale.mjs ${PACKAGES} ${RUNS} ${REPEATS}\`, ${facts.date}: ` +
    `${PACKAGES.toLocaleString('en')} packages × ${RUNS} runs, generated as ${RUNS}
results.json files (${mib(inputBytes)} with their stand-in reports; ` +
    `${history.packages.filter((p) => p.flapping).length} packages flapping), every ` +
    `cell linked to its
run's report and each unreproducible one also to its diffoscope page. Each ` +
    `figure below is every repeat, in order (${REPEATS}, each a fresh page in one ` +
    `browser); ${(await $`chromium --version`.nothrow()).stdout.trim() || 'Chromium (version unknown)'}` +
    `, headless, 1600×1000;
${facts.cpu}, ${facts.cores} cores (shared with other work while measured), Node ${facts.node}.
Load average (1, 5, 15 min) when Chromium started: ${loadBefore}; when it ended: ${loadAfter}.

${table(
  ['figure', 'value'],
  [
    [
      '`twinbuild report history DIR --out DIR` (read ' + RUNS + ' files, write both)',
      command.runs.map(fmt).join(' / '),
    ],
    ['index.html', `${mib(page.length)} (${mib(gzipSync(page).length)} gzipped, as GitLab Pages serves it)`],
    ['history.json', `${mib(json.length)} (${mib(gzipSync(json).length)} gzipped)`],
    [
      'grid cells / DOM elements',
      `${repeats[0].cells.toLocaleString('en')} / ${repeats[0].nodes.toLocaleString('en')}`,
    ],
    ['Chromium: load event (from navigation start: parsed, styled, laid out)', each((r) => r.load)],
    ['Chromium: first contentful paint', each((r) => r.fcp)],
    ['Chromium timeline to load: style recalculation (CDP RecalcStyleDuration)', each((r) => r.style)],
    ['Chromium timeline to load: layout (CDP LayoutDuration)', each((r) => r.layout)],
    ['Chromium: a filter (radio button → restyle and layout of the grid)', each((r) => r.filter, ms)],
  ],
)}

`;
  console.log(section);
  const resultsFile = path.join(ROOT, 'bench', 'RESULTS.md');
  const current = await fs.readFile(resultsFile, 'utf8');
  const start = current.indexOf('## The history page at scale');
  const without =
    start < 0 ? current : current.slice(0, start) + current.slice(current.indexOf('\n## ', start + 1) + 1);
  // Above the hand-written section on the variants tried, if there is one; else above "How measured".
  const variants = without.indexOf('## The history page: where the time went');
  const at = variants >= 0 ? variants : without.indexOf('## How measured');
  await fs.writeFile(
    resultsFile,
    at < 0 ? `${without}\n${section}` : without.slice(0, at) + section + without.slice(at),
  );
  console.log('wrote its section of bench/RESULTS.md');
} finally {
  await cleanup();
}
