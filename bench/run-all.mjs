#!/usr/bin/env node
// npm run bench: every benchmark, twinbuild next to reprotest in the same run,
// printed and written to bench/RESULTS.md.
//   --reuse-debian   keep the real-package figures already in bench/debian-results.json
//                    (they take about 45 minutes on 2 cores; bench/debian.mjs runs them piece by piece)
import { $, fs, path } from 'zx';
import { cleanup, fmt, machineFacts, retried, ROOT, table } from './lib.mjs';

const FOURTEEN =
  'environment,build_path,kernel,aslr,num_cpus,user_group,time,fileordering,domain_host,home,locales,exec_path,timezone,umask';
import { bisect } from './bisect.mjs';
import { bisectPackage, checkPackage, debianSection, floorPackage, resetDebianResults } from './debian.mjs';
import { sweepBench } from './sweep.mjs';
import { hashing } from './hashing.mjs';
import { manyFiles } from './many-files.mjs';
import { overhead } from './overhead.mjs';
import { parallel } from './parallel.mjs';
import { variationCost } from './variation-cost.mjs';
import { describeProbeCost, probeCost } from './probe-cost.mjs';

const log = (line) => console.log(line);
// reprotest is the reference; take it from Debian when it is missing.
if ((await $`command -v reprotest`.nothrow()).exitCode !== 0) {
  if (process.getuid?.() !== 0) throw new Error('the benchmarks compare with reprotest: apt-get install reprotest');
  log('installing reprotest from Debian');
  await $({
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })`apt-get install -y -qq --no-install-recommends reprotest`;
}
const facts = await machineFacts();
log(`machine: ${facts.cpu}, ${facts.cores} cores, ${facts.memory}; ${facts.reprotest}; node ${facts.node}`);

