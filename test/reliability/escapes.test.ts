// Escapes (issue 17, items 1, 2 and 4): twinbuild reads artifacts as root, so an
// artifact reached through a symlinked directory, or resolving outside its own
// build tree, is never read and never "identical": exit 3 naming the path, and
// no byte of the outside file in any report, page or console line.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createProcessRunner } from '../../adapters/process.js';
import { join } from 'node:path';
import { cleanupTemp, fixture, runCli, tempDir, type CliRun } from '../helpers.js';

/** Every file under `dir` (reports, diffoscope pages, logs), recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Where the marker shows up: the console, or any file twinbuild wrote. */
async function leaks(run: CliRun, marker: string): Promise<string[]> {
  const found = [run.stdout, run.stderr].some((t) => t.includes(marker)) ? ['console'] : [];
  for (const file of await filesUnder(run.out)) if ((await readFile(file)).includes(marker)) found.push(file);
  return found;
}

/** A directory only root may read, holding `name` with a unique marker, as /etc holds shadow. */
async function secretDir(name: string): Promise<{ dir: string; marker: string }> {
  const dir = await tempDir('tb-secret-');
  const marker = `TB-SECRET-${randomUUID()}`;
  await writeFile(join(dir, name), `root:${marker}:19000:0:99999:7:::\n`, { mode: 0o600 });
  await chmod(dir, 0o700);
  return { dir, marker };
}

const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const checkRun = (source: string, artifacts: readonly string[], ...extra: string[]) =>
  runCli([
    'check',
    source,
    '--build',
    'sh build.sh',
    ...artifacts.flatMap((a) => ['--artifacts', a]),
    '--quiet',
    ...extra,
  ]);

async function expectEscape(run: CliRun, named: RegExp): Promise<void> {
  expect(run.exitCode, run.stdout + run.stderr).to.equal(3);
  expect(run.stdout + run.stderr).to.match(named);
  const pkg = (await run.results()).packages[0]!;
  expect(pkg.verdict).to.equal('error');
  expect(pkg.error!.code).to.equal('artifact-escapes-tree');
  expect(pkg.error!.message).to.match(named);
}

