// Bisect: one culprit (time) among reprotest's 14 variations, a 2-s build,
// twinbuild with --jobs 2 against `reprotest --auto-build` on the same fixture.
import { $, fs, os, path } from 'zx';
import { cleanup, fixture, fmt, timeInterleaved, TWINBUILD } from './lib.mjs';

const FOURTEEN =
  'environment,build_path,kernel,aslr,num_cpus,user_group,time,fileordering,domain_host,home,locales,exec_path,timezone,umask';

export async function bisect(n = 3) {
  const source = await fixture('sleep 2\nmkdir -p out\ndate -u +%F > out/date.txt\necho same > out/same.txt');
  const out = path.join(os.tmpdir(), 'tb-bench-bisect');
  const runs = [];
  const twinbuild =
    (...extra) =>
    async () => {
      const run = $`node ${TWINBUILD} check ${source} --build ${'sh build.sh'} --artifacts ${'out/**'} \
--jobs 2 --vary=-all,+${FOURTEEN} --quiet --out ${out} ${extra}`;
      const done = await run.nothrow();
      const pkg = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8')).packages[0];
      runs.push({
        extra: extra.join(' '),
        culprits: pkg.culprits.map((c) => c.variations.join('+')),
        rounds: pkg.bisect.rounds,
        probes: pkg.bisect.probes.length,
      });
      return done;
    };
  // reprotest: its own default variations (all it can do here), one build after another.
  const reprotest = () => $({ cwd: source })`reprotest --auto-build --no-diffoscope -c ${'sh build.sh'} . ${'out/*'}`;
  const rpVerdicts = [];
  const rpRun = async () => {
    const done = await reprotest().nothrow();
    rpVerdicts.push(
      /varying each of the following:\n([\s\S]*?)\n(The build|$)/
        .exec(done.stdout + done.stderr)?.[1]
        ?.trim()
        .replace(/\n/g, '+') ?? '(none named)',
    );
    return done;
  };
  const [tbPlain, tbDiffoscope, rp] = await timeInterleaved(
    n,
    [
      ['twinbuild --no-diffoscope', twinbuild('--no-diffoscope')],
      ['twinbuild (with diffoscope)', twinbuild()],
      ['reprotest --auto-build --no-diffoscope', rpRun],
    ],
    1,
  );
  const culprits = [...new Set(runs.map((r) => r.culprits.join(', ')))];
  return {
    name: 'bisect',
    what: 'one culprit (time) among 14 variations, 2-s build, --jobs 2',
    tb: tbPlain,
    tbDiffoscope,
    rp,
    ratio: tbPlain.median / rp.median,
    rounds: [...new Set(runs.map((r) => r.rounds))],
    probes: [...new Set(runs.map((r) => r.probes))],
    culprits,
    rpCulprits: [...new Set(rpVerdicts)],
    goal: 'twinbuild ≤ 0.3× reprotest --auto-build',
    met: tbPlain.median / rp.median <= 0.3,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await bisect(Number(process.argv[2] ?? 3));
  console.log(
    `bisect: twinbuild ${fmt(r.tb.median)} (${fmt(r.tbDiffoscope.median)} with ` +
      `diffoscope) · reprotest --auto-build ${fmt(r.rp.median)} · ratio ` +
      `${r.ratio.toFixed(2)} · rounds ${r.rounds.join('/')} · probes ` +
      `${r.probes.join('/')} · culprits ${r.culprits.join(' | ')} vs reprotest ` +
      `${r.rpCulprits.join(' | ')}`,
  );
  await cleanup();
}
