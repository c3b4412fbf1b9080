// Presets with real tools: dpkg-buildpackage on a tiny debhelper package (as a
// tree and as a .dsc), npm pack, and auto-detection's refusals.
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { cleanupTemp, runCli, tempDir } from '../helpers.js';
import { debianPackage, npmPackage, writeFiles } from './fixtures.js';

describe('presets: debian, npm and auto', function () {
  after(cleanupTemp);

  it('debian: builds a debian/ tree with dpkg-buildpackage and compares the .deb from the parent dir', async () => {
    const dir = join(await tempDir(), 'tinyhello');
    await debianPackage(dir);
    const run = await runCli(['check', dir, '--quiet', '--vary=+all']);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.artifacts.map((a) => a.path)).to.deep.equal(['tinyhello_1.0_all.deb']);
    expect(pkg.builds.control!.command.join(' ')).to.include('dpkg-buildpackage -b --no-sign');
  });

  it('debian: extracts a .dsc with dpkg-source and builds it', async () => {
    const parent = await tempDir();
    await debianPackage(join(parent, 'tinyhello'));
    const made = await realProcesses.capture(['sh', '-c', `cd '${parent}' && dpkg-source -b tinyhello`]);
    expect(made.exitCode, made.stderr).to.equal(0);
    const run = await runCli(['check', join(parent, 'tinyhello_1.0.dsc'), '--quiet']);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.name).to.equal('tinyhello');
    expect(pkg.artifacts.map((a) => a.path)).to.deep.equal(['tinyhello_1.0_all.deb']);
  });

  it('npm: packs the package and compares the tarball, with HOME varied to a path that does not exist', async () => {
    const dir = join(await tempDir(), 'tiny-npm');
    await npmPackage(dir);
    const run = await runCli(['check', dir, '--quiet', '--vary=+all']);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    expect((await run.results()).packages[0]!.artifacts.map((a) => a.path)).to.deep.equal(['tiny-npm-1.0.0.tgz']);
  });

  it('auto: exit 2 saying what to pass, for an empty tree and for a tree that is both debian and npm', async () => {
    const empty = await tempDir();
    const none = await runCli(['check', empty]);
    expect(none.exitCode).to.equal(2);
    expect(none.stderr).to.match(
      /cannot tell how to build .*pass --preset debian\|npm\|rpm, or --build CMD --artifacts GLOB/,
    );
    const both = join(await tempDir(), 'both');
    await debianPackage(both);
    await writeFiles(both, { 'package.json': '{"name":"both","version":"1.0.0"}' });
    const ambiguous = await runCli(['check', both]);
    expect(ambiguous.exitCode).to.equal(2);
    expect(ambiguous.stderr).to.match(/holds both a debian\/ tree and a package.json;/);
    expect(ambiguous.stderr).to.not.match(/\n\s+at /);
  });

  it('an unknown preset is exit 2', async () => {
    const run = await runCli(['check', await tempDir(), '--preset', 'pacman']);
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.match(/--preset expects auto, generic, debian, npm, rpm, got "pacman"/);
  });
});
