// The comparison alone, without builds: one checkout's compareArtifacts on two
// existing trees (DIR/control, DIR/experiment, artifacts out/**), its wall time
// and the node process's peak RSS. Compare checkouts by passing each one's module:
//   node bench/compare-only.mjs /work/main/dist/engine/compare/compare.js DIR
import { readFileSync } from 'node:fs';

const [module, dir] = process.argv.slice(2);
const { compareArtifacts } = await import(module);
const started = performance.now();
const { artifacts } = await compareArtifacts(
  { control: `${dir}/control`, experiment: `${dir}/experiment` },
  ['out/**'],
  2,
);
const peak = readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/)[1];
console.log(
  `${module}: ${Math.round(performance.now() - started)} ms, ${artifacts.length} listed, peak RSS ${peak} kB`,
);