try {
  const o = await overhead();
  log(
    `overhead    twinbuild ${fmt(o.tb.median)}  reprotest ` +
      `${fmt(o.rp.median)}  ratio ${o.ratio.toFixed(2)}  (goal ≤ 0.50: ` +
      `${o.met ? 'met' : 'NOT met'})`,
  );
  const p = await parallel();
  log(
    `parallel    twinbuild ${fmt(p.tb.median)} (six), ` +
      `${fmt(p.tbAll.median)} (+all)  reprotest ` +
      `${fmt(p.rp.median)}  (goal ≤ 2.3 / 2.4 s: ${p.met ? 'met' : 'NOT met'})`,
  );
  const m = await manyFiles();
  log(
    `many-files  twinbuild ${fmt(m.tb.median)}  reprotest ` +
      `${fmt(m.rp.median)}  ratio ${m.ratio.toFixed(2)}  (goal ≤ 0.30: ` +
      `${m.met ? 'met' : 'NOT met'})`,
  );
  const b = await bisect();
  log(
    `bisect      twinbuild ${fmt(b.tb.median)} (${fmt(b.tbDiffoscope.median)} with ` +
      `diffoscope)  reprotest --auto-build ${fmt(b.rp.median)}  ratio ` +
      `${b.ratio.toFixed(2)}  rounds ${b.rounds.join('/')}  (goal ≤ 0.30: ` +
      `${b.met ? 'met' : 'NOT met'})`,
  );
  const sw = await sweepBench();
  log(
    `sweep       ${sw.large.perMinute.toFixed(0)} packages/min (200, --jobs ` +
      `${sw.jobs}); peak RSS ${sw.small.peakMiB.toFixed(0)} MiB (50) → ` +
      `${sw.large.peakMiB.toFixed(0)} MiB (200)  (goal ` +
      `< 200 MB, flat: ${sw.met ? 'met' : 'NOT met'})`,
  );
  const v = await variationCost();
  log(`variations  nothing varied ${fmt(v.base)}; six ${fmt(v.six)}; +all ${fmt(v.all)}`);
  const probe = await probeCost();
  log(`probe       ${describeProbeCost(probe)}`);
  // Last: its gigabytes of writes would slow whatever came after.
  const h = await hashing();
  if (!process.argv.includes('--reuse-debian')) {
    await resetDebianResults();
    await floorPackage('hello');
    for (const [name, runs] of [
      ['hello', 3],
      ['cjson', 1],
      ['libtry-tiny-perl', 1],
    ])
      await checkPackage(name, runs);
    await bisectPackage('hello');
  }
  const debian = await debianSection();
  log(debian);
  log(
    `hashing     ${h.ours.toFixed(0)} MB/s vs sha256sum ` +
      `${h.sha256sum.toFixed(0)} MB/s (${(h.ratio * 100).toFixed(0)}%); 1 GiB check ` +
      `peak RSS ${h.peakMiB.toFixed(0)} MiB  (goal ≥ 80%, ` +
      `< 150 MB: ${h.met ? 'met' : 'NOT met'})`,
  );

  const yes = (b) => (b ? 'yes' : '**no**');
  const md = `# Benchmarks

Written by \`npm run bench\` (bench/run-all.mjs) on ${facts.date}. Every figure is
the median of several runs made in this one run, twinbuild and reprotest on the
same machine, with the same variations, their runs interleaved (so machine noise
falls on both alike) after a \`sync\`. A run whose exit code was not the
expected one is refused, so a failed build never counts as a time.${
    process.argv.includes('--reuse-debian')
      ? `
The real Debian packages were measured earlier, at the times their section gives
(\`--reuse-debian\`: they take about 45 minutes on 2 cores).`
      : ''
  }

Machine: ${facts.cpu}, ${facts.cores} cores, ${facts.memory}, Linux ${facts.kernel}, Node ${facts.node}.
Tools: twinbuild ${facts.twinbuild}, ${facts.reprotest} (null virtual server, \`--no-diffoscope\`), ${facts.sha256sum}.

## Wall clock against reprotest

Variations: the six of issue 3 (\`-all,+environment,+home,+exec_path,+timezone,+locales,+umask\`) on both
tools. twinbuild still pins every other available variation on both sides (faketime, taskset,
setarch, nice…), so it runs more wrappers than reprotest does here.

${table(
  ['benchmark', 'twinbuild median (min)', 'reprotest median (min)', 'ratio', 'goal', 'met'],
  [
    [
      o.what,
      `${fmt(o.tb.median)} (${fmt(o.tb.min)})`,
      `${fmt(o.rp.median)} (${fmt(o.rp.min)})`,
      o.ratio.toFixed(2),
      o.goal,
      yes(o.met),
    ],
    [
      `${p.what}, six variations`,
      `${fmt(p.tb.median)} (${fmt(p.tb.min)})`,
      `${fmt(p.rp.median)} (${fmt(p.rp.min)})`,
      p.ratio.toFixed(2),
      '≤ 2.3 s',
      yes(p.tb.median <= 2.3),
    ],
    [
      `${p.what}, \`+all\` (every available variation)`,
      `${fmt(p.tbAll.median)} (${fmt(p.tbAll.min)})`,
      '—',
      '—',
      '≤ 2.4 s',
      yes(p.tbAll.median <= 2.4),
    ],
    [
      m.what,
      `${fmt(m.tb.median)} (${fmt(m.tb.min)})`,
      `${fmt(m.rp.median)} (${fmt(m.rp.min)})`,
      m.ratio.toFixed(2),
      m.goal,
      yes(m.met),
    ],
  ],
)}

## Bisect against \`reprotest --auto-build\`

