#!/usr/bin/env node
// Diagnosis cost: the share of a check spent classifying its differences (the
// `diagnose` timing in results.json, reading diffoscope's JSON and matching the
// catalogue) against the whole check, on a package whose build leaks eight known
// issue types. Goal: under 5 %. Run: node bench/diagnosis.mjs [RUNS=3]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const runs = Number(process.argv[2] ?? 3);
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

const dir = mkdtempSync(join(tmpdir(), 'tb-bench-diagnosis-'));
try {
  mkdirSync(join(dir, 'pkg'));
  writeFileSync(join(dir, 'pkg', 'build.sh'), BUILD);
  const rows = [];
  for (let i = 0; i < runs; i++) {
    const out = join(dir, `out-${i}`);
    try {
      execFileSync(
        'node',
        [
          join(ROOT, 'bin/twinbuild.js'),
          'check',
          join(dir, 'pkg'),
          '--build',
          'sh build.sh',
          '--artifacts',
          'out/**',
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
    const pkg = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).packages[0];
    const total = Object.values(pkg.timings).reduce((a, b) => a + b, 0);
    rows.push({ diagnose: pkg.timings.diagnose, total, types: pkg.diagnoses.length });
  }
  for (const r of rows)
    console.log(
      `diagnose ${r.diagnose} ms of ${r.total} ms (${((100 * r.diagnose) / r.total).toFixed(2)} %), ${r.types} types`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
