// A reproducible build writing 2,000 small files in 20 directories.
import { cleanup, fixture, fmt, reprotest, SIX, timeInterleaved, twinbuild } from './lib.mjs';

const SCRIPT =
  'for d in $(seq 1 20); do mkdir -p out/d$d; for f in $(seq 1 100); do echo "$d/$f" > out/d$d/f$f; done; done';

export async function manyFiles(n = 3) {
  const source = await fixture(SCRIPT);
  const [tb, rp] = await timeInterleaved(n, [
    ['twinbuild', twinbuild(source, 'sh build.sh', 'out/**', `--vary=-all,+${SIX}`)],
    ['reprotest', reprotest(source, 'sh build.sh', 'out/*/*', `-all,+${SIX}`)],
  ]);
  const ratio = tb.median / rp.median;
  return {
    name: 'many-files',
    what: '2,000 small files in 20 dirs',
    tb,
    rp,
    ratio,
    goal: 'twinbuild ≤ 0.3 × reprotest',
    met: ratio <= 0.3,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await manyFiles();
  console.log(
    `many-files: twinbuild ${fmt(r.tb.median)} · reprotest ${fmt(r.rp.median)} · ratio ${r.ratio.toFixed(2)} (goal ≤ 0.3)`,
  );
  await cleanup();
}
