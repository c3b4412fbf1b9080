#!/usr/bin/env node
// What the effectiveness probe costs a build: the probe for all 18 variations
// (the script twinbuild puts in front of every build), run on its own in a
// directory holding its probe tree, plain and under libfaketime as the builds
// run it. Prints the medians; `node bench/probe-cost.mjs [RUNS]`.
import { $, fs, path } from 'zx';
import { ROOT, tempDir, cleanup } from './lib.mjs';

const runs = Number(process.argv[2] ?? 21);
const { probeScript, placeProbeTree } = await import(path.join(ROOT, 'dist', 'engine', 'prepare', 'effectiveness.js'));
const { REGISTRY } = await import(path.join(ROOT, 'dist', 'variations', 'index.js'));
const dir = await tempDir('tb-probe-');
const script = probeScript(REGISTRY, true);
const lib = (await $`sh -c 'ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1'`.nothrow()).stdout.trim();

async function median(env) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    await placeProbeTree(dir);
    const started = performance.now();
    await $({ cwd: dir, env: { PATH: process.env.PATH, ...env } })`/bin/sh -c ${`{\n${script}} 3>/dev/null >/dev/null 2>&1`}`;
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

const plain = await median({});
const faked = lib ? await median({ LD_PRELOAD: lib, FAKETIME: '+100d', NO_FAKE_STAT: '1' }) : null;
const channels = REGISTRY.reduce((n, v) => n + v.observe.length, 0);
console.log(`probe of ${REGISTRY.length} variations (${channels} channels): median ${plain.toFixed(0)} ms plain${faked !== null ? `, ${faked.toFixed(0)} ms under libfaketime` : ''} (${runs} runs)`);
await fs.rm(dir, { recursive: true, force: true });
await cleanup();
