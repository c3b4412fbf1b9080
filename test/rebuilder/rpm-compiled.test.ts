// verify for a compiled RPM (test/fixtures/rpm/hello-c): the path of the build is in
// the ELF debug info and build-id, so the rebuild must run where the official build
// did. The official build is rpmbuild at its default path ($HOME/rpmbuild) with the
// reproducible macros, another host name and time; real rpmbuild, gcc and readelf.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { machine } from 'node:os';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { sha256File } from '../../core/hash.js';
import { REPO_ROOT, cleanupTemp, onPath, requireOrSkip, runCli, tempDir, type CliRun } from '../helpers.js';
import { OFFICIAL_HOST, OFFICIAL_TIME } from '../suites/rpm-fixtures.js';

const HELLO_C = join(REPO_ROOT, 'test', 'fixtures', 'rpm', 'hello-c');
const RPM = `hello-c-1.0-1.${machine()}.rpm`;
const MOCK_TOPDIR = '/builddir/build';

const sh = async (script: string, ...args: string[]) => {
  const outcome = await realProcesses.capture(['sh', '-c', script, 'sh', ...args], { timeoutMs: 120_000 });
  expect(outcome.exitCode, outcome.stderr + outcome.stdout).to.equal(0);
  return outcome;
};

/** The spec's directory; `stripped`: without the spec's %__strip override, so brp-strip drops the debug info. */
async function specDir(stripped: boolean): Promise<string> {
  const dir = await tempDir();
  await copyFile(join(HELLO_C, 'hello.c'), join(dir, 'hello.c'));
  const spec = await readFile(join(HELLO_C, 'hello-c.spec'), 'utf8');
  const kept = stripped ? spec.replace(/^%global __strip \/bin\/true\n/m, '') : spec;
  expect(kept !== spec).to.equal(stripped);
  await writeFile(join(dir, 'hello-c.spec'), kept);
  return dir;
}

/** The official build: rpmbuild -bb at its default _topdir (~/rpmbuild, HOME a temp dir); the .rpm and that _topdir. */
async function officialBuild(spec: string): Promise<{ rpm: string; topdir: string }> {
  const home = await tempDir();
  await sh(
    `HOME="$1" SOURCE_DATE_EPOCH="$2" rpmbuild -bb --nodeps --target "$3" --define "_sourcedir $4" ` +
      `--define "_buildhost $5" --define 'use_source_date_epoch_as_buildtime 1' ` +
      `--define 'clamp_mtime_to_source_date_epoch 1' "$4/hello-c.spec"`,
    home,
    OFFICIAL_TIME,
    machine(),
    spec,
    OFFICIAL_HOST,
  );
  return { rpm: join(home, 'rpmbuild', 'RPMS', machine(), RPM), topdir: join(home, 'rpmbuild') };
}

async function sourceRpm(spec: string): Promise<string> {
  const top = await tempDir();
  await sh('rpmbuild -bs --nodeps --define "_topdir $1" --define "_sourcedir $2" "$2/hello-c.spec"', top, spec);
  return join(top, 'SRPMS', 'hello-c-1.0-1.src.rpm');
}

/** An rpmreproduce-style buildinfo naming the official build's path and file. */
async function buildinfoWith(buildPath: string, rpm: string): Promise<string> {
  const file = join(await tempDir(), 'hello-c.buildinfo');
  const size = (await readFile(rpm)).length;
  const lines = ['Format: 0.2-rpm', 'Source: hello-c', `Build-Path: ${buildPath}`, 'Checksums-Sha256:'];
  await writeFile(file, [...lines, ` ${await sha256File(rpm)} ${size} ${RPM}`, ''].join('\n'));
  return file;
}

type Link = { signed: { products: Record<string, { sha256: string }>; materials: object } };

