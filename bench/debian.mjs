// Real Debian source packages (fetched by scripts/debian-sources.mjs through a
// private apt dir): twinbuild's verdict and wall time next to reprotest's, same
// run, several runs each (reprotest's time variation is random, so one verdict
// says little), and hello's culprit search against reprotest --auto-build.
import { $, fs, os, path } from 'zx';
import { fetchSources } from '../scripts/debian-sources.mjs';
import { TWINBUILD } from './lib.mjs';

const OUT = path.join(os.tmpdir(), 'tb-bench-debian-out');

async function timed(command) {
  const started = performance.now();
  const run = await command.nothrow();
  return { seconds: (performance.now() - started) / 1000, run };
}

async function twinbuild(dsc, ...extra) {
  const { seconds, run } = await timed($`node ${TWINBUILD} check ${dsc} --quiet --out ${OUT} ${extra}`);
  const result = JSON.parse(await fs.readFile(path.join(OUT, 'results.json'), 'utf8').catch(() => '{"packages":[{}]}'));
  const pkg = result.packages[0] ?? {};
  const culprits = (pkg.culprits ?? []).map((c) => c.variations.join('+')).join(', ') || (pkg.nondeterministic ? 'nondeterministic' : '—');
  return { seconds, verdict: pkg.verdict ?? `exit ${run.exitCode}`, exit: run.exitCode, culprits, rounds: pkg.bisect?.rounds, probes: pkg.bisect?.probes?.length };
}

async function reprotest(dsc, ...extra) {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tb-bench-rp-'));
  try {
    const { seconds, run } = await timed($({ cwd: work })`reprotest --vary=-user_group ${extra} ${dsc}`);
    const text = run.stdout + run.stderr;
    const verdict = /Reproduction successful/.test(text) ? 'reproducible' : /Reproduction failed/.test(text) || run.exitCode === 1 ? 'unreproducible' : `error (exit ${run.exitCode})`;
    const culprits = /varying each of the following:\n([\s\S]*?)\n(?:The build|$)/.exec(text)?.[1]?.trim().replace(/\n/g, ', ') ?? '—';
    return { seconds, verdict, exit: run.exitCode, culprits };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function debianBench({ runs = 3, packages } = {}) {
  const sources = await fetchSources(packages);
  const rows = [];
  for (const [name, dsc] of Object.entries(sources)) {
    const n = name === 'hello' ? runs : 1;
    const tb = [];
    const rp = [];
    for (let i = 0; i < n; i++) {
      tb.push(await twinbuild(dsc, '--no-bisect'));
      rp.push(await reprotest(dsc));
    }
    rows.push({ name, dsc, tb, rp, tbMedian: median(tb.map((r) => r.seconds)), rpMedian: median(rp.map((r) => r.seconds)) });
  }
  const hello = sources.hello;
  const bisect = hello ? { tb: await twinbuild(hello, '--jobs', '2'), rp: await reprotest(hello, '--auto-build') } : null;
  return { rows, bisect };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await debianBench({ runs: Number(process.argv[2] ?? 3) });
  for (const row of r.rows) {
    console.log(`${row.name}: twinbuild ${row.tbMedian.toFixed(1)} s [${row.tb.map((t) => t.verdict).join(', ')}] · reprotest ${row.rpMedian.toFixed(1)} s [${row.rp.map((t) => t.verdict).join(', ')}] · ratio ${(row.tbMedian / row.rpMedian).toFixed(2)}`);
  }
  if (r.bisect) console.log(`hello bisect: twinbuild ${r.bisect.tb.seconds.toFixed(1)} s (${r.bisect.tb.culprits}; ${r.bisect.tb.probes} probes, ${r.bisect.tb.rounds} rounds) · reprotest --auto-build ${r.bisect.rp.seconds.toFixed(1)} s (${r.bisect.rp.culprits}) · ratio ${(r.bisect.tb.seconds / r.bisect.rp.seconds).toFixed(2)}`);
}
