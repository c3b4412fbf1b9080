#!/usr/bin/env node
// What the effectiveness probe costs a build: the probe for all 18 variations
// (the script twinbuild puts in front of every build), run on its own in a
// directory holding its probe tree, plain and under libfaketime as the builds
// run it. Prints the mean per probe; `node bench/probe-cost.mjs [RUNS]`.
import { $, fs, path } from 'zx';
import { ROOT, tempDir, cleanup } from './lib.mjs';

// `tree`: the checkout whose probe is timed (another one's, for a before / after).
export async function probeCost(runs = 50, tree = ROOT) {
  const { probeScript, placeProbeTree } = await import(
    path.join(tree, 'dist', 'engine', 'prepare', 'effectiveness.js')
  );
  const { REGISTRY } = await import(path.join(tree, 'dist', 'variations', 'index.js'));
  const dir = await tempDir('tb-probe-');
  const script = probeScript(REGISTRY, true);
  const lib = (await $`sh -c 'ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1'`.nothrow()).stdout.trim();

  // The probe runs many times inside one shell, so zx's own start-up (tens of ms) is
  // spread over all of them; the figure is the mean per probe over `runs` runs.
  async function perProbe(env) {
    await placeProbeTree(dir);
    const file = path.join(dir, 'probe.sh');
    await fs.writeFile(file, `{\n${script}} 3>/dev/null >/dev/null 2>&1\n`);
    const loop = `i=0; while [ $i -lt ${runs} ]; do /bin/sh ${file}; i=$((i + 1)); done`;
    const started = performance.now();
    await $({ cwd: dir, env: { PATH: process.env.PATH, ...env } })`/bin/sh -c ${loop}`;
    return (performance.now() - started) / runs;
  }

  const plain = await perProbe({});
  const faked = lib ? await perProbe({ LD_PRELOAD: lib, FAKETIME: '+100d', NO_FAKE_STAT: '1' }) : null;
  const channels = REGISTRY.reduce((n, v) => n + v.observe.length, 0);
  await fs.rm(dir, { recursive: true, force: true });
  return { variations: REGISTRY.length, channels, plain, faked, runs };
}

export const describeProbeCost = (r) =>
  `probe of ${r.variations} variations (${r.channels} channels): ` +
  `${r.plain.toFixed(0)} ms ` +
  `plain${r.faked !== null ? `, ${r.faked.toFixed(0)} ms under libfaketime` : ''} ` +
  `(mean of ${r.runs} runs)`;

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(describeProbeCost(await probeCost(Number(process.argv[2] ?? 50))));
  await cleanup();
}
