// A repository with no packages: `hook install` refuses (exit 2) and says what it
// looked for, since every push would be blocked; and when a repository loses its
// packages after the hook went in, the blocked push says why (exit 3), not only
// "push blocked (exit 3)".
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { CLI, REPO_ROOT, cleanupTemp, tempDir } from '../helpers.js';
import { writeFiles } from './fixtures.js';

// The hook runs the twinbuild on PATH at push time: this checkout's bin/ comes first.
const ENV = {
  ...process.env,
  PATH: `${join(REPO_ROOT, 'bin')}:${process.env['PATH'] ?? ''}`,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.org',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.org',
} as Record<string, string>;
const run = (cwd: string, ...argv: string[]) =>
  realProcesses.capture(['sh', '-c', 'cd "$0" && exec "$@"', cwd, ...argv], { env: ENV, timeoutMs: 180_000 });

async function cloned(): Promise<{ remote: string; work: string }> {
  const base = await tempDir();
  const remote = join(base, 'remote.git');
  const work = join(base, 'work');
  expect((await run(base, 'git', 'init', '-q', '--bare', remote)).exitCode).to.equal(0);
  expect((await run(base, 'git', 'clone', '-q', remote, work)).exitCode).to.equal(0);
  return { remote, work };
}

describe('hook: a repository without packages', function () {
  this.timeout(240_000);
  after(cleanupTemp);

  it('hook install refuses (exit 2), saying what it looked for, and installs nothing', async () => {
    const { work } = await cloned();
    await writeFiles(work, { 'README.md': 'no packages here\n', 'docs/package.txt': 'not a marker\n' });
    const refused = await run(work, 'node', CLI, 'hook', 'install');
    expect(refused.exitCode).to.equal(2);
    expect(refused.stderr).to.match(
      new RegExp(
        String.raw`^twinbuild: not installing the hook: no package found under .*work: ` +
          String.raw`looked for twinbuild\.config\.json with "packages", and for debian/control, package\.json, ` +
          String.raw`\*\.spec or \*\.src\.rpm below it, so every push would be blocked \("no packages checked"\)`,
      ),
    );
    expect(refused.stderr.trim().split('\n')).to.have.length(1);
    expect(await readdir(join(work, '.git/hooks'))).to.not.include('pre-push');
  });

  it('a config that lists no packages is named as the reason', async () => {
    const { work } = await cloned();
    await writeFiles(work, { 'twinbuild.config.json': JSON.stringify({ packages: [] }) });
    const refused = await run(work, 'node', CLI, 'hook', 'install');
    expect(refused.exitCode).to.equal(2);
    expect(refused.stderr).to.match(
      /not installing the hook: .*twinbuild\.config\.json lists no packages, so every push/,
    );
  });

  it('when the packages go later, the blocked push says no package was found and what to add', async () => {
    const { work } = await cloned();
    await writeFiles(work, { 'app/package.json': '{"name":"app","version":"1.0.0"}\n' });
    const installed = await run(work, 'node', CLI, 'hook', 'install');
    expect(installed.exitCode, installed.stderr).to.equal(0);
    await rm(join(work, 'app'), { recursive: true });
    await writeFiles(work, { 'README.md': 'no packages here\n' });
    await run(work, 'git', 'add', '-A');
    await run(work, 'git', 'commit', '-q', '-m', 'docs only');
    const push = await run(work, 'git', 'push', '-q', 'origin', 'HEAD:main');
    const said = push.stdout + push.stderr;
    expect(push.exitCode).to.not.equal(0);
    expect(said).to.match(/push blocked \(exit 3\)/);
    expect(said).to.match(
      /no packages checked: no package found under .*no twinbuild\.config\.json with "packages", and no debian\/control or package\.json/,
    );
  });
});
