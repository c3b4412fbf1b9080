// Issue 19, items 6 and 9: verify speaks its own words in every view — verified
// and mismatch, no seed to replay, no per-variation "pinned" rows, published and
// rebuilt hashes — hints at --buildinfo, and pins no parallel=N it cannot honour.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { cleanupTemp, runCli, tempDir } from '../helpers.js';
import { debianPackage } from '../suites/fixtures.js';

const DEB = 'tinyhello_1.0_all.deb';

describe("verify speaks verify's words (issue 19, items 6 and 9)", function () {
  this.timeout(300_000);
  let official: string;
  before(async () => {
    official = await tempDir();
    await debianPackage(join(official, 'tinyhello'));
    const built = await realProcesses.capture(
      ['sh', '-c', `cd '${official}/tinyhello' && dpkg-buildpackage -us -uc -b && cd .. && dpkg-source -b tinyhello`],
      { timeoutMs: 120_000 },
    );
    expect(built.exitCode, built.stderr).to.equal(0);
  });
  after(cleanupTemp);

  it(
    'verify --dir of a verified upload: no "UNREPRODUCIBLE … 0 artifacts differ", ' +
      '"1/1 verified", badge and HTML in verify words, parallel=N not claimed as ' +
      'pinned',
    async () => {
      const run = await runCli(['verify', '--dir', official], { timeoutMs: 240_000 });
      expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
      expect(run.stdout).not.to.contain('UNREPRODUCIBLE');
      expect(run.stdout).to.match(/^1\/1 verified, 0 mismatch, 0 error$/m);
      const pkg = (await run.results()).packages[0]!;
      expect(pkg.verdict).to.equal('verified');
      // The buildinfo says parallel=2; the rebuild runs on one CPU with parallel=1, and says so.
      expect(pkg.builds.experiment!.command.join(' ')).to.match(/taskset --cpu-list \d+ /);
      expect(pkg.builds.experiment!.values['build_jobs']).to.equal('1');
      expect(pkg.verify!.pinned['DEB_BUILD_OPTIONS'] ?? '').not.to.contain('parallel=');
      expect(pkg.verify!.notPinned.join('\n')).to.contain('DEB_BUILD_OPTIONS parallel=2');
      const badge = await readFile(join(run.out, 'badge.svg'), 'utf8');
      expect(badge).to.contain('<title>verified: 1/1</title>');
      const html = await readFile(join(run.out, 'index.html'), 'utf8');
      expect(html).not.to.contain('replay with --seed');
      expect(html).not.to.contain('not in --vary');
      expect(html).not.to.contain('builds in parallel');
      expect(html).to.contain('1 verified');
    },
  );

  it('a mismatch without --buildinfo: hint at --buildinfo, no seed line, JUnit labels published/rebuilt, badge "mismatch"', async () => {
    const dir = await tempDir();
    const bytes = await readFile(join(official, DEB));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    await writeFile(join(dir, DEB), bytes);
    await copyFile(join(official, 'tinyhello_1.0.dsc'), join(dir, 'tinyhello_1.0.dsc'));
    await copyFile(join(official, 'tinyhello_1.0.tar.xz'), join(dir, 'tinyhello_1.0.tar.xz'));
    const run = await runCli(
      ['verify', join(dir, 'tinyhello_1.0.dsc'), '--published', join(dir, DEB), '--no-diffoscope'],
      { timeoutMs: 240_000 },
    );
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    expect(run.stdout).to.contain('MISMATCH: tinyhello: 1 of 1 published artifacts differ from the rebuild');
    expect(run.stdout).to.contain('no --buildinfo was given');
    expect(run.stdout).not.to.match(/\bseed \d+/);
    const junit = await readFile(join(run.out, 'junit.xml'), 'utf8');
    expect(junit)
      .to.match(/published: +[0-9a-f]{64}/)
      .and.to.match(/rebuilt: +[0-9a-f]{64}/);
    expect(junit).not.to.match(/control: +[0-9a-f]{64}/);
    expect(await readFile(join(run.out, 'badge.svg'), 'utf8')).to.contain('<title>mismatch: 1/1</title>');
  });
});
