// Bad input: one line on stderr, exit 2, no stack trace, and nothing created —
// no output dir, no temp dir, no build.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { CLI, cleanupTemp, fixture, hashTree, tempDir } from '../helpers.js';

type Case = Readonly<{
  what: string;
  args: (ctx: { source: string; out: string; file: string; dir: string }) => string[];
  message: RegExp;
}>;

const BUILD = ['--build', 'touch "$MARK"; sh build.sh', '--artifacts', 'out/**'];

const CASES: readonly Case[] = [
  {
    what: '--jobs 0',
    args: ({ source, out }) => ['check', source, ...BUILD, '--jobs', '0', '--out', out],
    message: /--jobs expects a whole number/,
  },
  {
    what: '--jobs=-1',
    args: ({ source, out }) => ['check', source, ...BUILD, '--jobs=-1', '--out', out],
    message: /--jobs expects a whole number/,
  },
  {
    what: '--jobs abc',
    args: ({ source, out }) => ['check', source, ...BUILD, '--jobs', 'abc', '--out', out],
    message: /--jobs expects a whole number/,
  },
  {
    what: '--timeout abc',
    args: ({ source, out }) => ['check', source, ...BUILD, '--timeout', 'abc', '--out', out],
    message: /--timeout expects a duration/,
  },
  {
    what: '--timeout 0',
    args: ({ source, out }) => ['check', source, ...BUILD, '--timeout', '0', '--out', out],
    message: /--timeout must be positive/,
  },
  {
    what: 'an unknown variation',
    args: ({ source, out }) => ['check', source, ...BUILD, '--vary=+nosuch', '--out', out],
    message: /unknown variation "nosuch"/,
  },
  {
    what: 'an unknown flag',
    args: ({ source, out }) => ['check', source, ...BUILD, '--frobnicate', '--out', out],
    message: /frobnicate/,
  },
  {
    what: 'a SOURCE that is a file',
    args: ({ file, out }) => ['check', file, ...BUILD, '--out', out],
    message: /cannot read source directory/,
  },
  {
    what: 'a SOURCE that does not exist',
    args: ({ source, out }) => ['check', `${source}-nope`, ...BUILD, '--out', out],
    message: /cannot read source directory/,
  },
  {
    what: 'a glob climbing out of the tree',
    args: ({ source, out }) => ['check', source, '--build', 'true', '--artifacts', '../../etc/*', '--out', out],
    message: /escapes the build tree/,
  },
  {
    what: 'an absolute glob',
    args: ({ source, out }) => ['check', source, '--build', 'true', '--artifacts', '/etc/*', '--out', out],
    message: /escapes the build tree/,
  },
  {
    what: 'a glob that climbs after descending',
    args: ({ source, out }) => ['check', source, '--build', 'true', '--artifacts', 'out/../../x', '--out', out],
    message: /escapes the build tree/,
  },
  {
    what: 'an output dir below a regular file',
    args: ({ source, file }) => ['check', source, ...BUILD, '--out', join(file, 'out')],
    message: /cannot write the output directory .*ENOTDIR/,
  },
  {
    what: 'an output dir in /proc',
    args: ({ source }) => ['check', source, ...BUILD, '--out', '/proc/twinbuild-out'],
    message: /cannot write the output directory/,
  },
  {
    what: 'a --seed that is not a number',
    args: ({ source, out }) => ['check', source, ...BUILD, '--seed', 'xyz', '--out', out],
    message: /--seed/,
  },
  {
    what: 'a sweep of a repository whose config is not JSON',
    args: ({ file, out }) => ['sweep', join(file, '..', 'badconfig'), '--out', out],
    message: /twinbuild\.config\.json/,
  },
  // Issue 17, item 10: each reproduction as reported.
  {
    what: '--timeout 600h (Node timers overflow past 24.8 days)',
    args: ({ source, out }) => ['check', source, ...BUILD, '--timeout', '600h', '--out', out],
    message: /^twinbuild: --timeout must be at most 168h \(7 days\), got "600h"$/,
  },
  {
    what: '--timeout 0.0001 (rounds to no timeout)',
    args: ({ source, out }) => ['check', source, ...BUILD, '--timeout', '0.0001', '--out', out],
    message: /^twinbuild: --timeout must be at least 1ms, got "0.0001"$/,
  },
  {
    what: '--diffoscope-timeout 0.1ms',
    args: ({ source, out }) => ['check', source, ...BUILD, '--diffoscope-timeout', '0.1ms', '--out', out],
    message: /^twinbuild: --diffoscope-timeout must be at least 1ms/,
  },
  {
    what: 'a config timeout of 600h',
    args: ({ dir, out }) => ['sweep', join(dir, 'longtimeout'), '--out', out],
    message: /twinbuild\.config\.json: package "p": timeout must be at most 168h/,
  },
  {
    what: 'SOURCE /',
    args: ({ out }) => ['check', '/', ...BUILD, '--out', out],
    message: /^twinbuild: source \/ is a system directory, not a package source$/,
  },
  {
    what: 'SOURCE /proc',
    args: ({ out }) => ['check', '/proc', ...BUILD, '--out', out],
    message: /^twinbuild: source \/proc is a system directory/,
  },
  {
    what: 'a SOURCE that links into /sys',
    args: ({ dir, out }) => ['check', join(dir, 'to-sys'), ...BUILD, '--out', out],
    message: /to-sys \(\/sys\/kernel\) is a system directory/,
  },
  {
    what: 'sweep ROOT /dev',
    args: ({ out }) => ['sweep', '/dev', '--out', out],
    message: /sweep root \/dev is a system directory/,
  },
  {
    what: 'a .dsc that is not a source control file',
    args: ({ dir, out }) => ['check', join(dir, 'hello_1.0-1.dsc'), '--out', out],
    message:
      /hello_1\.0-1\.dsc is not a Debian source control file \(no Source, no Format, no Files or Checksums-Sha256 field\)$/,
  },
  {
    what: 'a 300-character package name in the config',
    args: ({ dir, out }) => ['sweep', join(dir, 'longname'), '--out', out],
    message: /twinbuild\.config\.json: packages\[0\]\.name: must NOT have more than 200 characters$/,
  },
  {
    what: 'a 10 MB build command in the config',
    args: ({ dir, out }) => ['sweep', join(dir, 'bigbuild'), '--out', out],
    message:
      /twinbuild\.config\.json: package "p": build command is 10485760 bytes; at most 65536 \(64 KiB\) are allowed$/,
  },
  {
    what: 'a 10 MB env value in the config',
    args: ({ dir, out }) => ['sweep', join(dir, 'bigenv'), '--out', out],
    message: /twinbuild\.config\.json: package "p": variable BIG is 10485760 bytes/,
  },
  {
    what: 'a 10 MB artifact glob in the config',
    args: ({ dir, out }) => ['sweep', join(dir, 'bigglob'), '--out', out],
    message: /twinbuild\.config\.json: package "p": artifact glob "o+…" is 10485760 bytes/,
  },
  {
    what: 'a 100 KiB --build (the most argv allows is 128 KiB)',
    args: ({ source, out }) => [
      'check',
      source,
      '--build',
      `true ${'x'.repeat(100 * 1024)}`,
      '--artifacts',
      'out/**',
      '--out',
      out,
    ],
    message: /^twinbuild: build command is 102405 bytes; at most 65536/,
  },
  {
    what: 'a 100 KiB --env value',
    args: ({ source, out }) => ['check', source, ...BUILD, '--env', `BIG=${'x'.repeat(100 * 1024)}`, '--out', out],
    message: /^twinbuild: --env BIG is 102400 bytes; at most 65536/,
  },
  {
    what: 'a 100 KiB --artifacts glob',
    args: ({ source, out }) => [
      'check',
      source,
      '--build',
      'true',
      '--artifacts',
      'x'.repeat(100 * 1024),
      '--out',
      out,
    ],
    message: /^twinbuild: artifact glob "x+…" is 102400 bytes/,
  },
  {
    what: '--jobs -5',
    args: ({ source, out }) => ['check', source, ...BUILD, '--jobs', '-5', '--out', out],
    message: /^twinbuild: --jobs expects a whole number from 1 to 1024, got "-5"$/,
  },
  {
    what: '--timeout -5',
    args: ({ source, out }) => ['check', source, ...BUILD, '--timeout', '-5', '--out', out],
    message: /^twinbuild: --timeout expects a duration like 30m, 90s or 1h, got "-5"$/,
  },
  {
    what: '--seed -5',
    args: ({ source, out }) => ['check', source, ...BUILD, '--seed', '-5', '--out', out],
    message: /^twinbuild: --seed expects a whole number from 1 to \d+, got "-5"$/,
  },
  {
    what: 'sweep --jobs -5',
    args: ({ dir, out }) => ['sweep', join(dir, 'longname'), '--jobs', '-5', '--out', out],
    message: /^twinbuild: --jobs expects a whole number/,
  },
  {
    what: 'a flag value starting with a dash (--out -x)',
    args: ({ source }) => ['check', source, ...BUILD, '--out', '-x'],
    message:
      /^twinbuild check: option --out argument is ambiguous: did you forget its value\? A value starting with a dash is written --out=-XYZ/,
  },
  // Issue 17, item 5: the reports never go into the source or a tree that holds it.
  {
    what: '--out equal to SOURCE',
    args: ({ source }) => ['check', source, ...BUILD, '--out', source],
    message: /^twinbuild: --out .*\/pkg is the SOURCE itself/,
  },
  {
    what: 'SOURCE inside --out',
    args: ({ source }) => ['check', source, ...BUILD, '--out', join(source, '..')],
    message: /^twinbuild: SOURCE .*\/pkg is inside --out/,
  },
  {
    what: 'SOURCE inside --out, through a symlink',
    args: ({ source, dir }) => ['check', source, ...BUILD, '--out', join(dir, 'to-source-parent')],
    message: /is inside --out .*to-source-parent/,
  },
  {
    what: 'sweep ROOT equal to --out',
    args: ({ dir }) => ['sweep', join(dir, 'repo'), '--out', join(dir, 'repo')],
    message: /^twinbuild: --out .*\/repo is the ROOT itself/,
  },
  {
    what: 'sweep ROOT inside --out',
    args: ({ dir }) => ['sweep', join(dir, 'repo'), '--out', dir],
    message: /^twinbuild: ROOT .*\/repo is inside --out/,
  },
  {
    what: 'verify SOURCE equal to --out',
    args: ({ source }) => ['verify', source, ...BUILD, '--published', join(source, 'build.sh'), '--out', source],
    message: /is the SOURCE itself/,
  },
  {
    what: 'report merge of a file that is not a results.json',
    args: ({ file, out }) => ['report', 'merge', file, '--out', out],
    message: /results/,
  },
];

