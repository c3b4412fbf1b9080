#!/usr/bin/env node
// The fixed cost of one check (issue 35): a trivial build, twinbuild against
// reprotest, and the steps a check's time goes to.
//   [BENCH_BEFORE_COMMIT=abc1234] node bench/check-cost.mjs [BEFORE_TREE] [RUNS] [--hello[=RUNS]] [--only-hello]
// BEFORE_TREE: another checkout with `npm run build` done (the "before"); this
// checkout is "after". Every figure is a median of runs interleaved
// before / after / reprotest, so machine noise falls on all alike. Then the
// steps: `check --profile` of this checkout (medians per step), each phase of
// results.json for both trees, and the pieces inside a build's command timed on
// their own (the sandbox's start, the disorderfs mount by each tree's enter.sh,
// the preload's compile, the effectiveness probe). Appends to bench/RESULTS.md.
// Goals: every variation but user_group ≤ 0.5× reprotest; --vary=-all ≤ 0.35 s;
// --version ≤ 0.15 s; GNU hello (--hello, ~90 s a run) unchanged or better.
import { loadavg } from 'node:os';
import { $, fs, path } from 'zx';
import { fetchSources } from '../scripts/debian-sources.mjs';
import { cleanup, fixture, fmt, machineFacts, outDir, ROOT, table, tempDir, timeInterleaved } from './lib.mjs';
import { probeCost } from './probe-cost.mjs';

/** " (before 0.81×)" when a before tree was measured. */
const beforeRatio = (before, rp) => (before ? ` (before ${(before.median / rp.median).toFixed(2)}×)` : '');

const args = process.argv.slice(2);
const beforeTree = args.find((a) => !/^\d+$/.test(a) && !a.startsWith('--'));
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 7);
const trees = [...(beforeTree ? [['before', path.resolve(beforeTree)]] : []), ['after', ROOT]];
const cli = (tree) => path.join(tree, 'bin', 'twinbuild.js');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');
const loadAtStart = load();

const trivial = await fixture('mkdir -p out\nfor f in a b c d; do echo $f > out/$f.txt; done');
const recipe = ['--build', 'sh build.sh', '--artifacts', 'out/**'];
const ALL = '--vary=+all,-user_group';
// CPU time (user + system, the children's included) of every timed run, by case and
// label: on a shared machine it moves far less than the wall clock does.
const cpu = new Map();
let cpuCase = '';
const cpuFile = path.join(await tempDir('tb-cpu-'), 'rusage');
const withCpu = (label, run) => async () => {
  const result = await run(['/usr/bin/time', '-f', '%U %S', '-o', cpuFile]);
  const [user, system] = (await fs.readFile(cpuFile, 'utf8')).trim().split('\n').pop().split(' ').map(Number);
  const key = `${cpuCase}\0${label}`;
  cpu.set(key, [...(cpu.get(key) ?? []), user + system]);
  return result;
};
const check = (tree, source, extra) => (time) =>
  outDir().then((out) =>
    $`${time} node ${cli(tree)} check ${source} --quiet --no-bisect --out ${out} ${extra}`.nothrow(),
  );
const version = (tree) => (time) => $`${time} node ${cli(tree)} --version`.nothrow();
// As lib.mjs's reprotest(), timed the same way.
const reprotestRun = (source, vary) => (time) =>
  $({ cwd: source })`${time} reprotest --vary=${vary} --no-diffoscope -c ${'sh build.sh'} . ${'out/*.txt'}`.nothrow();

// Each case: label, goal (seconds or ratio to reprotest), the twinbuild args, reprotest's --vary or null.
const cases = [
  ['trivial build, every variation but user_group', 'ratio', [...recipe, ALL], '-user_group', 0],
  ['trivial build, --vary=-all', 0.35, [...recipe, '--vary=-all'], null, 0],
  ['trivial build, --vary=+all,-user_group,-fileordering', null, [...recipe, `${ALL},-fileordering`], null, 0],
  ['twinbuild --version', 0.15, null, null, 0],
];
const helloArg = args.find((a) => a.startsWith('--hello'));
const helloRuns = Number(helloArg?.split('=')[1] ?? 3);
if (args.includes('--only-hello')) cases.length = 0;
if (helloArg || args.includes('--only-hello')) {
  const { hello } = await fetchSources(['hello']);
  // hello records its build year, so the time variation makes it unreproducible (exit 1) by design.
  cases.push(['GNU hello (Debian source), every variation but user_group', null, [ALL], null, 1, hello]);
}

