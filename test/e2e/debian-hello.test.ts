// End to end on a real Debian source package no one here wrote: GNU hello from
// bookworm, fetched with apt-get source through a private apt dir. Opt-in
// (TWINBUILD_E2E=1): it downloads and builds for minutes.
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { REPO_ROOT, cleanupTemp, optIn, runCli } from '../helpers.js';

describe('e2e: GNU hello from Debian bookworm', function () {
  this.timeout(30 * 60_000);
  after(cleanupTemp);

  it('checks hello_2.10-3.dsc with the debian preset: a verdict on its .deb files, never an error', async function () {
    optIn(this, process.env['TWINBUILD_E2E'] === '1', 'set TWINBUILD_E2E=1 to fetch and build GNU hello (minutes)');
    const fetched = await realProcesses.capture(['node', join(REPO_ROOT, 'scripts', 'debian-sources.mjs'), 'hello'], {
      timeoutMs: 10 * 60_000,
    });
    expect(fetched.exitCode, fetched.stderr).to.equal(0);
    const dsc = /^hello\t(.+\.dsc)$/m.exec(fetched.stdout)?.[1];
    expect(dsc, fetched.stdout + fetched.stderr).to.be.a('string');
    const run = await runCli(['check', dsc!, '--quiet', '--no-bisect'], { timeoutMs: 25 * 60_000 });
    expect([0, 1], run.stderr + run.stdout).to.include(run.exitCode);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.name).to.equal('hello');
    expect(pkg.artifacts.map((a) => a.path)).to.include('hello_2.10-3_amd64.deb');
    expect(pkg.builds.control!.command.join(' ')).to.include('dpkg-buildpackage -b --no-sign');
    // Its copyright year is `date +%Y` at autoreconf time, compiled in: the build time, with its fix.
    if (run.exitCode === 1) {
      const year = pkg.diagnoses.find((d) => d.type === 'build_year_compiled_in');
      expect(year, JSON.stringify(pkg.diagnoses)).to.not.equal(undefined);
      expect(year!.artifacts).to.include('hello_2.10-3_amd64.deb');
      expect(year!.fix).to.include('SOURCE_DATE_EPOCH');
      expect(pkg.diagnoses.map((d) => d.type)).to.not.include.members(['captures_username']);
    }
  });
});
