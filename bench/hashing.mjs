// Hashing throughput against sha256sum on a 1 GiB file, and the peak RSS of a
// whole check whose artifact is 1 GiB (streaming keeps memory flat).
import { $, fs, path } from 'zx';
import { ROOT, TWINBUILD, fixture, tempDir } from './lib.mjs';

const GiB = 1024 ** 3;

async function ensureGnuTime() {
  if ((await $`test -x /usr/bin/time`.nothrow()).exitCode === 0) return;
  if (process.getuid?.() !== 0) throw new Error('hashing bench needs GNU time: apt-get install time');
  await $`apt-get install -y -qq time`;
}

export async function hashing(n = 3) {
  await ensureGnuTime();
  const { sha256File } = await import(path.join(ROOT, 'dist', 'core', 'hash.js'));
  const dir = await tempDir();
  const file = path.join(dir, 'big.bin');
  await $`head -c ${GiB} /dev/urandom > ${file}`;
  await $`cat ${file} > /dev/null`; // warm the page cache for both sides
  const ours = [];
  const theirs = [];
  let digest;
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    digest = await sha256File(file, GiB);
    ours.push((performance.now() - t) / 1000);
    t = performance.now();
    const out = (await $`sha256sum ${file}`).stdout.split(' ')[0];
    theirs.push((performance.now() - t) / 1000);
    if (out !== digest) throw new Error(`digests disagree: ${digest} vs ${out}`);
  }
  await fs.rm(file);
  const best = (xs) => Math.min(...xs);
  const mbps = (s) => GiB / 1024 ** 2 / s;

  const source = await fixture('mkdir -p out\nhead -c 1073741824 /dev/zero > out/big.bin');
  const run = await $`/usr/bin/time -f %M node ${TWINBUILD} check ${source} --build ${'sh build.sh'} --artifacts \
${'out/big.bin'} --quiet --out ${path.join(dir, 'out')}`.nothrow();
  if (run.exitCode !== 0) throw new Error(`check of the 1 GiB build failed: ${run.stdout}${run.stderr}`);
  const peakKiB = Number(run.stderr.trim().split('\n').pop());
  return {
    name: 'hashing',
    ours: mbps(best(ours)),
    sha256sum: mbps(best(theirs)),
    ratio: best(theirs) / best(ours),
    peakMiB: peakKiB / 1024,
    met: best(theirs) / best(ours) >= 0.8 && peakKiB / 1024 < 150,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { cleanup } = await import('./lib.mjs');
  const r = await hashing();
  console.log(
    `hashing: ${r.ours.toFixed(0)} MB/s vs sha256sum ` +
      `${r.sha256sum.toFixed(0)} MB/s (${(r.ratio * 100).toFixed(0)}%), check peak RSS ` +
      `${r.peakMiB.toFixed(0)} MiB`,
  );
  await cleanup();
}
