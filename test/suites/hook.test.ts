// The pre-push hook with real git: a local bare remote, a push of an
// unreproducible change is blocked, a reproducible one goes through.
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { CLI, REPO_ROOT, cleanupTemp, tempDir } from '../helpers.js';
import { LEAKS_UMASK, REPRODUCIBLE, genericPackage, writeFiles } from './fixtures.js';

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.org',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.org',
} as Record<string, string>;
// Note: the hook finds twinbuild on PATH at push time, as a user's would; the
// tests put this checkout's CLI first on PATH (runWith) or leave it off (runWithout).
let binDir = '';
const withPath = (path: string) => ({ ...ENV, PATH: path });
const exec = (env: Record<string, string>, cwd: string, argv: string[]) =>
  realProcesses.capture(['sh', '-c', 'cd "$0" && exec "$@"', cwd, ...argv], { env, timeoutMs: 180_000 });
const run = (cwd: string, ...argv: string[]) => exec(withPath(`${binDir}:${ENV['PATH'] ?? ''}`), cwd, argv);
const runWithout = (cwd: string, ...argv: string[]) => exec(withPath('/usr/local/bin:/usr/bin:/bin'), cwd, argv);

describe('hook: git pre-push', function () {
  this.timeout(240_000);
  after(cleanupTemp);
  before(async () => {
    binDir = join(await tempDir('tb-bin-'), 'bin');
    await mkdir(binDir);
    await symlink(CLI, join(binDir, 'twinbuild'));
  });

  it('blocks a push of an unreproducible change and lets a reproducible one through', async () => {
    const base = await tempDir();
    const remote = join(base, 'remote.git');
    const work = join(base, 'work');
    expect((await run(base, 'git', 'init', '-q', '--bare', remote)).exitCode).to.equal(0);
    expect((await run(base, 'git', 'clone', '-q', remote, work)).exitCode).to.equal(0);
    await genericPackage(work, 'pkgs/app', REPRODUCIBLE);
    await genericPackage(work, 'pkgs/lib', REPRODUCIBLE);
    await writeFiles(work, {
      'twinbuild.config.json': JSON.stringify({
        defaults: { build: 'sh build.sh', artifacts: ['out/**'], vary: '-all,+umask,+home' },
        packages: [{ glob: 'pkgs/*' }],
      }),
    });
    const installed = await run(work, 'node', CLI, 'hook', 'install');
    expect(installed.exitCode, installed.stderr).to.equal(0);
    expect((await stat(join(work, '.git/hooks/pre-push'))).mode & 0o111).to.not.equal(0);

    await run(work, 'git', 'add', '-A');
    await run(work, 'git', 'commit', '-q', '-m', 'two reproducible packages');
    const first = await run(work, 'git', 'push', '-q', 'origin', 'HEAD:main');
    expect(first.exitCode, first.stderr + first.stdout).to.equal(0);
    expect(first.stdout + first.stderr).to.match(/2\/2 reproducible/);

    await genericPackage(work, 'pkgs/lib', LEAKS_UMASK);
    await run(work, 'git', 'commit', '-q', '-am', 'lib leaks its umask');
    const blocked = await run(work, 'git', 'push', '-q', 'origin', 'HEAD:main');
    expect(blocked.exitCode).to.not.equal(0);
    expect(blocked.stdout + blocked.stderr).to.match(/UNREPRODUCIBLE: pkgs-lib/);
    expect(blocked.stdout + blocked.stderr).to.match(/push blocked \(exit 1\)/);
    expect(blocked.stdout + blocked.stderr, 'only the changed package is checked').to.match(/0\/1 reproducible/);
    const remoteHead = (await run(remote, 'git', 'log', '--format=%s', '-1', 'main')).stdout.trim();
    expect(remoteHead).to.equal('two reproducible packages');

    await genericPackage(work, 'pkgs/lib', REPRODUCIBLE);
    await run(work, 'git', 'commit', '-q', '-am', 'lib fixed');
    const fixed = await run(work, 'git', 'push', '-q', 'origin', 'HEAD:main');
    expect(fixed.exitCode, fixed.stderr + fixed.stdout).to.equal(0);
    expect((await run(remote, 'git', 'log', '--format=%s', '-1', 'main')).stdout.trim()).to.equal('lib fixed');
  });

  it('refuses to replace another pre-push hook unless --force, and uninstall puts it back', async () => {
    const repo = await tempDir();
    expect((await run(repo, 'git', 'init', '-q')).exitCode).to.equal(0);
    await writeFiles(repo, { 'package.json': '{"name":"app","version":"1.0.0"}\n' });
    const hook = join(repo, '.git/hooks/pre-push');
    await writeFile(hook, '#!/bin/sh\necho mine\n');
    const refused = await run(repo, 'node', CLI, 'hook', 'install');
    expect(refused.exitCode).to.equal(2);
    expect(refused.stderr).to.match(/exists and is not twinbuild's; pass --force/);
    expect(await readFile(hook, 'utf8')).to.equal('#!/bin/sh\necho mine\n');
    expect((await run(repo, 'node', CLI, 'hook', 'install', '--force')).exitCode).to.equal(0);
    expect(await readFile(hook, 'utf8')).to.include('installed by twinbuild hook install');
    const removed = await run(repo, 'node', CLI, 'hook', 'uninstall');
    expect(removed.exitCode, removed.stderr).to.equal(0);
    expect(await readFile(hook, 'utf8')).to.equal('#!/bin/sh\necho mine\n');
    const notOurs = await run(repo, 'node', CLI, 'hook', 'uninstall');
    expect(notOurs.exitCode).to.equal(2);
    expect(notOurs.stderr).to.match(/was not installed by twinbuild/);
  });

  it('names no node or clone path: it runs the twinbuild on PATH at push time, and says so when there is none', async () => {
    const base = await tempDir();
    const remote = join(base, 'remote.git');
    const work = join(base, 'work');
    await run(base, 'git', 'init', '-q', '--bare', remote);
    await run(base, 'git', 'clone', '-q', remote, work);
    await genericPackage(work, 'pkgs/app', REPRODUCIBLE);
    await writeFiles(work, {
      'twinbuild.config.json': JSON.stringify({
        defaults: { build: 'sh build.sh', artifacts: ['out/**'], vary: '-all,+umask' },
        packages: [{ glob: 'pkgs/*' }],
      }),
    });
    expect((await run(work, 'node', CLI, 'hook', 'install')).exitCode).to.equal(0);
    const script = await readFile(join(work, '.git/hooks/pre-push'), 'utf8');
    expect(script).to.not.include(process.execPath);
    expect(script).to.not.include(REPO_ROOT);
    await run(work, 'git', 'add', '-A');
    await run(work, 'git', 'commit', '-q', '-m', 'one package');
    const missing = await runWithout(work, 'git', 'push', '-q', 'origin', 'HEAD:main');
    expect(missing.exitCode).to.not.equal(0);
    expect(missing.stderr).to.match(
      /push blocked: no twinbuild on PATH \(install it, see twinbuild's docs\/install\.md;/,
    );
    expect((await run(remote, 'git', 'branch', '--list', 'main')).stdout.trim(), 'nothing pushed').to.equal('');
    const pushed = await run(work, 'git', 'push', '-q', 'origin', 'HEAD:main');
    expect(pushed.exitCode, pushed.stderr).to.equal(0);
    expect(pushed.stdout + pushed.stderr).to.match(/1\/1 reproducible/);
  });

  it('knows a deleted branch by its all-zero name in a SHA-256 repository (64 zeros) and builds nothing', async () => {
    const base = await tempDir();
    const remote = join(base, 'remote.git');
    const work = join(base, 'work');
    expect((await run(base, 'git', 'init', '-q', '--object-format=sha256', '--bare', remote)).exitCode).to.equal(0);
    expect((await run(base, 'git', 'init', '-q', '--object-format=sha256', work)).exitCode).to.equal(0);
    await run(work, 'git', 'remote', 'add', 'origin', remote);
    await genericPackage(work, 'pkgs/app', LEAKS_UMASK);
    await writeFiles(work, {
      'twinbuild.config.json': JSON.stringify({
        defaults: { build: 'sh build.sh', artifacts: ['out/**'], vary: '-all,+umask' },
        packages: [{ glob: 'pkgs/*' }],
      }),
    });
    await run(work, 'git', 'add', '-A');
    await run(work, 'git', 'commit', '-q', '-m', 'unreproducible');
    expect((await run(work, 'git', 'push', '-q', 'origin', 'HEAD:topic')).exitCode, 'pushed before the hook').to.equal(
      0,
    );
    expect((await run(work, 'node', CLI, 'hook', 'install')).exitCode).to.equal(0);
    const deleted = await run(work, 'git', 'push', '-q', 'origin', '--delete', 'topic');
    expect(deleted.exitCode, deleted.stderr + deleted.stdout).to.equal(0);
    expect(deleted.stdout + deleted.stderr).to.not.match(/reproducible|blocked/i);
    expect((await run(remote, 'git', 'branch', '--list', 'topic')).stdout.trim()).to.equal('');
  });
});
