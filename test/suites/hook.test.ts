// The pre-push hook with real git: a local bare remote, a push of an
// unreproducible change is blocked, a reproducible one goes through.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { CLI, cleanupTemp, tempDir } from '../helpers.js';
import { LEAKS_UMASK, REPRODUCIBLE, genericPackage, writeFiles } from './fixtures.js';

const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org' } as Record<string, string>;
const run = (cwd: string, ...argv: string[]) => realProcesses.capture(['sh', '-c', 'cd "$0" && exec "$@"', cwd, ...argv], { env: ENV, timeoutMs: 180_000 });

describe('hook: git pre-push', function () {
  this.timeout(240_000);
  after(cleanupTemp);

  it('blocks a push of an unreproducible change and lets a reproducible one through', async () => {
    const base = await tempDir();
    const remote = join(base, 'remote.git');
    const work = join(base, 'work');
    expect((await run(base, 'git', 'init', '-q', '--bare', remote)).exitCode).to.equal(0);
    expect((await run(base, 'git', 'clone', '-q', remote, work)).exitCode).to.equal(0);
    await genericPackage(work, 'pkgs/app', REPRODUCIBLE);
    await genericPackage(work, 'pkgs/lib', REPRODUCIBLE);
    await writeFiles(work, { 'twinbuild.config.json': JSON.stringify({ defaults: { build: 'sh build.sh', artifacts: ['out/**'], vary: '-all,+umask,+home' }, packages: [{ glob: 'pkgs/*' }] }) });
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
});
