#!/usr/bin/env node
// Diagnosis cost: the share of a check spent classifying its differences (the
// `diagnose` timing in results.json: loading the catalogue, reading diffoscope's
// JSON and matching it) against the whole check, as the wall clock from the
// run's start to its end and as the sum of its phases. Goal: under 5 %.
//   node bench/diagnosis.mjs [RUNS=3] [--hello[=RUNS]]
// The default case is a package whose build leaks eight known issue types (gzip,
// tar, zip, __DATE__, DWARF build path, locale sort, a date, the host name).
// --hello adds GNU hello's Debian source (hello_*.dsc under
// $TWINBUILD_DEBIAN_DIR/src, default /var/tmp/twinbuild-debian/src; fetched by
// `node scripts/debian-sources.mjs hello`, which needs the network): its .deb's
// diffoscope output is what the issue names. Both run with --no-bisect, so the
// check is as short as it gets and the share is the largest it can be.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const GOAL = 5;
const args = process.argv.slice(2);
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
const helloArg = args.find((a) => a.startsWith('--hello'));
const helloRuns = Number(helloArg?.split('=')[1] ?? 2);
const stamped = (p) => `chmod 644 ${p}; touch -d "@$(date +%s)" ${p}`;
const BUILD = [
  'set -eu',
  'mkdir -p out',
  `echo hello > g.txt; ${stamped('g.txt')}; gzip -c g.txt > out/f.gz`,
  `mkdir -p tm; echo a > tm/a; ${stamped('tm/a')}; tar --sort=name --owner=0 --group=0 --numeric-owner -cf out/mtime.tar tm`,
  `mkdir -p tz; echo a > tz/a; ${stamped('tz/a')}; (cd tz && zip -q -X ../out/stamps.zip a)`,
  `printf '#include <stdio.h>\\nint main(void){puts(__DATE__);return 0;}\\n' > c.c; gcc -O0 -Wno-date-time -o out/cdate c.c`,
  `mkdir -p s; printf 'int g(void){return 1;}\\n' > s/g.c; gcc -g -c s/g.c -o out/g.o`,
  `printf 'zeta\\nalpha\\nBeta\\n' | sort > out/sorted.txt`,
  'echo "built $(date -u +%F)" > out/built.txt',
  'hostname > out/host.txt',
].join('\n');

/** One check; its diagnose time against the wall clock and the phases' sum, and what it found. */
function measure(source, extra, out) {
  try {
    execFileSync(
      'node',
      [
        join(ROOT, 'bin/twinbuild.js'),
        'check',
        source,
        ...extra,
        '--vary=+all',
        '--no-bisect',
        '--quiet',
        '--out',
        out,
      ],
      { stdio: 'ignore' },
    );
  } catch (error) {
    if (error.status !== 1) throw error;
  }
  const result = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  const pkg = result.packages[0];
  const phases = Object.values(pkg.timings).reduce((a, b) => a + b, 0);
  const wall = Date.parse(result.finishedAt) - Date.parse(result.startedAt);
  const reports = pkg.diffoscope.filter((d) => d.json).length;
  const jsonBytes = pkg.diffoscope
    .filter((d) => d.json)
    .reduce((sum, d) => sum + readFileSync(join(out, d.json)).length, 0);
  return {
    diagnose: pkg.timings.diagnose ?? 0,
    wall,
    phases,
    types: pkg.diagnoses.map((d) => d.type),
    reports,
    jsonBytes,
  };
}

const pct = (part, whole) => (100 * part) / whole;
function report(label, rows) {
  console.log(`\n${label}`);
  for (const r of rows)
    console.log(
      `  diagnose ${r.diagnose} ms of ${r.wall} ms wall (${pct(r.diagnose, r.wall).toFixed(2)} %), of ${r.phases} ms ` +
        `in phases (${pct(r.diagnose, r.phases).toFixed(2)} %); ${r.reports} JSON report(s), ` +
        `${(r.jsonBytes / 1024).toFixed(0)} KiB; types: ${r.types.join(', ') || 'none'}`,
    );
  const worst = Math.max(...rows.map((r) => pct(r.diagnose, r.phases)));
  console.log(`  worst share ${worst.toFixed(2)} % (goal under ${GOAL} %): ${worst < GOAL ? 'met' : 'NOT met'}`);
  return worst < GOAL;
}

const dir = mkdtempSync(join(tmpdir(), 'tb-bench-diagnosis-'));
let met = true;
try {
  mkdirSync(join(dir, 'pkg'));
  writeFileSync(join(dir, 'pkg', 'build.sh'), BUILD);
  const rows = [];
  for (let i = 0; i < runs; i++)
    rows.push(measure(join(dir, 'pkg'), ['--build', 'sh build.sh', '--artifacts', 'out/**'], join(dir, `out-${i}`)));
  met = report(`eight leaks in one generic package, ${runs} runs`, rows) && met;

  if (helloArg) {
    const src = join(process.env.TWINBUILD_DEBIAN_DIR ?? '/var/tmp/twinbuild-debian', 'src');
    const dsc = existsSync(src)
      ? readdirSync(src).find((f) => f.startsWith('hello_') && f.endsWith('.dsc'))
      : undefined;
    if (!dsc) {
      console.log(
        `\nGNU hello: no hello_*.dsc under ${src} (node scripts/debian-sources.mjs hello fetches it; needs the network)`,
      );
    } else {
      const hello = [];
      for (let i = 0; i < helloRuns; i++) hello.push(measure(join(src, dsc), [], join(dir, `hello-${i}`)));
      met = report(`GNU hello (${dsc}), ${helloRuns} runs`, hello) && met;
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = met ? 0 : 1;