const median = (values) => {
  const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
};
const rows = [];
const cpuRows = [];
const phaseRuns = new Map(); // tree → results.json timings of case 1
for (const [name, goal, extra, rpVary, exit, source = trivial] of cases) {
  const n = name.startsWith('GNU') ? helloRuns : runs;
  cpuCase = name;
  const commands = trees.map(([label, tree]) => [
    label,
    extra === null
      ? withCpu(label, version(tree))
      : async () => {
          const run = await withCpu(label, check(tree, source, extra))();
          if (rpVary !== null && run.exitCode === exit) {
            const results = JSON.parse(await fs.readFile(path.join(await outDir(), 'results.json'), 'utf8'));
            const pkg = results.packages[0];
            const entry = {
              ...pkg.timings,
              control: pkg.builds.control?.durationMs,
              experiment: pkg.builds.experiment?.durationMs,
            };
            phaseRuns.set(label, [...(phaseRuns.get(label) ?? []), entry]);
          }
          return run;
        },
  ]);
  if (rpVary !== null) commands.push(['reprotest', withCpu('reprotest', reprotestRun(source, rpVary))]);
  // The floor under --version: node starting and exiting with nothing to do.
  if (extra === null) commands.push(['node alone', withCpu('node alone', (time) => $`${time} node -e 0`.nothrow())]);
  const results = await timeInterleaved(n, commands, exit);
  const byLabel = Object.fromEntries(results.map((r) => [r.label, r]));
  const after = byLabel.after;
  const rp = byLabel.reprotest;
  const ratio = rp ? after.median / rp.median : null;
  const met =
    goal === 'ratio'
      ? ratio <= 0.5
        ? 'yes'
        : '**no**'
      : typeof goal === 'number'
        ? after.median <= goal
          ? 'yes'
          : '**no**'
        : '—';
  const cpuOf = (label) => median(cpu.get(`${name}\0${label}`) ?? []);
  const cpuCell = (label) => (cpuOf(label) === null ? '—' : `${cpuOf(label).toFixed(2)} s`);
  cpuRows.push([
    name,
    ...trees.map(([label]) => cpuCell(label)),
    rp ? cpuCell('reprotest') : '—',
    rp ? `${(cpuOf('after') / cpuOf('reprotest')).toFixed(2)}×` : '—',
  ]);
  const floor = byLabel['node alone'];
  rows.push([
    floor ? `${name} (\`node -e 0\` alone: ${fmt(floor.median)}, min ${fmt(floor.min)})` : name,
    `${n}`,
    byLabel.before ? `${fmt(byLabel.before.median)} (min ${fmt(byLabel.before.min)})` : '—',
    `${fmt(after.median)} (min ${fmt(after.min)})`,
    rp ? `${fmt(rp.median)} (min ${fmt(rp.min)})` : '—',
    ratio === null ? '—' : `${(after.median / rp.median).toFixed(2)}×${beforeRatio(byLabel.before, rp)}`,
    goal === 'ratio' ? '≤ 0.5× reprotest' : typeof goal === 'number' ? `≤ ${goal} s` : 'unchanged or better',
    met,
  ]);
  console.log(name, results.map((r) => `${r.label} ${fmt(r.median)}`).join(' · '));
}

// The steps of one check, from --profile: medians per step over the runs.
// Host ids, pids and temp names differ from run to run: a step is named without them.
const stepName = (label) =>
  label
    .replace(/\d{3,}/g, 'N')
    .replace(/twinbuild-N-\w+/g, 'twinbuild-N')
    .replace(/[^ ]*…$/, '…');
const profiles = [];
for (let i = 0; i < Math.min(runs, 5); i++) {
  const run =
    await $`node ${cli(ROOT)} check ${trivial} --quiet --no-bisect --out ${await outDir()} ${[...recipe, ALL, '--profile']}`.nothrow();
  const steps = run.stderr
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d*)\s\s(.+)$/.exec(line))
    .filter(Boolean)
    .map((m) => ({ start: Number(m[1]), took: m[2] === '' ? null : Number(m[2]), label: stepName(m[3]) }));
  profiles.push(steps);
}
const order = [];
const byStep = new Map();
for (const steps of profiles) {
  const seen = new Map();
  for (const s of steps) {
    const nth = (seen.get(s.label) ?? 0) + 1; // a step that happens twice (one per side) keeps both
    seen.set(s.label, nth);
    const key = nth > 1 ? `${s.label} (#${nth})` : s.label;
    if (!byStep.has(key)) {
      byStep.set(key, []);
      order.push(key);
    }
    byStep.get(key).push(s);
  }
}
const stepRows = order
  .map((key) => ({
    key,
    start: median(byStep.get(key).map((s) => s.start)),
    took: median(byStep.get(key).map((s) => s.took)),
  }))
  .sort((a, b) => a.start - b.start)
  .map((s) => [`\`${s.key.replace(/`/g, "'")}\``, `${s.start}`, s.took === null ? '' : `${s.took}`]);

// The phases of results.json, both trees (case 1's runs).
const PHASES = ['prepare', 'build', 'compare', 'control', 'experiment'];
const phaseRows = PHASES.map((phase) => [
  phase === 'control' || phase === 'experiment' ? `${phase} build's own command` : `phase ${phase}`,
  ...trees.map(([label]) => `${median((phaseRuns.get(label) ?? []).map((t) => t[phase])) ?? '—'} ms`),
]);

