// What each variation adds to a check when it is the one varied (the others pinned).
import { $ } from 'zx';
import { fixture, SIX, timeRuns, twinbuild, TWINBUILD } from './lib.mjs';

export async function variationCost(n = 3) {
  const names = JSON.parse((await $`node ${TWINBUILD} variations --json --seed 1`).stdout)
    .variations.filter((v) => v.available)
    .map((v) => v.name);
  const source = await fixture('mkdir -p out\necho hi > out/a.txt');
  const base = await timeRuns('nothing varied', n, twinbuild(source, 'sh build.sh', 'out/a.txt', '--vary=-all'));
  const rows = [];
  for (const name of names) {
    const r = await timeRuns(name, n, twinbuild(source, 'sh build.sh', 'out/a.txt', `--vary=-all,+${name}`));
    rows.push({ name, median: r.median, extra: r.median - base.median });
  }
  const all = await timeRuns('+all', n, twinbuild(source, 'sh build.sh', 'out/a.txt', '--vary=+all'));
  const six = await timeRuns('six', n, twinbuild(source, 'sh build.sh', 'out/a.txt', `--vary=-all,+${SIX}`));
  return { name: 'variation-cost', base: base.median, rows, all: all.median, six: six.median };
}