describe('verify: a compiled RPM is rebuilt at the path of its official build', function () {
  this.timeout(300_000);
  let keys: string;

  before(async function () {
    for (const tool of ['rpmbuild', 'gcc', 'readelf', 'rpm2archive', 'diffoscope'])
      requireOrSkip(this, Boolean(await onPath(tool)), `${tool} is not installed`);
    keys = await tempDir();
    for (const who of ['first', 'second'])
      expect((await runCli(['keygen', '--out', join(keys, who)], { withOut: false })).exitCode).to.equal(0);
  });
  after(cleanupTemp);

  const verify = (srpm: string, published: string, key: string, ...extra: string[]) =>
    runCli(['verify', srpm, '--published', published, '--signing-key', join(keys, key), '--quiet', ...extra], {
      timeoutMs: 240_000,
    });
  const rebuilt = async (run: CliRun) => (await run.results()).packages[0]!.artifacts[0]!.sha256.experiment;

  it(
    'with its debug info kept: %_topdir read from DW_AT_comp_dir, verified, and two ' +
      'rebuilders with their own keys sign the same product',
    async () => {
      const spec = await specDir(false);
      const [srpm, official] = await Promise.all([sourceRpm(spec), officialBuild(spec)]);
      const runs = [await verify(srpm, official.rpm, 'first'), await verify(srpm, official.rpm, 'second')];
      const shipped = await sha256File(official.rpm);
      for (const run of runs) {
        expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
        const pkg = (await run.results()).packages[0]!;
        expect(pkg.verdict).to.equal('verified');
        expect(pkg.verify!.pinned['%_topdir']).to.equal(`${official.topdir} (from the debug info)`);
        expect(pkg.verify!.notPinned).to.deep.equal([]);
        const link = JSON.parse(await readFile(join(run.out, pkg.verify!.link!), 'utf8')) as Link;
        expect(link.signed.products).to.deep.equal({ [RPM]: { sha256: shipped } });
      }
      expect(await rebuilt(runs[0]!)).to.equal(shipped);
      expect(await rebuilt(runs[1]!)).to.equal(shipped);
      // The official build's own tree is not touched: the rebuild ran at its path in its sandbox only.
      expect(await sha256File(official.rpm)).to.equal(shipped);
    },
  );

  it(
    'stripped (no path in the package): rebuilt at mock’s /builddir/build and said so ' +
      'in notPinned; two rebuilds still agree byte for byte; a buildinfo’s Build-Path then verifies',
    async () => {
      const spec = await specDir(true);
      const [srpm, official] = await Promise.all([sourceRpm(spec), officialBuild(spec)]);
      const runs = [await verify(srpm, official.rpm, 'first'), await verify(srpm, official.rpm, 'second')];
      for (const run of runs) {
        expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
        const pkg = (await run.results()).packages[0]!;
        expect(pkg.verdict).to.equal('mismatch');
        expect(pkg.verify!.pinned).to.not.have.property('%_topdir');
        expect(pkg.verify!.notPinned).to.deep.equal([
          'build path: the packages record none (no ELF file kept its debug info) and no buildinfo ' +
            `gives one: rebuilt at ${MOCK_TOPDIR} (mock's %_topdir), the same on every twinbuild rebuilder`,
        ]);
      }
      const first = await rebuilt(runs[0]!);
      expect(first).to.match(/^[0-9a-f]{64}$/);
      expect(await rebuilt(runs[1]!)).to.equal(first);
      expect(first).to.not.equal(await sha256File(official.rpm));

      const buildinfo = await buildinfoWith(`${official.topdir}/BUILD`, official.rpm);
      const withPath = await verify(srpm, official.rpm, 'first', '--buildinfo', buildinfo);
      expect(withPath.exitCode, withPath.stderr + withPath.stdout).to.equal(0);
      const info = (await withPath.results()).packages[0]!.verify!;
      expect(info.pinned['%_topdir']).to.equal(`${official.topdir} (from the buildinfo's Build-Path)`);
      expect(info.notPinned).to.deep.equal([]);
    },
  );

  it('a Build-Path in a system directory is not taken (said in notPinned)', async () => {
    const spec = await specDir(true);
    const [srpm, official] = await Promise.all([sourceRpm(spec), officialBuild(spec)]);
    const buildinfo = await buildinfoWith('/usr/BUILD', official.rpm);
    const run = await verify(srpm, official.rpm, 'first', '--buildinfo', buildinfo);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const info = (await run.results()).packages[0]!.verify!;
    expect(info.notPinned).to.deep.equal([
      `build path "/usr" from the buildinfo (not taken: a system directory, or one the build's PATH is in)`,
      `build path: none taken: rebuilt at ${MOCK_TOPDIR} (mock's %_topdir), the same on every twinbuild rebuilder`,
    ]);
  });
});
