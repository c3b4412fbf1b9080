// The rpm preset with real rpmbuild and diffoscope on a tiny noarch spec
// (test/fixtures/rpm/tinyhello): a stock spec is judged as it is, the
// reproducibility macros are an opt-in, a .src.rpm is rebuilt, and `auto`
// refuses what it cannot tell apart.
import { cp, readFile } from 'node:fs/promises';
import { machine } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { PackageResult } from '../../reports/model.js';
import { cleanupTemp, onPath, requireOrSkip, runCli, tempDir } from '../helpers.js';
import { npmPackage, writeFiles } from './fixtures.js';
import { TINYHELLO, TINYHELLO_RPM as RPM, makeSourceRpm } from './rpm-fixtures.js';

const diffText = async (out: string, pkg: PackageResult) =>
  readFile(join(out, pkg.diffoscope.find((d) => d.artifact === RPM)!.text!), 'utf8');
const headerValues = (text: string, tag: string) =>
  [...text.matchAll(new RegExp(`^│ ([-+])${tag}: (.*)$`, 'gm'))].map((m) => `${m[1]}${m[2]}`);

describe('presets: rpm', function () {
  after(cleanupTemp);
  before(async function () {
    requireOrSkip(this, Boolean(await onPath('rpmbuild')), 'rpmbuild is not installed (Debian package rpm)');
    requireOrSkip(this, Boolean(await onPath('diffoscope')), 'diffoscope is not installed');
  });

  it('a stock spec: rpmbuild -bb --nodeps with no macros, unreproducible, BUILDTIME and BUILDHOST differ in diffoscope', async () => {
    const run = await runCli(['check', TINYHELLO, '--quiet', '--no-bisect']);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.verdict).to.equal('unreproducible');
    expect(pkg.artifacts.map((a) => a.path)).to.deep.equal([RPM]);
    const command = pkg.builds.control!.command.join(' ');
    expect(command).to.include(`rpmbuild -bb --nodeps --target '${machine()}' --define "_topdir $PWD"`);
    expect(command).to.not.match(/source_date_epoch|_buildhost/);
    expect(command).to.not.include('SOURCE_DATE_EPOCH');
    const text = await diffText(run.out, pkg);
    const times = headerValues(text, 'BUILDTIME');
    expect(times, text.slice(0, 2000)).to.have.length(2);
    expect(times[0]!.slice(1)).to.not.equal(times[1]!.slice(1));
    expect(headerValues(text, 'BUILDHOST')).to.have.length(2);
  });

  it(
    "a stock spec with bisect: nondeterministic (the packaged files' real mtimes), " +
      'no variation blamed, the evidence shows the time and host name',
    async () => {
      const run = await runCli(['check', TINYHELLO, '--quiet']);
      expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
      const pkg = (await run.results()).packages[0]!;
      expect(pkg.nondeterministic).to.equal(true);
      expect(pkg.culprits).to.deep.equal([]);
      expect(pkg.bisect.flapping).to.deep.equal([RPM]);
      const shown = pkg.bisect.evidence.flatMap((e) => e.suspects.map((s) => s.variation));
      expect(shown).to.include.members(['time', 'domain_host']);
    },
  );

  it("--rpm-reproducible-macros: reproducible under every variation, the kernel included (--target pins rpm's arch)", async () => {
    const run = await runCli(['check', TINYHELLO, '--quiet', '--rpm-reproducible-macros']);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.verdict).to.equal('reproducible');
    const command = pkg.builds.control!.command.join(' ');
    expect(command).to.include("--define 'source_date_epoch_from_changelog 1'");
    expect(command).to.include(`--target '${machine()}'`);
    expect(pkg.variations.filter((v) => v.status === 'varied').map((v) => v.name)).to.include.members([
      'time',
      'domain_host',
      'kernel',
      'user_group',
      'build_path',
      'umask',
      'timezone',
    ]);
  });

  it(
    'a .src.rpm: auto picks rpm, it is unpacked with rpm2archive and built with -bb ' +
      '(also as the unprivileged experiment), and is not an artifact',
    async () => {
      const srpm = await makeSourceRpm(await tempDir());
      const run = await runCli(['check', srpm, '--quiet', '--rpm-reproducible-macros']);
      expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
      const pkg = (await run.results()).packages[0]!;
      expect(pkg.name).to.equal('tinyhello');
      expect(pkg.artifacts.map((a) => a.path)).to.deep.equal([RPM]);
      expect(pkg.variations.find((v) => v.name === 'user_group')!.status).to.equal('varied');
      expect(pkg.builds.control!.command.join(' ')).to.include(
        "rpm2archive - < 'tinyhello/tinyhello-1.0-1.src.rpm' | tar -xzf - -C SOURCES && rpmbuild -bb --nodeps",
      );
    },
  );

  it(
    'auto and the macros flag: exit 2 in one line for two specs, a spec beside a ' +
      'package.json, or the flag on another preset',
    async () => {
      const two = join(await tempDir(), 'two');
      await cp(TINYHELLO, two, { recursive: true });
      await writeFiles(two, { 'other.spec': 'Name: other\n' });
      const twoRun = await runCli(['check', two]);
      expect(twoRun.exitCode).to.equal(2);
      expect(twoRun.stderr).to.match(/holds 2 \.spec files \(other\.spec, tinyhello\.spec\)/);
      const both = join(await tempDir(), 'both');
      await cp(TINYHELLO, both, { recursive: true });
      await writeFiles(both, { 'package.json': '{"name":"both","version":"1.0.0"}' });
      const bothRun = await runCli(['check', both]);
      expect(bothRun.exitCode).to.equal(2);
      expect(bothRun.stderr).to.match(/holds both a package.json and a \.spec file; pass --preset debian\|npm\|rpm/);
      const npm = join(await tempDir(), 'tiny-npm');
      await npmPackage(npm);
      const flagRun = await runCli(['check', npm, '--rpm-reproducible-macros']);
      expect(flagRun.exitCode).to.equal(2);
      expect(flagRun.stderr).to.match(
        /--rpm-reproducible-macros \(rpmReproducibleMacros\) is for the rpm preset; .* builds with the npm preset/,
      );
      for (const r of [twoRun, bothRun, flagRun]) expect(r.stderr.trim().split('\n'), r.stderr).to.have.length(1);
    },
  );
});
