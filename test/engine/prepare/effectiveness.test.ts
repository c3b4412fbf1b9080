// Issue 16: never a silent no-op. Each case is a leaking build that an earlier
// twinbuild called reproducible while listing the variation as varied; each must
// now be exit 1, or a variation reported as not effective (exit 3 when asked for
// by name), or a documented limit in every report — never a silent 0.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { judge, parseProbeOutput, probeScript } from '../../../engine/prepare/effectiveness.js';
import { findVariation } from '../../../variations/index.js';
import { realProcesses } from '../../../adapters/process.js';
import { checkArgv, check, cleanupTemp, fixture, requireOrSkip, runCli, tempDir } from '../../helpers.js';

const ROOT = process.getuid?.() === 0;

describe('effectiveness: every varied variation is proved to reach the build', function () {
  this.timeout(240_000);
  after(cleanupTemp);

  it('records, per variation and side, what the build saw through each channel', async () => {
    const run = await check(await fixture('echo same > out/a'), '--no-bisect');
    expect(run.exitCode, run.stderr).to.equal(0);
    const pkg = (await run.results()).packages[0]!;
    const varied = pkg.variations.filter((v) => v.status === 'varied');
    expect(varied.length).to.be.greaterThan(5);
    for (const v of varied) {
      expect(v.observed, v.name).to.not.equal(null);
      for (const channel of Object.keys(v.observed!.control))
        expect(v.observed!.control[channel], `${v.name}: ${channel}`).to.not.equal(v.observed!.experiment[channel]);
    }
    const umask = pkg.variations.find((v) => v.name === 'umask')!;
    expect(umask.observed).to.deep.equal({ control: { umask: '0022' }, experiment: { umask: '0002' } });
    expect(pkg.variations.filter((v) => v.status !== 'varied').every((v) => v.observed === null)).to.equal(true);
    expect(await readFile(join(run.out, 'junit.xml'), 'utf8')).to.include(
      '<property name="observed: umask" value="umask: 0022 → 0002"/>',
    );
    expect(await readFile(join(run.out, 'index.html'), 'utf8')).to.match(
      /seen: umask <code>0022<\/code> → <code>0002<\/code>/,
    );
  });

  it('the judge calls a variation whose channels agree not effective, saying what was seen', () => {
    const umask = findVariation('umask')!;
    const script = probeScript([umask]);
    expect(script).to.include('umask');
    // Records as the probe writes them: RS, variation US channel US, the command's raw output.
    const same = parseProbeOutput('\u001eumask\u001fumask\u001f0022\n');
    const verdict = judge([umask], same, same);
    expect(verdict.ineffective).to.deep.equal([
      { name: 'umask', reason: 'not effective here: umask was "0022" on both sides' },
    ]);
    const home = findVariation('home')!;
    const seen = judge(
      [home],
      parseProbeOutput('\u001ehome\u001fHOME\u001f/b exists\n'),
      parseProbeOutput('\u001ehome\u001fHOME\u001f/nonexistent/second-build\nexists\n'),
    );
    expect(seen.ineffective[0]?.reason).to.equal(
      'not effective here: HOME was "/nonexistent/second-build exists" in the experiment',
    );
  });

  it(
    'host state: HOME created on the host by an earlier build does not hide a HOME ' +
      'leak (run twice, the path created between)',
    async function () {
      requireOrSkip(this, ROOT, 'needs root to create /nonexistent on this host and to build in namespaces');
      requireOrSkip(
        this,
        !existsSync('/nonexistent'),
        '/nonexistent already exists on this host; the test must not touch it',
      );
      const source = await fixture('if [ -e "$HOME" ]; then echo yes; else echo no; fi > out/home');
      const first = await check(source, '--vary=-all,+home', '--no-diffoscope', '--isolation', 'namespaces');
      expect(first.exitCode, first.stderr).to.equal(1);
      try {
        await mkdir('/nonexistent/second-build', { recursive: true });
        const second = await check(source, '--vary=-all,+home', '--no-diffoscope', '--isolation', 'namespaces');
        expect(second.exitCode, second.stdout + second.stderr).to.equal(1);
        // Without namespaces nothing can hide it: home is not effective, and asked for by name that is exit 3.
        const sequential = await check(source, '--vary=-all,+home', '--no-diffoscope', '--isolation', 'sequential');
        expect(sequential.exitCode, sequential.stdout).to.equal(3);
        expect(sequential.stdout).to.match(
          /requested variation not effective here: home \(HOME was "\/nonexistent\/second-build exists" in the experiment\)/,
        );
        const byDefault = await check(source, '--no-diffoscope', '--no-bisect', '--isolation', 'sequential');
        const home = (await byDefault.results()).packages[0]!.variations.find((v) => v.name === 'home')!;
        expect(home.status).to.equal('skipped');
        expect(home.reason).to.match(/^not effective here: HOME was/);
        expect(await readFile(join(byDefault.out, 'junit.xml'), 'utf8')).to.match(
          /name="variation home"[\s\S]*not effective here/,
        );
      } finally {
        await rm('/nonexistent', { recursive: true, force: true });
      }
      // Nothing the builds wrote to their HOME reached the host.
      expect(existsSync('/nonexistent')).to.equal(false);
    },
  );

  it('a build running as root cannot create its HOME, or anything else, on the host outside its workspace', async function () {
    requireOrSkip(this, ROOT, 'needs root to build in namespaces');
    requireOrSkip(
      this,
      !existsSync('/nonexistent'),
      '/nonexistent already exists on this host; the test must not touch it',
    );
    const escape = `/tb-escape-${randomBytes(6).toString('hex')}`;
    const source = await fixture(
      [
        'mkdir -p "$HOME/.cache" 2>/dev/null || true',
        `if touch ${escape} 2>/dev/null; then echo wrote; else echo refused; fi > out/root.txt`,
        // What a build may write stays writable: its tree, its private /tmp and /var/tmp, /dev/shm.
        'echo t > /tmp/t && echo v > /var/tmp/v && echo s > /dev/shm/s && cat /tmp/t /var/tmp/v /dev/shm/s > out/writable.txt',
        'if [ -d "$HOME" ]; then echo yes; else echo no; fi > out/home.txt',
      ].join('\n'),
    );
    const run = await check(source, '--vary=-all,+home', '--no-bisect', '--isolation', 'namespaces');
    try {
      expect(run.exitCode, run.stdout + run.stderr).to.equal(1);
      const pkg = (await run.results()).packages[0]!;
      expect(pkg.artifacts.map((a) => [a.path, a.status])).to.deep.equal([
        ['out/home.txt', 'differs'],
        ['out/root.txt', 'identical'],
        ['out/writable.txt', 'identical'],
      ]);
      expect(existsSync('/nonexistent'), 'the experiment HOME reached the host').to.equal(false);
      expect(existsSync(escape), 'a file at the host root').to.equal(false);
    } finally {
      await rm(escape, { force: true });
      await rm('/nonexistent', { recursive: true, force: true });
    }
  });

  it('shared /tmp: each build has its own, so a value cached there differs (and nothing is left in the host /tmp)', async function () {
    requireOrSkip(this, ROOT, 'private /tmp needs namespaces (root)');
    const name = `/tmp/tb-shared-${randomBytes(6).toString('hex')}`;
    try {
      const source = await fixture(
        `[ -f ${name} ] || head -c8 /dev/urandom | od -An -tx1 > ${name}\ncat ${name} > out/x`,
      );
      const run = await check(
        source,
        '--vary=-all,+umask',
        '--no-bisect',
        '--no-diffoscope',
        '--isolation',
        'namespaces',
      );
      expect(run.exitCode, run.stdout + run.stderr).to.equal(1);
      expect(existsSync(name)).to.equal(false);
    } finally {
      await rm(name, { force: true });
    }
  });

  it('libfaketime missing: a date-printing build is never called reproducible with time listed as varied', async function () {
    requireOrSkip(this, ROOT, 'hiding libfaketime with a bind mount in a private namespace needs root');
    const lib = (
      await realProcesses.capture(['sh', '-c', 'ls /usr/lib/*/faketime/libfaketime.so.1 | head -1'])
    ).stdout.trim();
    requireOrSkip(this, lib !== '', 'libfaketime.so.1 not installed (Debian package faketime)');
    const source = await fixture('date -u +%Y-%m-%d > out/date');
    const out = join(await tempDir('tb-out-'), 'out');
    const hidden = (vary: string) =>
      realProcesses.capture(
        [
          'unshare',
          '--mount',
          '--propagation',
          'private',
          '/bin/sh',
          '-c',
          'mount --bind /dev/null "$1" && shift && exec "$@"',
          'hide',
          lib,
          ...checkArgv(source, `--vary=${vary}`, '--no-bisect', '--no-diffoscope', '--out', out),
        ],
        { timeoutMs: 120_000, env: { ...process.env } as Record<string, string> },
      );
    const asked = await hidden('-all,+time');
    expect(asked.exitCode, asked.stdout + asked.stderr).to.equal(3);
    expect(asked.stdout).to.match(
      new RegExp(
        String.raw`requested variation not effective here: time \(date \(dynamic program\) was ` +
          String.raw`"[^"]*cannot be preloaded[^"]*\d{4}-\d\d-\d\d" on both sides\)`,
      ),
    );
    // Through +all it was not asked for by name: skipped with what was seen, and said so.
    const all = await hidden('+all');
    const time = (
      JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as {
        packages: { variations: { name: string; status: string; reason: string }[] }[];
      }
    ).packages[0]!.variations.find((v) => v.name === 'time')!;
    expect(all.exitCode, all.stdout).to.equal(0);
    expect(time.status).to.equal('skipped');
    expect(time.reason).to.match(/^not effective here: date \(dynamic program\) was/);
  });

  it('file ordering: a two-file directory listed in readdir order differs every time', async function () {
    requireOrSkip(this, ROOT, 'disorderfs needs root and FUSE');
    const source = await fixture('ls -U src > out/list', { 'src/one': '1', 'src/two': '2' });
    for (let i = 0; i < 3; i++) {
      const run = await check(source, '--vary=-all,+fileordering', '--no-bisect', '--no-diffoscope');
      expect(run.exitCode, `run ${i + 1}: ${run.stdout}${run.stderr}`).to.equal(1);
    }
  });

  // disorderfs runs as the build's own ids (--multi-user=no, issue 18): it must still
  // reorder what the build creates under it, and what the build creates stays the build's.
  it('file ordering: a directory the build creates, then lists and archives, differs, as root and as the varied user', async function () {
    requireOrSkip(this, ROOT, 'disorderfs needs root and FUSE');
    const source = await fixture(
      [
        'mkdir out/d && touch out/d/a out/d/b out/d/c',
        'ls -U out/d > out/list',
        'tar --mtime=@0 --owner=0 --group=0 --numeric-owner -cf out/d.tar -C out d',
        // Under set -eu: a file the build made that is not the build's own fails the build.
        'test "$(stat -c %u:%g out/d/a)" = "$(id -u):$(id -g)"',
        'rm -r out/d',
      ].join('\n'),
    );
    for (const vary of ['-all,+fileordering', '-all,+fileordering,+user_group']) {
      const run = await check(source, `--vary=${vary}`, '--no-bisect', '--no-diffoscope');
      expect(run.exitCode, `${vary}: ${run.stdout}${run.stderr}`).to.equal(1);
      const pkg = (await run.results()).packages[0]!;
      expect(
        pkg.artifacts
          .filter((a) => a.status !== 'identical')
          .map((a) => a.path)
          .sort(),
        vary,
      ).to.deep.equal(['out/d.tar', 'out/list']);
    }
  });

  it('/etc/hostname follows the varied host name', async function () {
    requireOrSkip(this, ROOT, 'domain_host needs namespaces (root)');
    const run = await check(
      await fixture('cat /etc/hostname > out/h'),
      '--vary=-all,+domain_host',
      '--no-bisect',
      '--no-diffoscope',
    );
    expect(run.exitCode, run.stdout + run.stderr).to.equal(1);
  });

  it('--env that would switch a variation off is refused (exit 2), from flags and from a sweep config', async () => {
    const source = await fixture('echo same > out/a');
    for (const [assignment, variation] of [
      ['FAKETIME_ONLY_CMDS=none', 'time'],
      ['FAKETIME_START_AFTER_SECONDS=100000', 'time'],
      ['TWINBUILD_CAPTURE_ENVIRONMENT=x', 'environment'],
      ['LC_ALL=C', 'locales'],
      ['TZ=UTC', 'timezone'],
    ] as const) {
      const run = await check(source, '--env', assignment);
      expect(run.exitCode, assignment).to.equal(2);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
      expect(run.stderr).to.include(
        `${assignment.split('=')[0]} (set by the ${variation} variation) would switch off what is varied`,
      );
      expect(existsSync(run.out)).to.equal(false);
    }
    // Not varied, not refused.
    expect((await check(source, '--env', 'FAKETIME_ONLY_CMDS=none', '--vary=-time', '--no-bisect')).exitCode).to.equal(
      0,
    );
    const root = await tempDir();
    await mkdir(join(root, 'p'), { recursive: true });
    await writeFile(join(root, 'p', 'build.sh'), 'mkdir -p out; echo a > out/a\n');
    await writeFile(
      join(root, 'twinbuild.config.json'),
      JSON.stringify({ packages: [{ path: 'p', build: 'sh build.sh', artifacts: 'out/**', env: { LD_PRELOAD: '' } }] }),
    );
    const swept = await runCli(['sweep', root, '--quiet']);
    expect(swept.exitCode).to.equal(2);
    expect(swept.stderr).to.include('LD_PRELOAD (set by the time variation)');
  });

  it('/proc/sys/kernel/osrelease, /proc/version and the online CPU count follow kernel and num_cpus (in namespaces)', async function () {
    requireOrSkip(this, ROOT, 'binding files over /proc and /sys needs namespaces (root)');
    const kernel = await check(
      await fixture('cat /proc/sys/kernel/osrelease /proc/version > out/k'),
      '--vary=-all,+kernel',
      '--no-bisect',
      '--no-diffoscope',
    );
    expect(kernel.exitCode, kernel.stdout + kernel.stderr).to.equal(1);
    const cpus = await check(
      await fixture('getconf _NPROCESSORS_ONLN > out/c\npython3 -c "import os; print(os.cpu_count())" >> out/c'),
      '--vary=-all,+num_cpus',
      '--no-bisect',
      '--no-diffoscope',
    );
    expect(cpus.exitCode, cpus.stdout + cpus.stderr).to.equal(1);
    const seen = (await cpus.results()).packages[0]!.variations.find((v) => v.name === 'num_cpus')!.observed!;
    expect(seen.control['getconf _NPROCESSORS_ONLN']).to.equal('1');
    expect(Number(seen.experiment['getconf _NPROCESSORS_ONLN'])).to.be.greaterThan(1);
  });

  it('what the technique cannot reach is a stated limit in results.json, junit.xml and index.html', async () => {
    const run = await check(
      await fixture('grep -c ^processor /proc/cpuinfo > out/k'),
      '--vary=-all,+kernel',
      '--no-bisect',
    );
    expect(run.exitCode, run.stderr).to.equal(0);
    const kernel = (await run.results()).packages[0]!.variations.find((v) => v.name === 'kernel')!;
    expect(kernel.limits).to.match(/\/proc\/cpuinfo still describes the real machine/);
    expect(await readFile(join(run.out, 'junit.xml'), 'utf8')).to.match(
      /<property name="limit: kernel" value="[^"]*\/proc\/cpuinfo/,
    );
    expect(await readFile(join(run.out, 'index.html'), 'utf8')).to.match(/limit: \/proc\/cpuinfo/);
  });
});
