// Issue 19, item 7: in a repository with no packages, the pre-push hook's sweep
// finds nothing and blocks the push (exit 3, never a pass) — and says why, not
// only "push blocked (exit 3)".
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

describe('hook: a repository without packages (issue 19, item 7)', function () {
  this.timeout(240_000);
  after(cleanupTemp);

  it('the blocked push says no package was found and what to add', async () => {
    const base = await tempDir();
    const remote = join(base, 'remote.git');
    const work = join(base, 'work');
    expect((await run(base, 'git', 'init', '-q', '--bare', remote)).exitCode).to.equal(0);
    expect((await run(base, 'git', 'clone', '-q', remote, work)).exitCode).to.equal(0);
    await writeFiles(work, { 'README.md': 'no packages here\n' });
    expect((await run(work, 'node', CLI, 'hook', 'install')).exitCode).to.equal(0);
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
