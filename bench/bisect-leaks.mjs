// Bisect on the leak fixtures (one leaking variation each, all 18 varied, --jobs 2):
// probe builds, probe rounds, and the round in which the culprit's confirming probe
// ran, for one twinbuild CLI or two (TWINBUILD_BEFORE=path/to/bin/twinbuild.js
// runs an older build on the same fixtures, interleaved). Plus random output: still
// nondeterministic. Usage: node bench/bisect-leaks.mjs [leak names…]
import { $, fs, os, path } from 'zx';
import { cleanup, TWINBUILD } from './lib.mjs';

$.verbose = false;
const MANY = Object.fromEntries(
  Array.from({ length: 24 }, (_, i) => [`src/file-${String(i).padStart(2, '0')}.txt`, `${i}\n`]),
);
const CASES = {
  build_path: ['pwd > out/pwd.txt'],
  home: ['echo "$HOME" > out/home.txt'],
  time: ['date -u +%Y-%m-%d > out/date.txt'],
  umask: [
    'mkdir -p out/tree && echo x > out/tree/f && tar --sort=name --mtime=@0 ' +
      '--owner=0 --group=0 --numeric-owner -cf out/tree.tar -C out tree && rm -r out/tree',
  ],
  fileordering: ['find src -type f > out/list.txt', MANY],
  locales: ["printf '%s\\n' b A a B | sort > out/sorted.txt"],
  domain_host: ['echo "$(hostname) $(domainname)" > out/host.txt'],
  user_group: ['echo "$(id -u):$(id -g) $(id -un)" > out/owner.txt'],
  timezone: ['date -d @86400 +%Y-%m-%dT%H:%M > out/day.txt'],
  nondeterministic: ['head -c 32 /dev/urandom > out/random.bin'],
};

async function leakFixture(script, files = {}) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tb-bench-leak-'));
  await fs.writeFile(path.join(dir, 'build.sh'), `set -eu\nmkdir -p out\n${script}\necho same > out/same.txt\n`);
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdirp(path.dirname(path.join(dir, name)));
    await fs.writeFile(path.join(dir, name), content);
  }
  return dir;
}

async function once(cli, source) {
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'tb-bench-out-'));
  await $`node ${cli} check ${source} --build ${'sh build.sh'} --artifacts ${'out/**'} --jobs 2 --vary=+all \
--seed 7 --quiet --out ${out}`.nothrow();
  const pkg = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8')).packages[0];
  await fs.rm(out, { recursive: true, force: true });
  const confirming = pkg.culprits.map((c) => pkg.bisect.probes.find((p) => p.id === c.probe)?.round ?? 1);
  return {
    culprits:
      pkg.culprits.map((c) => c.variations.join('+')).join(', ') || (pkg.nondeterministic ? 'nondeterministic' : '-'),
    probes: pkg.bisect.probes.length,
    rounds: pkg.bisect.rounds,
    namedInRound: confirming.length ? Math.max(...confirming) : null,
  };
}

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(CASES);
const clis = [
  ['after', TWINBUILD],
  ...(process.env.TWINBUILD_BEFORE ? [['before', process.env.TWINBUILD_BEFORE]] : []),
];
const rows = [];
for (const name of names) {
  const [script, files] = CASES[name];
  const source = await leakFixture(script, files);
  for (const [label, cli] of clis) {
    const r = await once(cli, source);
    rows.push({ leak: name, version: label, ...r });
    console.log(
      `${name.padEnd(16)} ${label.padEnd(6)} culprits ${r.culprits.padEnd(18)} probes ` +
        `${String(r.probes).padStart(2)} rounds ${r.rounds} named in round ` +
        `${r.namedInRound ?? '-'}`,
    );
  }
  await fs.rm(source, { recursive: true, force: true });
}
await cleanup();
