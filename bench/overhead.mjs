// A build that writes one small file: the cost of the harness itself.
import { cleanup, fixture, fmt, reprotest, SIX, timeInterleaved, twinbuild } from './lib.mjs';

export async function overhead(n = 7) {
  const source = await fixture('mkdir -p out\necho hi > out/a.txt');
  const [tb, rp] = await timeInterleaved(n, [
    ['twinbuild', twinbuild(source, 'sh build.sh', 'out/a.txt', `--vary=-all,+${SIX}`)],
    ['reprotest', reprotest(source, 'sh build.sh', 'out/a.txt', `-all,+${SIX}`)],
  ]);
  const ratio = tb.median / rp.median;
  return {
    name: 'overhead',
    what: 'one small file, the six issue-3 variations',
    tb,
    rp,
    ratio,
    goal: 'twinbuild ≤ 0.5 × reprotest',
    met: ratio <= 0.5,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await overhead();
  console.log(
    `overhead: twinbuild ${fmt(r.tb.median)} · reprotest ${fmt(r.rp.median)} · ratio ${r.ratio.toFixed(2)} (goal ≤ 0.5)`,
  );
  await cleanup();
}