describe('reliability: bad input is exit 2 with one line and leaves nothing behind', function () {
  let ctx: { source: string; out: string; file: string; dir: string; mark: string; tmp: string };
  before(async () => {
    const source = await fixture('echo a > out/a');
    const dir = await tempDir('tb-bad-');
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a directory\n');
    await mkdir(join(dir, 'badconfig', 'pkg'), { recursive: true });
    await writeFile(join(dir, 'badconfig', 'twinbuild.config.json'), '{ "packages": [ oops');
    const tmp = await tempDir('tb-tmp-');
    await chmod(tmp, 0o711);
    // The sweeps of issue 17, item 10: one package "p" each, one bad value in its entry.
    const MB10 = 'o'.repeat(10 * 1024 * 1024);
    const entries: Record<string, object> = {
      longname: { name: 'n'.repeat(300), path: 'p', build: 'sh build.sh', artifacts: ['out/**'] },
      bigbuild: { path: 'p', build: MB10, artifacts: ['out/**'] },
      bigenv: { path: 'p', build: 'sh build.sh', artifacts: ['out/**'], env: { BIG: MB10 } },
      bigglob: { path: 'p', build: 'sh build.sh', artifacts: [MB10] },
      longtimeout: { path: 'p', build: 'sh build.sh', artifacts: ['out/**'], timeout: '600h' },
      repo: { path: 'p', build: 'touch "$MARK"', artifacts: ['out/**'] },
    };
    for (const [repo, entry] of Object.entries(entries)) {
      await mkdir(join(dir, repo, 'p'), { recursive: true });
      await writeFile(join(dir, repo, 'p', 'build.sh'), 'touch "$MARK"\n');
      await writeFile(join(dir, repo, 'twinbuild.config.json'), JSON.stringify({ packages: [entry] }));
    }
    await writeFile(join(dir, 'hello_1.0-1.dsc'), 'hello\n');
    await symlink('/sys/kernel', join(dir, 'to-sys'));
    await symlink(join(source, '..'), join(dir, 'to-source-parent'));
    ctx = { source, out: join(dir, 'out'), file, dir, mark: join(dir, 'built'), tmp };
  });
  after(cleanupTemp);

  for (const c of CASES) {
    it(`2 for ${c.what}`, async () => {
      const before = [await hashTree(ctx.dir), await hashTree(join(ctx.source, '..'))];
      const run = await realProcesses.capture(['node', CLI, ...c.args(ctx)], {
        env: { ...(process.env as Record<string, string>), TMPDIR: ctx.tmp, MARK: ctx.mark },
        timeoutMs: 60_000,
      });
      expect(run.exitCode, run.stderr).to.equal(2);
      const lines = run.stderr.trim().split('\n');
      expect(lines, run.stderr).to.have.length(1);
      expect(lines[0]).to.match(c.message);
      expect(run.stderr).not.to.match(/^\s+at /m);
      expect(existsSync(ctx.out), 'output dir created').to.equal(false);
      expect(existsSync(ctx.mark), 'a build ran').to.equal(false);
      expect(await readdir(ctx.tmp), 'temp dir created').to.deep.equal([]);
      expect(
        [await hashTree(ctx.dir), await hashTree(join(ctx.source, '..'))],
        'a file written or changed',
      ).to.deep.equal(before);
    });
  }

  it('2 for a source directory it may not read (run unprivileged)', async () => {
    const shared = await tempDir('tb-unpriv-');
    await chmod(shared, 0o777);
    const secret = join(shared, 'secret');
    await mkdir(secret, { mode: 0o700 });
    const out = join(shared, 'out');
    const run = await realProcesses.capture(
      [
        'setpriv',
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        'node',
        CLI,
        'check',
        secret,
        '--build',
        'true',
        '--artifacts',
        'x',
        '--out',
        out,
      ],
      { env: { ...(process.env as Record<string, string>), TMPDIR: shared, HOME: shared }, timeoutMs: 60_000 },
    );
    expect(run.exitCode, run.stderr).to.equal(2);
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(run.stderr).to.match(/cannot read source directory/);
    expect(existsSync(out)).to.equal(false);
  });
});