// The pieces inside a build's command, each on its own (medians of `runs`).
async function timeMs(command, n = runs) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const run = await command();
    if (run.exitCode !== 0) throw new Error(`${run.stderr}`.slice(0, 2000));
    times.push(performance.now() - started);
  }
  return median(times).toFixed(0);
}
const scratch = await tempDir('tb-cost-');
const [src, dst] = [path.join(scratch, 'src'), path.join(scratch, 'dst')];
await fs.mkdirp(src);
await fs.mkdirp(dst);
const outer = [
  'unshare',
  '--mount',
  '--uts',
  '--propagation',
  'private',
  '--pid',
  '--fork',
  '--kill-child',
  '--mount-proc',
  '--',
];
const sandbox = [
  'bwrap',
  '--unshare-user',
  '--unshare-pid',
  '--unshare-ipc',
  '--unshare-uts',
  '--unshare-net',
  '--die-with-parent',
  '--new-session',
  '--cap-drop',
  'ALL',
  '--ro-bind',
  '/',
  '/',
  '--dev',
  '/dev',
  '--proc',
  '/proc',
  '--',
];
const enter = (tree, action) => () =>
  $`${outer} /bin/sh ${path.join(tree, 'adapters', 'enter.sh')} ${dst} ${action} -- ${sandbox} /bin/true`.nothrow();
const pieces = [
  ['outer namespaces and bubblewrap, running /bin/true', { after: await timeMs(enter(ROOT, ['bind', src, dst])) }],
];
const fuse = ['disorderfs', src, dst, '0:0', '/nonexistent', '2', '--reverse-dirents=yes', '--multi-user=no'];
pieces.push([
  'the same with the disorderfs mount (enter.sh of each tree)',
  Object.fromEntries(await Promise.all(trees.map(async ([label, tree]) => [label, await timeMs(enter(tree, fuse))]))),
]);
const shimSource = path.join(scratch, 'shim.c');
await fs.writeFile(
  shimSource,
  '#include <errno.h>\nint lremovexattr(const char *p, const char *n) { (void)p; (void)n; errno = 38; return -1; }\n',
);
pieces.push([
  "the preload's compile (cc; before: every check, after: once per machine)",
  {
    before: await timeMs(() => $`cc -shared -fPIC -O2 -o ${path.join(scratch, 'shim.so')} ${shimSource}`.nothrow()),
    after: '0 (a copy from the cache)',
  },
]);
// Each tree's probe, one after the other (never at once), the same channels in both.
const probes = [];
for (const [label, tree] of trees) probes.push([label, await probeCost(20, tree)]);
pieces.push([
  `the effectiveness probe (${probes[0][1].channels} channels), under libfaketime as the builds run it`,
  Object.fromEntries(
    probes.map(([label, probe]) => [
      label,
      `${(probe.faked ?? probe.plain).toFixed(0)} (plain ${probe.plain.toFixed(0)})`,
    ]),
  ),
]);
await cleanup();

const facts = await machineFacts();
// A tree made by `git archive` has no .git: BENCH_BEFORE_COMMIT names it.
const commit = async (tree) =>
  (await $`git -C ${tree} rev-parse --short HEAD`.nothrow()).stdout.trim() ||
  (tree === ROOT ? '' : (process.env.BENCH_BEFORE_COMMIT ?? '(no commit)'));
const treeNames = await Promise.all(trees.map(async ([label, tree]) => `${label} = \`${await commit(tree)}\``));
const uncommitted = beforeTree ? ' (plus what is not committed in the after tree)' : '';
const md = `
## ${facts.date}: the fixed cost of a check (issue 35, \`node bench/check-cost.mjs\`)

${treeNames.join(', ')}${uncommitted}; reprotest ${facts.reprotest.replace('reprotest ', '')}
(null virtual server, \`--no-diffoscope\`), ${facts.cpu}, ${facts.cores} cores, Node ${facts.node}.
**The machine was shared** with other helpers' builds and test runs (load average ${loadAtStart} at the start,
${load()} at the end), so each figure is a median of runs interleaved before / after / reprotest, all at the same
nice level. Trivial build: \`sh build.sh\` writing four small files; \`check --no-bisect\`.
${helloArg || args.includes('--only-hello') ? '' : '\nGNU hello was not run this time (`--hello`; about 90 s a run).\n'}
${table(['check', 'runs', 'before', 'after', 'reprotest', 'after ÷ reprotest', 'goal', 'met'], rows)}

CPU time of the same runs (user + system, the children's included; medians), which the other work on the
machine moves far less than the wall clock:

${table(['check', ...trees.map(([label]) => label), 'reprotest', 'after ÷ reprotest'], cpuRows)}

Where a check's time goes: \`check --profile\` on the trivial build, every variation but user_group, medians of
${profiles.length} runs (ms since node started; a process started twice, once per side, is listed twice):

${table(['step', 'start', 'took'], stepRows)}

The phases of results.json (\`timings\`, and each build's own command), medians of the first case's runs:

${table(['phase', ...trees.map(([label]) => label)], phaseRows)}

Inside a build's command, each piece on its own (ms, medians of ${runs}):

${table(
  ['piece', ...trees.map(([label]) => label)],
  pieces.map(([name, by]) => [name, ...trees.map(([label]) => by[label] ?? '—')]),
)}
`;
console.log(md);
await fs.appendFile(path.join(ROOT, 'bench', 'RESULTS.md'), md);
