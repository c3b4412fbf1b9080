// The FUSE write tax (issue 18, item 5): a build that writes 300 MB through `tr`.
// Part 1, whole checks, interleaved: twinbuild --vary=+all, --vary=+all,-fileordering,
// reprotest with the same variations (and an older twinbuild when TWINBUILD_BEFORE=
// path/to/bin/twinbuild.js). Part 2, the write alone through disorderfs with each set
// of options tried (interleaved), in a private mount namespace, as root and as an
// unprivileged uid. Usage: node bench/fuse-write.mjs [runs]
import { $, fs, path } from 'zx';
import {
  cleanup,
  fixture,
  fmt,
  machineFacts,
  reprotest,
  retried,
  tempDir,
  timeInterleaved,
  twinbuild,
} from './lib.mjs';
import { ensureNoXattrShim } from '../dist/adapters/disorderfs-shim.js';
import { realProcesses } from '../dist/adapters/process.js';

const BYTES = 300_000_000;
const WRITE = `head -c ${BYTES} /dev/zero | tr '\\0' x > out/big`;
// reprotest's names for what twinbuild's +all varies and it also knows (it skips user_group without a user).
const REPROTEST_ALL = '+all';

export async function wholeChecks(n) {
  const source = await fixture(`mkdir -p out\n${WRITE}`);
  const before = process.env.TWINBUILD_BEFORE;
  const runs = [
    ['twinbuild +all', twinbuild(source, 'sh build.sh', 'out/big', '--vary=+all')],
    ['twinbuild +all,-fileordering', twinbuild(source, 'sh build.sh', 'out/big', '--vary=+all,-fileordering')],
    ['reprotest +all', reprotest(source, 'sh build.sh', 'out/big', REPROTEST_ALL)],
    ['reprotest +all,-fileordering', reprotest(source, 'sh build.sh', 'out/big', `${REPROTEST_ALL},-fileordering`)],
  ];
  if (before) {
    const old = () =>
      $`node ${before} check ${source} --build ${'sh build.sh'} --artifacts ${'out/big'} --quiet --vary=+all \
--out ${path.join(path.dirname(source), 'out-before')}`;
    runs.splice(1, 0, ['twinbuild +all (before)', old]);
  }
  return timeInterleaved(n, runs);
}

// Mounts SRC on DST through disorderfs with OPTS in a private mount namespace,
// disorderfs running as DAEMON, writes the 300 MB as uid UID (0: root), prints the seconds the write took.
const ONE_WRITE =
  String.raw`
src=$1 dst=$2 daemon=$3 uid=$4 preload=$5; shift 5
with_preload=""; [ "$preload" = - ] || with_preload="env LD_PRELOAD=$preload"
chown "$uid:$uid" "$src"
if [ "$daemon" = 0 ]; then
  $with_preload disorderfs -f "$@" "$src" "$dst" >/dev/null 2>&1 &
else
  mount -t tmpfs -o size=4k,mode=755 tmpfs "$dst" && mknod -m 666 "$dst/fuse" c 10 229 ` +
  String.raw`&& mount --bind "$dst/fuse" /dev/fuse && umount "$dst" || exit 9
  setpriv --reuid="$uid" --regid="$uid" --clear-groups --inh-caps=+sys_admin --ambient-caps=+sys_admin ` +
  String.raw`$with_preload disorderfs -f "$@" "$src" "$dst" >/dev/null 2>&1 &
fi
before=$(stat -c %d "$src"); i=0
until [ "$(stat -c %d "$dst")" != "$before" ]; do i=$((i + 1)); [ $i -lt 200 ] || exit 8; sleep 0.05; done
mkdir "$dst/out" && chown "$uid:$uid" "$dst/out"
started=$(date +%s%N)
setpriv --reuid="$uid" --regid="$uid" --clear-groups sh -c "cd '$dst' && ${WRITE}" || exit 7
echo $(( $(date +%s%N) - started ))
umount "$dst"; wait
`;

const BASE = ['--shuffle-dirents=no', '--reverse-dirents=yes', '-o', 'allow_other'];
// [label, options (null: no FUSE), daemon uid, build uid, xattrs reported unsupported (adapters/disorderfs-shim.ts)]
const IDEAS = [
  ['no FUSE (plain directory)', null, 0, 0, false],
  ['before: --multi-user=yes, build as root', ['--multi-user=yes'], 0, 0, false],
  ['--multi-user=no, disorderfs as the build’s uid 23456', ['--multi-user=no'], 23456, 23456, false],
  [
    '--multi-user=no -o big_writes,max_write=131072, as uid 23456',
    ['--multi-user=no', '-o', 'big_writes,max_write=131072'],
    23456,
    23456,
    false,
  ],
  ['adopted: --multi-user=no as uid 23456, xattrs unsupported (preload)', ['--multi-user=no'], 23456, 23456, true],
];

export async function writeAlone(n) {
  const shim = path.join(await tempDir(), 'lib', 'disorderfs-noxattr.so');
  if (!(await ensureNoXattrShim(realProcesses, shim))) throw new Error('cannot compile the disorderfs preload (cc)');
  await fs.chmod(path.dirname(path.dirname(shim)), 0o755);
  const results = IDEAS.map(() => []);
  for (let i = 0; i < n; i++) {
    for (const [j, [, options, daemon, uid, noXattrs]] of IDEAS.entries()) {
      const dir = await tempDir('tb-bench-fuse-');
      const [src, dst] = [path.join(dir, 'src'), path.join(dir, 'dst')];
      await fs.mkdirp(src);
      await fs.mkdirp(dst);
      await fs.chmod(dir, 0o755);
      await $`sync`;
      if (options === null) {
        const started = performance.now();
        await $({ cwd: src })`mkdir out && sh -c ${WRITE}`;
        results[j].push((performance.now() - started) / 1000);
      } else {
        const run = await $`unshare --mount --propagation private sh -c ${ONE_WRITE} one-write ${src} ${dst} ${daemon} \
${uid} ${noXattrs ? shim : '-'} ${[...BASE, ...options]}`.nothrow();
        if (run.exitCode !== 0) throw new Error(`${IDEAS[j][0]}: exit ${run.exitCode} ${run.stderr}`);
        results[j].push(Number(run.stdout.trim()) / 1e9);
      }
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
  return IDEAS.map(([label], j) => ({
    label,
    median: [...results[j]].sort((a, b) => a - b)[Math.floor(n / 2)],
    runs: results[j],
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 3);
  const only = process.argv[3];
  console.log(JSON.stringify(await machineFacts()));
  console.log(`load before: ${(await $`uptime`).stdout.trim()}`);
  if (only !== 'write') {
    for (const r of await wholeChecks(n))
      console.log(`${r.label}: ${fmt(r.median)} (runs ${r.runs.map(fmt).join(', ')})`);
    console.log(`load: ${(await $`uptime`).stdout.trim()}`);
  }
  if (only !== 'checks') {
    for (const r of await writeAlone(n))
      console.log(`write alone, ${r.label}: ${fmt(r.median)} (runs ${r.runs.map(fmt).join(', ')})`);
    console.log(`load after: ${(await $`uptime`).stdout.trim()}`);
  }
  if (retried.length) console.log(`retried: ${retried.join('; ')}`);
  await cleanup();
}
