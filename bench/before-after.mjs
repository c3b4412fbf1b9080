#!/usr/bin/env node
// Two builds of twinbuild side by side on the overhead and parallel benchmarks,
// runs interleaved (with reprotest in the same run as the reference), so a change
// to the engine can be shown not to cost time:
//   node bench/before-after.mjs LABEL=TREE LABEL=TREE [RUNS]
// Each TREE is a checkout with `npm run compile` done. Prints a markdown table and
// appends it to bench/RESULTS-before-after.md.
import { $, fs, path } from 'zx';
import { cleanup, fixture, fmt, machineFacts, outDir, reprotest, ROOT, SIX, table, timeInterleaved } from './lib.mjs';

const trees = process.argv
  .slice(2)
  .filter((a) => a.includes('='))
  .map((a) => a.split('='));
const runs = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 7);
if (trees.length < 2) throw new Error('usage: node bench/before-after.mjs LABEL=TREE LABEL=TREE [RUNS]');

const check = (tree, source, vary) => async () =>
  $`node ${path.join(tree, 'bin', 'twinbuild.js')} check ${source} --build ${'sh build.sh'} --artifacts \
${'out/a.txt'} --quiet --no-bisect --out ${await outDir()} ${vary}`.nothrow();

const overheadSource = await fixture('mkdir -p out\necho hi > out/a.txt');
const parallelSource = await fixture('sleep 2\nmkdir -p out\necho done > out/a.txt');
const rows = [];
for (const [name, source, vary, rpVary] of [
  ['overhead (one small file, six variations)', overheadSource, `--vary=-all,+${SIX}`, `-all,+${SIX}`],
  ['parallel (a 2-s build, six variations)', parallelSource, `--vary=-all,+${SIX}`, `-all,+${SIX}`],
  ['parallel (a 2-s build, +all)', parallelSource, '--vary=+all', null],
]) {
  const commands = trees.map(([label, tree]) => [label, check(tree, source, vary)]);
  if (rpVary) commands.push(['reprotest', reprotest(source, 'sh build.sh', 'out/a.txt', rpVary)]);
  const results = await timeInterleaved(runs, commands);
  rows.push([name, ...results.map((r) => `${fmt(r.median)} (min ${fmt(r.min)})`), ...(rpVary ? [] : ['—'])]);
  console.log(name, results.map((r) => `${r.label} ${fmt(r.median)}`).join(' · '));
}
const facts = await machineFacts();
const commits = [];
for (const [label, tree] of trees)
  commits.push(`${label} = \`${(await $`git -C ${tree} rev-parse --short HEAD`.nothrow()).stdout.trim()}\``);
const md = `
## ${facts.date}: ${trees.map(([l]) => l).join(' vs ')}

Median of ${runs} interleaved runs each (min in brackets), \`--no-bisect\`, on ${facts.cpu}, ${facts.cores} cores; ${facts.reprotest}.
Trees: ${commits.join(', ')}.

${table(['benchmark', ...trees.map(([l]) => l), 'reprotest'], rows)}
`;
await fs.appendFile(path.join(ROOT, 'bench', 'RESULTS-before-after.md'), md);
console.log(md);
await cleanup();
