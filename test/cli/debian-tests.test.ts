// Test suites under a faked clock: the Debian preset builds with nocheck in check
// and sweep (--with-tests runs them), verify keeps the options the official build
// recorded, and a build that fails in its tests under the faked clock says so and
// names the option. The fixture's test compares `date +%s` with the mtime of a file
// it has just written: libfaketime moves the first, never the second (NO_FAKE_STAT).
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { cleanupTemp, runCli, tempDir } from '../helpers.js';
import { debianPackage, writeFiles } from '../suites/fixtures.js';

const CLOCK_TEST =
  'echo written > stamp; now=$$(date +%s); then=$$(stat -c %Y stamp); ' +
  'test $$((now - then)) -lt 3600 -a $$((then - now)) -lt 3600 || { echo "clock test: $$now vs $$then"; exit 1; }';

/** tinyhello whose test suite (override_dh_auto_test) fails whenever the clock is faked. */
async function clockyPackage(dir: string): Promise<void> {
  await debianPackage(dir, 'clocky');
  await writeFiles(dir, {
    'debian/rules':
      `#!/usr/bin/make -f\n%:\n\tdh $@\n\noverride_dh_auto_build:\n\techo "options: $$DEB_BUILD_OPTIONS"\n\n` +
      `override_dh_auto_test:\n\t${CLOCK_TEST}\n`,
  });
  await chmod(join(dir, 'debian/rules'), 0o755);
}

const HINT = new RegExp(
  String.raw`build failed \(exit 2\): it failed in the package's test suite \(dh_auto_test\), ` +
    String.raw`run under a faked clock \(the time variation\); .*` +
    String.raw`DEB_BUILD_OPTIONS=nocheck skips them \(check and sweep add it unless --with-tests\)`,
);

describe('debian preset: test suites and the faked clock', function () {
  this.timeout(300_000);
  after(cleanupTemp);
  let source: string;
  before(async () => {
    source = join(await tempDir(), 'clocky');
    await clockyPackage(source);
  });

  it('check builds with DEB_BUILD_OPTIONS=nocheck by default: a verdict, the tests omitted', async () => {
    const run = await runCli(['check', source, '--no-bisect', '--quiet']);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    const log = await readFile(join(run.out, 'logs', 'clocky', 'control.log'), 'utf8');
    expect(log).to.include('override_dh_auto_test" was omitted due to "DEB_BUILD_OPTIONS=nocheck"');
    expect(log).to.not.include('clock test:');
    expect(log).to.match(/^options: nocheck( parallel=1)?$/m);
  });

  it('check --with-tests runs them: exit 3, the test suite and the faked clock named with the option', async () => {
    const run = await runCli(['check', source, '--no-bisect', '--quiet', '--with-tests']);
    expect(run.exitCode).to.equal(3);
    expect(run.stdout).to.match(HINT);
    expect((await run.results()).packages[0]!.error!.message).to.match(HINT);
    expect(await readFile(join(run.out, 'logs', 'clocky', 'control.log'), 'utf8')).to.include('clock test:');
  });

  it('sweep builds with nocheck too, keeping the DEB_BUILD_OPTIONS it was given', async () => {
    const run = await runCli(['sweep', join(source, '..'), '--no-bisect', '--quiet', '--vary=-all,+time'], {
      env: { DEB_BUILD_OPTIONS: 'noddebs' },
    });
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    const log = await readFile(join(run.out, 'logs', 'clocky', 'control.log'), 'utf8');
    expect(log).to.include('omitted due to "DEB_BUILD_OPTIONS=nocheck"');
    expect(log).to.match(/^options: noddebs nocheck( parallel=1)?$/m);
  });

  it("verify keeps the official build's options: tests it ran run again, and their failure is named", async () => {
    const official = await tempDir();
    await clockyPackage(join(official, 'clocky'));
    const built = await realProcesses.capture(
      ['sh', '-c', `cd '${official}/clocky' && dpkg-buildpackage -us -uc -b && cd .. && dpkg-source -b clocky`],
      { timeoutMs: 120_000, env: { ...process.env, DEB_BUILD_OPTIONS: '' } as Record<string, string> },
    );
    expect(built.exitCode, built.stdout + built.stderr).to.equal(0);
    const run = await runCli(['verify', '--dir', official, '--quiet'], { timeoutMs: 240_000 });
    expect(run.exitCode, run.stderr + run.stdout).to.equal(3);
    expect((await run.results()).packages[0]!.error!.message).to.match(HINT);
  });
});