describe('reliability: artifacts never escape their build tree', function () {
  this.timeout(180_000);
  after(cleanupTemp);

  it('item 1: the unprivileged experiment makes out a symlink to a root-only dir: exit 3, not a line of it in any report', async () => {
    const { dir, marker } = await secretDir('shadow');
    const source = await fixture(
      `if [ $(id -u) = 0 ]; then mkdir -p out; echo x > out/shadow; else rm -rf out; ln -s ${dir} out; fi`,
    );
    for (const artifacts of ['out/shadow', 'out/**']) {
      const run = await checkRun(source, [artifacts], '--vary=-all,+user_group');
      expect(await leaks(run, marker), artifacts).to.deep.equal([]);
      await expectEscape(
        run,
        new RegExp(
          `artifact (glob )?${literally(artifacts)} is reached through the symlinked directory out \\(-> ${literally(dir)}\\)`,
        ),
      );
    }
  });

  it('item 2: out is a symlink to a fixed host dir on both sides: a nanosecond stamp is not "identical", exit 3', async () => {
    const fixed = await tempDir('tb-fixed-');
    await chmod(fixed, 0o777);
    const marker = `TB-FIXED-${randomUUID()}`;
    await writeFile(join(fixed, 'secret'), marker);
    // Named in --env, so each build's private /tmp keeps it visible: both really share it.
    // Each build runs as its own host id: each replaces the stamp (the dir is 0777, not sticky).
    const source = await fixture('rm -rf out\nln -sfn "$FIXED" out\nrm -f out/stamp\ndate +%s%N > out/stamp');
    const run = await checkRun(source, ['out/**'], '--vary=-all,+umask', '--env', `FIXED=${fixed}`);
    await expectEscape(
      run,
      new RegExp(
        `artifact glob out/\\*\\* is reached through the symlinked directory out \\(-> ${literally(fixed)}\\)`,
      ),
    );
    expect(await leaks(run, marker)).to.deep.equal([]);
  });

  it("item 2: the experiment links its out into the control's workspace: exit 3, not identical", async () => {
    const tmp = await tempDir('tb-tmp-');
    await chmod(tmp, 0o711);
    // umask tells the sides apart: the control (0022) writes a stamp, the experiment borrows it.
    const source = await fixture(
      [
        'if [ "$(umask)" = 0022 ]; then date +%s%N > out/stamp; sleep 1',
        // The sandbox hides the control's tree, but its path follows from the build's own
        // (TMP/twinbuild-*/build/pkg): the link still names it.
        'else rm -rf out; ln -s "$(dirname "$(dirname "$PWD")")/control/pkg/out" out; fi',
      ].join('\n'),
    );
    const run = await runCli(
      ['check', source, '--build', 'sh build.sh', '--artifacts', 'out/stamp', '--quiet', '--vary=-all,+umask'],
      { env: { TMPDIR: tmp } },
    );
    await expectEscape(
      run,
      new RegExp(
        `artifact out/stamp is reached through the symlinked directory out \\(-> ${literally(tmp)}/twinbuild-[^/]+/control/pkg/out\\)`,
      ),
    );
  });

  it('item 4: brace expansion cannot climb out of the tree: the outside file is not hashed, exit 3', async () => {
    const tmp = await tempDir('tb-tmp-');
    await chmod(tmp, 0o711);
    const marker = `TB-BRACE-${randomUUID()}`;
    await writeFile(join(tmp, 'secret'), marker, { mode: 0o600 });
    const source = await fixture('echo a > out/a');
    // <tmp>/twinbuild-XXXX/<side>/pkg: three levels up is <tmp>, for both sides alike.
    const climb = '{.,.}{.,.}/{.,.}{.,.}/{.,.}{.,.}/secret';
    const run = await runCli(
      [
        'check',
        source,
        '--build',
        'sh build.sh',
        '--artifacts',
        'out/**',
        '--artifacts',
        climb,
        '--quiet',
        '--vary=-all',
      ],
      { env: { TMPDIR: tmp } },
    );
    await expectEscape(run, /artifact \.\.\/\.\.\/\.\.\/secret resolves outside the build tree/);
    expect(await leaks(run, marker)).to.deep.equal([]);
  });

  it('bisect: a probe whose out is a symlink to a root-only dir fails, naming it; nothing of the dir is read', async () => {
    const { dir, marker } = await secretDir('f');
    // The experiment (umask 0002, TZ=GMT-14) differs honestly; the probe varying umask alone escapes.
    const source = await fixture(
      [
        'if [ "$(umask)" = 0002 ] && [ "$TZ" = GMT+12 ]; then rm -rf out; ln -s ' + dir + ' out',
        'elif [ "$(umask)" = 0002 ]; then echo varied > out/f',
        'else echo same > out/f; fi',
      ].join('\n'),
    );
    const run = await checkRun(source, ['out/**'], '--vary=-all,+umask,+timezone');
    expect(run.exitCode, run.stdout + run.stderr).to.equal(1);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.bisect.status).to.equal('error');
    expect(pkg.bisect.reason).to.match(/artifact glob out\/\*\* is reached through the symlinked directory out/);
    expect(pkg.culprits).to.deep.equal([]);
    expect(await leaks(run, marker)).to.deep.equal([]);
  });

  it("item 3: a child's environment PATH never chooses twinbuild's own tools (unshare, dpkg-query)", async () => {
    const dir = await tempDir();
    const evilbin = join(dir, 'evilbin');
    const evidence = join(dir, 'evidence');
    await mkdir(evilbin);
    for (const tool of ['unshare', 'dpkg-query']) {
      await writeFile(join(evilbin, tool), `#!/bin/sh\necho "${tool} ran" >> ${evidence}\nexit 0\n`, { mode: 0o755 });
    }
    const runner = createProcessRunner({ path: '/usr/bin:/bin' });
    const env = { PATH: `${evilbin}:/usr/bin:/bin` };
    const ran = await runner.run({
      argv: ['unshare', '--mount', '--', 'true'],
      env,
      cwd: dir,
      logFile: join(dir, 'log'),
    });
    expect(ran.exitCode).to.equal(0);
    const query = await runner.capture(['dpkg-query', '-W', '--', 'dpkg'], { env });
    expect(query.stdout).to.match(/^dpkg\t/);
    expect(existsSync(evidence) ? await readFile(evidence, 'utf8') : 'nothing ran').to.equal('nothing ran');
    // A name not on twinbuild's PATH is not found, even where the child's PATH has it.
    const missing = await createProcessRunner({ path: '/nonexistent' }).run({
      argv: ['unshare', 'true'],
      env,
      cwd: dir,
      logFile: join(dir, 'log'),
    });
    expect(missing.spawnError).to.equal("unshare: not found on twinbuild's PATH");
    expect(existsSync(evidence)).to.equal(false);
  });

  it(
    'verify: a rebuilt artifact that is a symlink to a root-only file is compared ' +
      'as a link, never copied for diffoscope; a symlinked out is exit ' +
      '3',
    async () => {
      const { dir, marker } = await secretDir('pkg.deb');
      const published = join(await tempDir(), 'pkg.deb');
      await writeFile(published, 'the published package');
      const verify = (script: string) =>
        fixture(script).then((source) =>
          runCli([
            'verify',
            source,
            '--build',
            'sh build.sh',
            '--artifacts',
            'out/**',
            '--published',
            published,
            '--quiet',
          ]),
        );
      const linked = await verify(`ln -s ${dir}/pkg.deb out/pkg.deb`);
      expect(await leaks(linked, marker)).to.deep.equal([]);
      expect(linked.exitCode, linked.stdout + linked.stderr).to.equal(1);
      const artifact = (await linked.results()).packages[0]!.artifacts[0]!;
      expect(artifact).to.deep.include({
        path: 'pkg.deb',
        kind: 'symlink',
        status: 'differs',
        linkTarget: { control: null, experiment: `${dir}/pkg.deb` },
      });
      const throughDir = await verify(`rm -rf out\nln -s ${dir} out`);
      expect(await leaks(throughDir, marker)).to.deep.equal([]);
      await expectEscape(throughDir, /artifact glob out\/\*\* is reached through the symlinked directory out/);
    },
  );
});
