#!/usr/bin/env node
// What the build sandbox (docs/sandbox.md) costs: the same check by two builds of
// twinbuild, runs interleaved, on the trivial fixture and on GNU hello.
//   node bench/sandbox-cost.mjs BEFORE_TREE [RUNS] [--no-hello]
// BEFORE_TREE is a checkout without the sandbox (the last commit before it) with
// `npm run compile` done; this checkout is "after". Prints a markdown table and adds
// it to bench/RESULTS.md. Goals (issue 28): within 0.1 s on the trivial build,
// within 5 % on hello.
import { $, fs, path } from 'zx';
import { fetchSources } from '../scripts/debian-sources.mjs';
import { cleanup, fixture, fmt, machineFacts, outDir, ROOT, table, timeInterleaved } from './lib.mjs';

const args = process.argv.slice(2);
const before = args.find((a) => !/^\d+$/.test(a) && !a.startsWith('--'));
if (!before) throw new Error('usage: node bench/sandbox-cost.mjs BEFORE_TREE [RUNS] [--no-hello]');
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 5);
const trees = [
  ['before (unshare only)', path.resolve(before)],
  ['after (sandbox)', ROOT],
];

const check = (tree, source, extra) => async () =>
  $`node ${path.join(tree, 'bin', 'twinbuild.js')} check ${source} --quiet --no-bisect --out ${await outDir()} ${extra}`.nothrow();

const trivial = await fixture('mkdir -p out\necho hi > out/a.txt');
const recipe = ['--build', 'sh build.sh', '--artifacts', 'out/a.txt'];
const cases = [
  ['trivial build, --vary=-all', trivial, [...recipe, '--vary=-all'], 0],
  ['trivial build, --vary=+all', trivial, [...recipe, '--vary=+all'], 0],
];
if (!args.includes('--no-hello')) {
  const { hello } = await fetchSources(['hello']);
  // hello records its build date: unreproducible (exit 1) under the time variation, by design.
  cases.push(['GNU hello (Debian source), --vary=+all', hello, ['--vary=+all', '--jobs', '2'], 1]);
}

const rows = [];
for (const [name, source, extra, exit] of cases) {
  const n = name.startsWith('GNU') ? Math.min(runs, 3) : runs;
  const results = await timeInterleaved(
    n,
    trees.map(([label, tree]) => [label, check(tree, source, extra)]),
    exit,
  );
  const [a, b] = results;
  const delta = b.median - a.median;
  rows.push([
    name,
    `${n}`,
    `${fmt(a.median)} (min ${fmt(a.min)})`,
    `${fmt(b.median)} (min ${fmt(b.min)})`,
    `${delta >= 0 ? '+' : ''}${delta.toFixed(2)} s (${((delta / a.median) * 100).toFixed(1)} %)`,
  ]);
  console.log(name, results.map((r) => `${r.label} ${fmt(r.median)}`).join(' · '));
}
await cleanup();

const facts = await machineFacts();
const commit = async (tree) => (await $`git -C ${tree} rev-parse --short HEAD`.nothrow()).stdout.trim();
const md =
  `
## ${facts.date}: the build sandbox's cost (\`node bench/sandbox-cost.mjs\`)

before = \`${await commit(trees[0][1])}\` (private namespaces by unshare, ` +
  `builds as root), after = \`${await commit(ROOT)}\` (bubblewrap sandbox, an ` +
  `unprivileged host id per build); medians of interleaved runs, ${facts.cpu}, ` +
  `${facts.cores} cores.

${table(['check', 'runs', trees[0][0], trees[1][0], 'difference'], rows)}
`;
console.log(md);
await fs.appendFile(path.join(ROOT, 'bench', 'RESULTS.md'), md);
