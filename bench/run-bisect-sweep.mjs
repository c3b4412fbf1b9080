#!/usr/bin/env node
// Only the bisect and sweep benchmarks (issues 6 and 7), written to
// bench/RESULTS-bisect-sweep.md; `npm run bench` runs them too, with the rest.
import { fs, path } from 'zx';
import { bisect } from './bisect.mjs';
import { cleanup, fmt, machineFacts, ROOT, table } from './lib.mjs';
import { sweepBench } from './sweep.mjs';

const facts = await machineFacts();
try {
  const b = await bisect(Number(process.argv[2] ?? 3));
  const sw = await sweepBench();
  const yes = (v) => (v ? 'yes' : '**no**');
  const md = `# Bisect and sweep benchmarks

Written by \`node bench/run-bisect-sweep.mjs\` on ${facts.date}; machine: ${facts.cpu}, ${facts.cores} cores,
${facts.memory}, Linux ${facts.kernel}, Node ${facts.node}; ${facts.reprotest}. Medians of ${b.tb.n} interleaved runs.

## Bisect against \`reprotest --auto-build\`

${b.what}. twinbuild varies reprotest's 14 with \`--jobs 2\`; reprotest its defaults (it skips
user_group without a configured user); \`--no-diffoscope\` on both for the ratio. Rounds from results.json
(\`bisect.rounds\`; the check's own two builds are round 1).

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
      'one build at a time',
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

## Sweep of generated tiny packages

Default \`--jobs\` (${sw.jobs}); peak RSS of the twinbuild process from GNU time.

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
`;
  await fs.writeFile(path.join(ROOT, 'bench', 'RESULTS-bisect-sweep.md'), md);
  console.log(md);
} finally {
  await cleanup();
}
