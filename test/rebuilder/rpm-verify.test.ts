// verify for RPMs end to end, with real rpmbuild, rpmsign, gpg, diffoscope and
// in-toto-verify: an "official" build of the tiny noarch spec on another host at
// another time, rebuilt from its .src.rpm; the same file signed with a throwaway
// key; a signed file whose payload was changed; a file that is not an RPM.
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { canonicalJson, type Canonical } from '../../attest/canonical-json.js';
import { loadSigningKey, signBytes } from '../../attest/keys.js';
import { realProcesses } from '../../adapters/process.js';
import { sha256File } from '../../core/hash.js';
import { cleanupTemp, onPath, requireOrSkip, runCli, tempDir } from '../helpers.js';
import { OFFICIAL_HOST, OFFICIAL_TIME, TINYHELLO, makeOfficialRpm, makeSourceRpm } from '../suites/rpm-fixtures.js';

const RPM = 'tinyhello-1.0-1.noarch.rpm';
/** A noarch package records no build path: it is rebuilt at mock's, the same on every rebuilder. */
const NO_PATH =
  'build path: the packages record none (no ELF file kept its debug info) and no buildinfo gives one: ' +
  "rebuilt at /builddir/build (mock's %_topdir), the same on every twinbuild rebuilder";

const sh = async (script: string, ...args: string[]) => {
  const outcome = await realProcesses.capture(['sh', '-c', script, 'sh', ...args], { timeoutMs: 120_000 });
  expect(outcome.exitCode, outcome.stderr + outcome.stdout).to.equal(0);
  return outcome;
};

/** A root layout: one `rebuild` step by the rebuilder's key, and an inspection that the shipped .rpm is what it rebuilt. */
async function writeLayout(dir: string, product: string): Promise<void> {
  const rebuilder = JSON.parse(await readFile(join(dir, 'rebuilder.pub.json'), 'utf8')) as object;
  const rebuilderId = (await loadSigningKey(join(dir, 'rebuilder'))).keyid;
  const signed = {
    _type: 'layout',
    expires: '2099-01-01T00:00:00Z',
    readme: 'twinbuild rpm test layout',
    keys: { [rebuilderId]: { ...rebuilder, keyid: rebuilderId } },
    steps: [
      {
        _type: 'step',
        name: 'rebuild',
        threshold: 1,
        pubkeys: [rebuilderId],
        expected_command: [],
        expected_materials: [['ALLOW', '*']],
        expected_products: [
          ['ALLOW', product],
          ['DISALLOW', '*'],
        ],
      },
    ],
    inspect: [
      {
        _type: 'inspection',
        name: 'shipped-rpm',
        run: ['true'],
        expected_materials: [
          ['MATCH', product, 'WITH', 'PRODUCTS', 'FROM', 'rebuild'],
          ['DISALLOW', '*'],
        ],
        expected_products: [['ALLOW', '*']],
      },
    ],
  } as unknown as Canonical;
  await writeFile(
    join(dir, 'root.layout'),
    JSON.stringify(
      { signatures: [signBytes(await loadSigningKey(join(dir, 'layout')), canonicalJson(signed))], signed },
      null,
      2,
    ),
  );
}

/** in-toto-verify run where the shipped file lies, with the links in `linkDir`; its exit code. */
async function inTotoVerify(
  keys: string,
  shipped: string,
  linkDir: string,
): Promise<{ exitCode: number | null; output: string }> {
  const check = await tempDir();
  await copyFile(shipped, join(check, RPM));
  const run = await realProcesses.capture(
    [
      'sh',
      '-c',
      'cd "$0" && exec in-toto-verify -l "$1" -k "$2" -t ed25519 --link-dir "$3"',
      check,
      join(keys, 'root.layout'),
      join(keys, 'layout.pub.json'),
      linkDir,
    ],
    { timeoutMs: 60_000 },
  );
  return { exitCode: run.exitCode, output: run.stderr + run.stdout };
}

