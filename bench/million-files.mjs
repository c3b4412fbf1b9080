// A 1,000,000-file artifact tree (1,000 dirs of 1,000 small files; one file
// differs by umask): peak RSS, wall time, results.json size, the side file,
// and how long twinbuild takes to stop after SIGTERM in the middle of the compare.
//   node bench/million-files.mjs [--files N] [--cli PATH] [--label NAME] [--term-after S] [--skip-term]
// --cli picks another checkout's bin/twinbuild.js (e.g. main's, for "before").
// Appends one JSON line per run to bench/out/million-files.ndjson and prints it.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { $, fs, path } from 'zx';
import { ROOT, TWINBUILD, cleanup, fixture, tempDir } from './lib.mjs';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '1000000' },
    cli: { type: 'string', default: TWINBUILD },
    label: { type: 'string', default: 'this checkout' },
    'term-after': { type: 'string', default: '20' },
    'skip-term': { type: 'boolean', default: false },
    'skip-full': { type: 'boolean', default: false },
  },
});
const files = Number(values.files);
const perDir = 1000;
const dirs = Math.ceil(files / perDir);

// A small C program writes the tree: a shell loop would take longer than the comparison.
const MK = `#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
int main(int argc, char **argv) {
  int dirs = atoi(argv[1]), per = atoi(argv[2]); char p[64];
  mkdir("out", 0755);
  for (int d = 0; d < dirs; d++) {
    snprintf(p, sizeof p, "out/d%04d", d); mkdir(p, 0755);
    for (int f = 0; f < per; f++) {
      snprintf(p, sizeof p, "out/d%04d/f%04d", d, f);
      FILE *h = fopen(p, "w"); if (!h) return 1; fprintf(h, "%d\\n", f); fclose(h);
    }
  }
  return 0;
}
`;

async function source() {
  const dir = await fixture(`./mk ${dirs} ${perDir}\nprintf "$(umask)" > out/d0000/f0000`);
  await fs.writeFile(path.join(dir, 'mk.c'), MK);
  await $`cc -O2 -o ${path.join(dir, 'mk')} ${path.join(dir, 'mk.c')}`;
  return dir;
}

const args = (src, out) => [
  'check',
  src,
  '--build',
  'sh build.sh',
  '--artifacts',
  'out/**',
  '--vary=-all,+umask',
  '--no-bisect',
  '--no-diffoscope',
  '--out',
  out,
];

/** One full check under GNU time: exit code, peak RSS, wall time, what it wrote. */
async function fullRun(src) {
  const tmp = await tempDir('tb-bench-tmp-');
  const out = path.join(await tempDir('tb-bench-out-'), 'out');
  const run = await $({
    env: { ...process.env, TMPDIR: tmp },
  })`/usr/bin/time -f ${'peak-rss-kib %M wall-s %e'} node ${values.cli} ${args(src, out)} --quiet`.nothrow();
  const results = path.join(out, 'results.json');
  const parsed = JSON.parse(await fs.readFile(results, 'utf8'));
  const pkg = parsed.packages[0];
  const side = pkg.artifactSummary?.file ? path.join(out, pkg.artifactSummary.file) : null;
  const sideLines = side ? Number((await $`wc -l < ${side}`).stdout.trim()) : null;
  return {
    exitCode: run.exitCode,
    peakRssMiB: Math.round(Number(/peak-rss-kib (\d+)/.exec(run.stderr)?.[1]) / 1024),
    wallS: Number(/wall-s ([\d.]+)/.exec(run.stderr)?.[1]),
    compareS: pkg.timings.compare / 1000,
    resultsJsonBytes: (await fs.stat(results)).size,
    listedArtifacts: pkg.artifacts.length,
    summary: pkg.artifactSummary ?? null,
    sideFileLines: sideLines,
    leftInTmp: await fs.readdir(tmp),
  };
}

/** SIGTERM `after` seconds into the compare phase: seconds until the process exited, its exit code, what it left. */
async function termRun(src, after) {
  const tmp = await tempDir('tb-bench-tmp-');
  const out = path.join(await tempDir('tb-bench-out-'), 'out');
  const child = spawn('node', [values.cli, ...args(src, out)], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const comparing = new Promise((resolve) => {
    const look = (chunk) => {
      text += chunk;
      if (/comparing artifacts/.test(text)) resolve(undefined);
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
  });
  await Promise.race([comparing, exited]);
  await new Promise((r) => setTimeout(r, after * 1000));
  const sent = performance.now();
  child.kill('SIGTERM');
  const { code, signal } = await exited;
  const stopS = (performance.now() - sent) / 1000;
  const results = path.join(out, 'results.json');
  const incomplete = (await fs.pathExists(results)) ? JSON.parse(await fs.readFile(results, 'utf8')).incomplete : null;
  return {
    termAfterCompareStartS: after,
    stopS: Number(stopS.toFixed(2)),
    exitCode: code,
    signal,
    incomplete: incomplete?.reason ?? null,
    leftInTmp: await fs.readdir(tmp),
  };
}

const src = await source();
const record = { at: new Date().toISOString(), label: values.label, cli: values.cli, files: dirs * perDir };
try {
  if (!values['skip-full']) record.full = await fullRun(src);
  if (!values['skip-term']) record.term = await termRun(src, Number(values['term-after']));
} finally {
  await cleanup();
}
const line = JSON.stringify(record);
await fs.mkdirp(path.join(ROOT, 'bench', 'out'));
await fs.appendFile(path.join(ROOT, 'bench', 'out', 'million-files.ndjson'), `${line}\n`);
console.log(line);
