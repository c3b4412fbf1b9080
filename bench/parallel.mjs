// A build that sleeps 2 s: both builds at once (twinbuild) or one after the other (reprotest).
import { cleanup, fixture, fmt, reprotest, SIX, timeInterleaved, twinbuild } from './lib.mjs';

export async function parallel(n = 3) {
  const source = await fixture('sleep 2\nmkdir -p out\necho done > out/a.txt');
  const [tbSix, tbAll, rp] = await timeInterleaved(n, [
    ['twinbuild (six)', twinbuild(source, 'sh build.sh', 'out/a.txt', `--vary=-all,+${SIX}`)],
    ['twinbuild (+all)', twinbuild(source, 'sh build.sh', 'out/a.txt', '--vary=+all')],
    ['reprotest', reprotest(source, 'sh build.sh', 'out/a.txt', `-all,+${SIX}`)],
  ]);
  return {
    name: 'parallel',
    what: 'a 2-s build',
    tb: tbSix,
    tbAll,
    rp,
    ratio: tbSix.median / rp.median,
    goal: 'twinbuild ≤ 2.3 s (six), ≤ 2.4 s (+all)',
    met: tbSix.median <= 2.3 && tbAll.median <= 2.4,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await parallel();
  console.log(
    `parallel: twinbuild ${fmt(r.tb.median)} (six) ${fmt(r.tbAll.median)} (+all) · reprotest ${fmt(r.rp.median)}`,
  );
  await cleanup();
}