${b.what}. twinbuild varies reprotest's 14 (\`--vary=-all,+${FOURTEEN}\`, \`--jobs 2\`); reprotest runs its
defaults (it skips user_group without a configured user), \`--no-diffoscope\` on both for the ratio.
Build rounds are counted from results.json (\`bisect.rounds\`: the check's two builds are round 1).

${table(
  ['figure', 'twinbuild', 'reprotest --auto-build', 'goal', 'met'],
  [
    [
      'wall, median (min)',
      `${fmt(b.tb.median)} (${fmt(b.tb.min)}); with diffoscope ${fmt(b.tbDiffoscope.median)}`,
      `${fmt(b.rp.median)} (${fmt(b.rp.min)})`,
      `≤ 0.3× (is ${b.ratio.toFixed(2)}×)`,
      yes(b.met),
    ],
    [
      'build rounds',
      `${b.rounds.join(' / ')} (${b.probes.join(' / ')} probe builds, 2 at a time)`,
      'one build at a time: control, all varied, then each variation',
      '—',
      '—',
    ],
    [
      'culprit named',
      b.culprits.join(' / '),
      b.rpCulprits.join(' / '),
      'same',
      yes(b.culprits.join() === b.rpCulprits.join()),
    ],
  ],
)}

## Sweeps

A generated repository of tiny generic packages (each \`echo N > out/a.txt\`), \`twinbuild sweep\` with the
default \`--jobs\` (${sw.jobs}: half the CPUs, as each check runs two builds), every variation available.
Peak RSS of the twinbuild process from GNU time.

${table(
  ['packages', 'wall', 'packages/min', 'peak RSS', 'goal', 'met'],
  [sw.small, sw.large].map((s) => [
    String(s.count),
    fmt(s.seconds),
    s.perMinute.toFixed(0),
    `${s.peakMiB.toFixed(0)} MiB`,
    sw.goal,
    yes(sw.met),
  ]),
)}

${debian}
## Hashing and memory

${table(
  ['figure', 'twinbuild', 'reference', 'goal', 'met'],
  [
    [
      'SHA-256 of a 1 GiB file (warm cache, best of 3)',
      `${h.ours.toFixed(0)} MB/s`,
      `sha256sum ${h.sha256sum.toFixed(0)} MB/s (${(h.ratio * 100).toFixed(0)}%)`,
      '≥ 80% of sha256sum',
      yes(h.ratio >= 0.8),
    ],
    [
      'peak RSS of a check whose artifact is 1 GiB',
      `${h.peakMiB.toFixed(0)} MiB`,
      '—',
      '< 150 MB',
      yes(h.peakMiB < 150),
    ],
  ],
)}

## What each variation costs

A one-file build with nothing varied takes ${fmt(v.base)}; with the six ${fmt(v.six)}; with \`+all\` ${fmt(v.all)}.
Extra wall time when only that variation is varied (the rest pinned), median of 3:

${table(
  ['variation', 'check', 'extra'],
  v.rows.map((r) => [r.name, fmt(r.median), `${r.extra >= 0 ? '+' : ''}${(r.extra * 1000).toFixed(0)} ms`]),
)}

## The effectiveness probe

Every check runs a probe in front of each build, in the build's own process, to
prove each varied variation reached it (README: "Every variation is proved to
take effect"). Its cost, measured alone (bench/probe-cost.mjs): ${describeProbeCost(probe)}.
It runs in both builds at the same time, so a check pays it about once.

## How measured

${retried.length ? `reprotest runs that failed on their own (exit 125) and were run again: ${retried.join('; ')}.\n` : ''}
Wall time of the whole command (\`node bin/twinbuild.js check …\` and \`reprotest … -c 'sh build.sh' . ARTIFACT\`),
process start to exit, measured from the zx script with \`performance.now()\`; tests never assert times.
Peak RSS from GNU \`/usr/bin/time -f %M\`. Fixtures are generated in a temp dir and removed afterwards.
Run it in the foreground: on this workplace, benchmark processes left running after their
shell returned measured up to 2× slower (twinbuild 1.00 s vs 0.48 s on the overhead bench, same machine, minutes apart).
`;
  await fs.writeFile(path.join(ROOT, 'bench', 'RESULTS.md'), md);
  log('wrote bench/RESULTS.md');
} finally {
  await cleanup();
}
