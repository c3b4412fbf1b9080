// Issue 19, item 11: TMPDIR under a directory only root can enter (a 0700 home)
// or itself a 0700 mktemp dir, while every build runs as an unprivileged host id
// (the sandbox) and the experiment as another uid (user_group). The sandbox's
// outer namespace covers the closed directory with searchable ones and binds the
// temp root back (adapters/enter.sh "reach"), so the builds run, in /tmp or
// outside it, and the host's modes are never changed.
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cleanupTemp, EXAMPLES, requireOrSkip, runCli, tempDir } from '../helpers.js';

describe("a TMPDIR the experiment's user could not traverse (issue 19, item 11)", function () {
  this.timeout(180_000);
  after(cleanupTemp);

  const layouts: readonly [string, (base: string) => Promise<string>][] = [
    [
      'under a 0700 home',
      async (home) => {
        await chmod(home, 0o700);
        const tmp = join(home, 'tmp');
        await mkdir(tmp);
        await chmod(tmp, 0o1777);
        return tmp;
      },
    ],
    [
      'itself a 0700 mktemp dir',
      async (dir) => {
        await chmod(dir, 0o700);
        return dir;
      },
    ],
  ];
  for (const [what, layout] of layouts) {
    it(`TMPDIR ${what}: the experiment still builds as another uid, exit 0, nothing left behind`, async function () {
      requireOrSkip(
        this,
        process.getuid?.() === 0,
        'root (the user_group variation runs the experiment as another user)',
      );
      const tmp = await layout(await tempDir('tb-home-'));
      const run = await runCli(
        [
          'check',
          join(EXAMPLES, 'reproducible'),
          '--build',
          'sh build.sh',
          '--artifacts',
          'out/**',
          '--quiet',
          '--no-bisect',
        ],
        { env: { TMPDIR: tmp } },
      );
      expect(run.stderr + run.stdout).not.to.contain('Permission denied');
      expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
      const pkg = (await run.results()).packages[0]!;
      requireOrSkip(
        this,
        pkg.variations.find((v) => v.name === 'user_group')?.status === 'varied',
        'user_group varied here (root, setpriv, mount namespaces)',
      );
      expect(pkg.builds.experiment!.values['user_group']).to.not.equal(pkg.builds.control!.values['user_group']);
      expect(await readdir(tmp)).to.deep.equal([]);
    });
  }

  it(
    'TMPDIR in a 0700 home (outside /tmp): the builds reach it through the sandbox, ' +
      'user_group varied, exit 0, the home still 0700, nothing ' +
      'left',
    async function () {
      requireOrSkip(
        this,
        process.getuid?.() === 0,
        'root (the user_group variation runs the experiment as another user)',
      );
      requireOrSkip(this, !/^\/(var\/)?tmp\//.test(homedir() + '/'), 'a home directory outside /tmp and /var/tmp');
      const home = await mkdtemp(join(homedir(), '.twinbuild-test-home-'));
      try {
        await chmod(home, 0o700);
        const tmp = join(home, 'tmp');
        await mkdir(tmp);
        await chmod(tmp, 0o1777);
        const args = [
          'check',
          join(EXAMPLES, 'reproducible'),
          '--build',
          'sh build.sh',
          '--artifacts',
          'out/**',
          '--quiet',
          '--no-bisect',
        ];
        const run = await runCli(args, { env: { TMPDIR: tmp } });
        expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
        expect(run.stderr + run.stdout).not.to.contain('Permission denied');
        const [pkg] = (await run.results()).packages;
        expect(pkg?.variations.find((v) => v.name === 'user_group')?.status).to.equal('varied');
        expect((await stat(home)).mode & 0o7777).to.equal(0o700);
        expect(await readdir(tmp)).to.deep.equal([]);
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    },
  );
});
