// Bad input: one line on stderr, exit 2, no stack trace, and nothing created —
// no output dir, no temp dir, no build.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { CLI, cleanupTemp, fixture, tempDir } from '../helpers.js';

type Case = Readonly<{ what: string; args: (ctx: { source: string; out: string; file: string }) => string[]; message: RegExp }>;

const BUILD = ['--build', 'touch "$MARK"; sh build.sh', '--artifacts', 'out/**'];

const CASES: readonly Case[] = [
  { what: '--jobs 0', args: ({ source, out }) => ['check', source, ...BUILD, '--jobs', '0', '--out', out], message: /--jobs expects a whole number/ },
  { what: '--jobs=-1', args: ({ source, out }) => ['check', source, ...BUILD, '--jobs=-1', '--out', out], message: /--jobs expects a whole number/ },
  { what: '--jobs abc', args: ({ source, out }) => ['check', source, ...BUILD, '--jobs', 'abc', '--out', out], message: /--jobs expects a whole number/ },
  { what: '--timeout abc', args: ({ source, out }) => ['check', source, ...BUILD, '--timeout', 'abc', '--out', out], message: /--timeout expects a duration/ },
  { what: '--timeout 0', args: ({ source, out }) => ['check', source, ...BUILD, '--timeout', '0', '--out', out], message: /--timeout must be positive/ },
  { what: 'an unknown variation', args: ({ source, out }) => ['check', source, ...BUILD, '--vary=+nosuch', '--out', out], message: /unknown variation "nosuch"/ },
  { what: 'an unknown flag', args: ({ source, out }) => ['check', source, ...BUILD, '--frobnicate', '--out', out], message: /frobnicate/ },
  { what: 'a SOURCE that is a file', args: ({ file, out }) => ['check', file, ...BUILD, '--out', out], message: /cannot read source directory/ },
  { what: 'a SOURCE that does not exist', args: ({ source, out }) => ['check', `${source}-nope`, ...BUILD, '--out', out], message: /cannot read source directory/ },
  { what: 'a glob climbing out of the tree', args: ({ source, out }) => ['check', source, '--build', 'true', '--artifacts', '../../etc/*', '--out', out], message: /escapes the build tree/ },
  { what: 'an absolute glob', args: ({ source, out }) => ['check', source, '--build', 'true', '--artifacts', '/etc/*', '--out', out], message: /escapes the build tree/ },
  { what: 'a glob that climbs after descending', args: ({ source, out }) => ['check', source, '--build', 'true', '--artifacts', 'out/../../x', '--out', out], message: /escapes the build tree/ },
  { what: 'an output dir below a regular file', args: ({ source, file }) => ['check', source, ...BUILD, '--out', join(file, 'out')], message: /cannot write the output directory .*ENOTDIR/ },
  { what: 'an output dir in /proc', args: ({ source }) => ['check', source, ...BUILD, '--out', '/proc/twinbuild-out'], message: /cannot write the output directory/ },
  { what: 'a --seed that is not a number', args: ({ source, out }) => ['check', source, ...BUILD, '--seed', 'xyz', '--out', out], message: /--seed/ },
  { what: 'a sweep of a repository whose config is not JSON', args: ({ file, out }) => ['sweep', join(file, '..', 'badconfig'), '--out', out], message: /twinbuild\.config\.json/ },
  { what: 'report merge of a file that is not a results.json', args: ({ file, out }) => ['report', 'merge', file, '--out', out], message: /results/ },
];

describe('reliability: bad input is exit 2 with one line and leaves nothing behind', function () {
  let ctx: { source: string; out: string; file: string; mark: string; tmp: string };
  before(async () => {
    const source = await fixture('echo a > out/a');
    const dir = await tempDir('tb-bad-');
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a directory\n');
    await mkdir(join(dir, 'badconfig', 'pkg'), { recursive: true });
    await writeFile(join(dir, 'badconfig', 'twinbuild.config.json'), '{ "packages": [ oops');
    const tmp = await tempDir('tb-tmp-');
    await chmod(tmp, 0o711);
    ctx = { source, out: join(dir, 'out'), file, mark: join(dir, 'built'), tmp };
  });
  after(cleanupTemp);

  for (const c of CASES) {
    it(`2 for ${c.what}`, async () => {
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
    });
  }

  it('2 for a source directory it may not read (run unprivileged)', async () => {
    const shared = await tempDir('tb-unpriv-');
    await chmod(shared, 0o777);
    const secret = join(shared, 'secret');
    await mkdir(secret, { mode: 0o700 });
    const out = join(shared, 'out');
    const run = await realProcesses.capture(
      ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'node', CLI, 'check', secret, '--build', 'true', '--artifacts', 'x', '--out', out],
      { env: { ...(process.env as Record<string, string>), TMPDIR: shared, HOME: shared }, timeoutMs: 60_000 },
    );
    expect(run.exitCode, run.stderr).to.equal(2);
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(run.stderr).to.match(/cannot read source directory/);
    expect(existsSync(out)).to.equal(false);
  });
});