describe('verify: rebuild a published RPM from its .src.rpm', function () {
  this.timeout(240_000);
  let srpm: string;
  let unsigned: string;
  let signed: string;
  let keys: string;

  before(async function () {
    requireOrSkip(this, Boolean(await onPath('rpmbuild')), 'rpmbuild is not installed (Debian package rpm)');
    requireOrSkip(this, Boolean(await onPath('rpmsign')), 'rpmsign is not installed (Debian package rpm)');
    requireOrSkip(this, Boolean(await onPath('gpg')), 'gpg is not installed (Debian package gnupg)');
    requireOrSkip(this, Boolean(await onPath('diffoscope')), 'diffoscope is not installed');
    requireOrSkip(
      this,
      Boolean(await onPath('in-toto-verify')),
      'in-toto-verify is not installed (apt-get install in-toto)',
    );
    srpm = await makeSourceRpm(await tempDir());
    // The official build: the distribution's macros, its own host name and time.
    unsigned = join(await tempDir(), RPM);
    await copyFile(await makeOfficialRpm(await tempDir()), unsigned);
    // Signed with a throwaway key in a temp GNUPGHOME; its agent is stopped before the tests.
    const gnupg = await tempDir();
    signed = join(await tempDir(), RPM);
    await copyFile(unsigned, signed);
    try {
      await sh(
        `export GNUPGHOME="$1" && gpg --batch --quiet --pinentry-mode loopback ` +
          `--passphrase '' --quick-gen-key 'Twinbuild Test ` +
          `<rpm-test@example.org>' rsa2048 sign never && rpmsign --addsign --define ` +
          `'_gpg_name rpm-test@example.org' "$2" </dev/null`,
        gnupg,
        signed,
      );
    } finally {
      await realProcesses.capture(['gpgconf', '--homedir', gnupg, '--kill', 'all']);
    }
    keys = await tempDir();
    for (const who of ['layout', 'rebuilder'])
      expect((await runCli(['keygen', '--out', join(keys, who)], { withOut: false })).exitCode).to.equal(0);
    await writeLayout(keys, RPM);
  });
  after(cleanupTemp);

  const verify = (published: string, ...extra: string[]) =>
    runCli(['verify', srpm, '--published', published, '--signing-key', join(keys, 'rebuilder'), '--quiet', ...extra], {
      timeoutMs: 180_000,
    });

  it('an unsigned RPM: verified with BUILDHOST and BUILDTIME from its header, and a link in-toto-verify accepts', async () => {
    const run = await verify(unsigned);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.verdict).to.equal('verified');
    expect(pkg.verify!.pinned).to.deep.include({
      SOURCE_DATE_EPOCH: OFFICIAL_TIME,
      '%_buildhost': OFFICIAL_HOST,
      '%use_source_date_epoch_as_buildtime': '1',
    });
    expect(pkg.verify!.notPinned).to.deep.equal([NO_PATH]);
    expect(pkg.builds.experiment!.command.join(' ')).to.include(`--define '_buildhost ${OFFICIAL_HOST}'`);
    expect(pkg.verify!.link).to.match(/^rebuild\.[0-9a-f]{8}\.link$/);
    const link = JSON.parse(await readFile(join(run.out, pkg.verify!.link!), 'utf8')) as {
      signed: { materials: object; products: object };
    };
    expect(link.signed.materials).to.deep.equal({ 'tinyhello-1.0-1.src.rpm': { sha256: await sha256File(srpm) } });
    expect(link.signed.products).to.deep.equal({ [RPM]: { sha256: await sha256File(unsigned) } });
    const accepted = await inTotoVerify(keys, unsigned, run.out);
    expect(accepted.exitCode, accepted.output).to.equal(0);
  });

  it(
    'a signed RPM: verified with its signature header set aside; the link names the ' +
      'signed file, which in-toto-verify accepts (and not the unsigned ' +
      'one)',
    async () => {
      expect(await sha256File(signed)).to.not.equal(await sha256File(unsigned));
      const run = await verify(signed);
      expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
      const pkg = (await run.results()).packages[0]!;
      expect(pkg.verdict).to.equal('verified');
      expect(pkg.verify!.notPinned).to.have.length(2);
      expect(pkg.verify!.notPinned[1]).to.equal(NO_PATH);
      expect(pkg.verify!.notPinned[0]).to.match(
        new RegExp(
          `^${RPM.replace(/\./g, '\\.')}: its signature header \\(RSA/SHA512, .*Key ID ` +
            `[0-9a-f]{16}\\) is set aside: the lead, header and payload are compared byte for byte$`,
        ),
      );
      const artifact = pkg.artifacts[0]!;
      expect(artifact.status).to.equal('identical');
      expect(artifact.sha256.control).to.equal(await sha256File(signed));
      expect(artifact.sha256.experiment).to.not.equal(artifact.sha256.control);
      const accepted = await inTotoVerify(keys, signed, run.out);
      expect(accepted.exitCode, accepted.output).to.equal(0);
      const rejected = await inTotoVerify(keys, unsigned, run.out);
      expect(rejected.exitCode, rejected.output).to.equal(1);
    },
  );

  it("a spec directory as SOURCE: verified against the signed RPM; the link's materials are the directory's files", async () => {
    const run = await runCli(
      ['verify', TINYHELLO, '--published', signed, '--signing-key', join(keys, 'rebuilder'), '--quiet'],
      { timeoutMs: 180_000 },
    );
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.verdict).to.equal('verified');
    const link = JSON.parse(await readFile(join(run.out, pkg.verify!.link!), 'utf8')) as {
      signed: { materials: object };
    };
    expect(Object.keys(link.signed.materials).sort()).to.deep.equal(['tinyhello.sh', 'tinyhello.spec']);
  });

  it('a signed RPM whose payload has one byte changed: mismatch, exit 1, a diffoscope report, no link', async () => {
    const dir = await tempDir();
    const bytes = await readFile(signed);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 20) ^ 0x01, bytes.length - 20);
    await writeFile(join(dir, RPM), bytes);
    const run = await verify(join(dir, RPM));
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.verdict).to.equal('mismatch');
    expect(pkg.artifacts[0]).to.deep.include({ path: RPM, status: 'differs' });
    expect(pkg.diffoscope[0]!.status).to.equal('differences');
    expect(pkg.verify!.link).to.equal(null);
    expect((await readdir(run.out)).filter((f) => f.endsWith('.link'))).to.deep.equal([]);
    expect(run.stdout).to.match(/MISMATCH: tinyhello: 1 of 1 published artifacts differ/);
    expect(run.stdout).to.not.contain('--buildinfo');
  });

  it(
    'a published .rpm that is not an RPM is exit 2 in one line, before any rebuild ' +
      '(rpm -qp would read it as a list of paths)',
    async () => {
      const dir = join(await tempDir(), 'fake');
      await mkdir(dir);
      await writeFile(join(dir, RPM), '/etc/passwd\n');
      const run = await verify(join(dir, RPM));
      expect(run.exitCode).to.equal(2);
      expect(run.stderr.trim().split('\n'), run.stderr).to.deep.equal([
        `twinbuild: published file ${RPM} is not an RPM package (no RPM lead and header magic)`,
      ]);
      expect(run.stderr).to.not.match(/rebuilding|open of/);
    },
  );

  /** An rpmreproduce-style buildinfo (Format: 0.2-rpm) for the unsigned official build. */
  async function rpmBuildinfo(sha256: string, format = '0.2-rpm'): Promise<string> {
    const file = join(await tempDir(), 'tinyhello-1.0-1.noarch.buildinfo');
    await writeFile(
      file,
      [
        `Format: ${format}`,
        'Build-Architecture: x86_64',
        'Source: tinyhello',
        'Epoch: 0',
        'Version: 1.0',
        'Release: 1',
        'Architecture: noarch',
        'Build-Origin: fedora',
        'Build-Date: Tue, 14 Nov 2023 22:13:20 +0000',
        'Build-Path: /builddir/build/BUILD',
        'Installed-Build-Depends:',
        ' bash-5.0.17-2.fc33.x86_64',
        ' rpm-build-4.16.1.2-1.fc33.x86_64',
        'Environment:',
        ' LANG="C.UTF-8"',
        ' PATH="/tmp/evil:/usr/bin"',
        ` SOURCE_DATE_EPOCH="${OFFICIAL_TIME}"`,
        'Checksums-Sha256:',
        ` ${sha256} ${(await readFile(unsigned)).length} ${RPM}`,
        '',
      ].join('\n'),
    );
    return file;
  }

  it(
    'an rpmreproduce buildinfo (Format: 0.2-rpm): its checksums must agree, its ' +
      'Environment goes through the allowlist, the rest is said',
    async () => {
      const run = await verify(unsigned, '--buildinfo', await rpmBuildinfo(await sha256File(unsigned)));
      expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
      const info = (await run.results()).packages[0]!.verify!;
      expect(info.pinned).to.deep.include({
        LANG: 'C.UTF-8',
        SOURCE_DATE_EPOCH: OFFICIAL_TIME,
        '%_buildhost': OFFICIAL_HOST,
        '%_topdir': "/builddir/build (from the buildinfo's Build-Path)",
      });
      expect(info.pinned).to.not.have.property('PATH');
      expect(info.notPinned.filter((n) => n.includes('build path') || n.includes('Build-Path'))).to.deep.equal([]);
      expect(info.notPinned).to.include.members([
        'Installed-Build-Depends: 2 RPM packages (not compared: this machine has no RPM database; install the build dependencies yourself)',
        'PATH from the buildinfo (not taken: twinbuild keeps its own)',
      ]);
      // A checksum that disagrees with the published file is wrong input: exit 2 before any rebuild.
      const tampered = await verify(unsigned, '--buildinfo', await rpmBuildinfo('0'.repeat(64)));
      expect(tampered.exitCode).to.equal(2);
      expect(tampered.stderr).to.match(
        new RegExp(
          `says ${RPM.replace(/\./g, '\\.')} has sha256 0{64}, but the published file has [0-9a-f]{64}: wrong buildinfo or tampered file`,
        ),
      );
      // A Debian buildinfo (or anything else) is not taken for an RPM.
      const debian = await verify(unsigned, '--buildinfo', await rpmBuildinfo(await sha256File(unsigned), '1.0'));
      expect(debian.exitCode).to.equal(2);
      expect(debian.stderr).to.match(
        /is not an RPM buildinfo \(Format: 1\.0; rpmreproduce writes "Format: 0\.2-rpm"\)/,
      );
    },
  );
});
