// A generated repository of tiny generic packages: sweep throughput (packages
// per minute) with the default --jobs, and the twinbuild process's peak RSS at
// 50 and 200 packages (memory should stay flat as packages grow).
import { $, fs, os, path } from 'zx';
import { cleanup, tempDir, TWINBUILD } from './lib.mjs';

async function repo(count) {
  const root = path.join(await tempDir(), 'repo');
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, 'pkgs', `p${String(i).padStart(3, '0')}`);
    await fs.mkdirp(dir);
    await fs.writeFile(path.join(dir, 'build.sh'), `set -eu\nmkdir -p out\necho ${i} > out/a.txt\n`);
  }
  await fs.writeFile(
    path.join(root, 'twinbuild.config.json'),
    JSON.stringify({ defaults: { build: 'sh build.sh', artifacts: ['out/**'] }, packages: [{ glob: 'pkgs/*' }] }),
  );
  return root;
}

async function sweepOnce(count, ...extra) {
  const root = await repo(count);
  const out = path.join(os.tmpdir(), 'tb-bench-sweep-out');
  await $`sync`;
  const started = performance.now();
  const run = await $`/usr/bin/time -f %M node ${TWINBUILD} sweep ${root} --quiet --out ${out} ${extra}`.nothrow();
  const seconds = (performance.now() - started) / 1000;
  if (run.exitCode !== 0) throw new Error(`sweep of ${count} exited ${run.exitCode}: ${run.stderr.slice(-2000)}`);
  const peakKiB = Number(run.stderr.trim().split('\n').pop());
  const result = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8'));
  if (result.summary.reproducible !== count)
    throw new Error(`expected ${count} reproducible, got ${JSON.stringify(result.summary)}`);
  return { count, seconds, perMinute: (count / seconds) * 60, peakMiB: peakKiB / 1024 };
}

export async function sweepBench() {
  const jobs = Math.max(1, Math.floor(os.availableParallelism() / 2));
  const small = await sweepOnce(50);
  const large = await sweepOnce(200);
  return {
    jobs,
    small,
    large,
    met: large.peakMiB < 200 && large.peakMiB <= small.peakMiB * 1.25,
    goal: 'peak RSS < 200 MB, flat from 50 to 200 packages',
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await sweepBench();
  for (const s of [r.small, r.large])
    console.log(
      `sweep ${s.count}: ${s.seconds.toFixed(1)} s, ` +
        `${s.perMinute.toFixed(0)} packages/min, peak RSS ` +
        `${s.peakMiB.toFixed(0)} MiB (--jobs ${r.jobs})`,
    );
  await cleanup();
}
