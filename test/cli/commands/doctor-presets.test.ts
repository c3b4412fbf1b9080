// doctor checks the tools of every preset, not only the rpm ones: each preset's
// section names its tools where they are, or their Debian packages, without
// changing the exit code (only packages of that kind need them).
import { expect } from 'chai';
import { cleanupTemp, onPath, runCli, toolFarm } from '../../helpers.js';

const section = (stdout: string, preset: string) =>
  new RegExp(`^${preset} preset \\(optional[^\\n]*\\n((?: {2}[^\\n]*\\n)*)`, 'm').exec(stdout)?.[1] ?? '';

const DEBIAN = { 'dpkg-buildpackage': 'dpkg-dev', 'dpkg-source': 'dpkg-dev', dh: 'debhelper', fakeroot: 'fakeroot' };

describe("twinbuild doctor: every preset's tools", function () {
  after(cleanupTemp);

  it('lists the debian, npm and rpm presets, each tool where this PATH has it', async () => {
    const run = await runCli(['doctor'], { withOut: false });
    for (const preset of ['debian', 'npm', 'rpm']) expect(section(run.stdout, preset), preset).to.not.equal('');
    const debian = section(run.stdout, 'debian');
    for (const [tool, pkg] of Object.entries(DEBIAN)) {
      const where = await onPath(tool);
      expect(debian).to.match(
        where ? new RegExp(`ok {6}${tool} +${where}\\n`) : new RegExp(`absent {2}${tool} +\\(Debian package ${pkg}\\)`),
      );
    }
    const npm = await onPath('npm');
    expect(section(run.stdout, 'npm')).to.match(npm ? new RegExp(`ok {6}npm +${npm}`) : /absent {2}npm/);
  });

  it('without dpkg-buildpackage, dh and fakeroot: named with their packages, and the same exit code', async () => {
    const withTools = await runCli(['doctor'], { withOut: false });
    const path = await toolFarm(['dpkg-buildpackage', 'dh', 'fakeroot']);
    const run = await runCli(['doctor'], { withOut: false, env: { PATH: path } });
    const debian = section(run.stdout, 'debian');
    expect(debian).to.match(/absent {2}dpkg-buildpackage +\(Debian package dpkg-dev\)/);
    expect(debian).to.match(/absent {2}dh +\(Debian package debhelper\)/);
    expect(debian).to.match(/absent {2}fakeroot +\(Debian package fakeroot\)/);
    expect(debian).to.match(
      /for Debian packages, as root: apt-get install -y --no-install-recommends dpkg-dev debhelper fakeroot\n/,
    );
    expect(run.stdout).to.not.match(/MISSING (dpkg|dh|fakeroot)/);
    expect(run.exitCode).to.equal(withTools.exitCode);
  });
});
