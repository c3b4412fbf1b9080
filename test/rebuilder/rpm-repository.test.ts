// The rebuilder service over RPM repositories made by the real createrepo_c and
// served on 127.0.0.1: an "official" build of the tiny noarch spec (another host,
// another time) is rebuilt from its .src.rpm, and the link published for it is
// checked with the real in-toto-verify against `twinbuild layout --packages rpm`.
// Binaries and sources in two repositories (Fedora's shape) and in one.
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { canonicalJson, type Canonical } from '../../attest/canonical-json.js';
import { loadSigningKey, signBytes } from '../../attest/keys.js';
import { realProcesses } from '../../adapters/process.js';
import { sha256File } from '../../core/hash.js';
import { cleanupTemp, onPath, requireOrSkip, runCli, tempDir } from '../helpers.js';
import { TINYHELLO, makeOfficialRpm, makeSourceRpm } from '../suites/rpm-fixtures.js';
import { serveDirectory, type StaticServer } from './service-fixtures.js';

const RPM = 'tinyhello-1.0-1.noarch.rpm';
const SRPM = 'tinyhello-1.0-1.src.rpm';

const sh = async (script: string, ...args: string[]) => {
  const outcome = await realProcesses.capture(['sh', '-c', script, 'sh', ...args], { timeoutMs: 120_000 });
  expect(outcome.exitCode, outcome.stderr + outcome.stdout).to.equal(0);
  return outcome;
};

/** rpmbuild -bb of `specDir` as a distribution's builder would: its own host name and time. */
const officialRpm = async (specDir: string) => makeOfficialRpm(await tempDir('tb-rpm-official-'), specDir);

const createrepo = (dir: string) => sh('createrepo_c --quiet --compress-type=gz "$1"', dir);

describe('rebuilder service: RPM repositories (createrepo_c), links checked with in-toto-verify', function () {
  this.timeout(600_000);
  let srpm: string;
  let official: string;
  let keys: string;
  const servers: StaticServer[] = [];

  before(async function () {
    for (const tool of ['rpmbuild', 'createrepo_c', 'in-toto-verify'])
      requireOrSkip(this, (await onPath(tool)) !== undefined, `${tool} (scripts/debian-packages.txt)`);
    srpm = await makeSourceRpm(await tempDir('tb-srpm-'));
    official = await officialRpm(TINYHELLO);
    keys = await tempDir('tb-rpm-keys-');
    for (const who of ['layout', 'rebuilder'])
      expect((await runCli(['keygen', '--out', join(keys, who)], { withOut: false })).exitCode).to.equal(0);
    // The layout as a user makes it, signed by its owner (here an ed25519 key, which in-toto-verify takes).
    const made = await runCli(
      [
        'layout',
        '--rebuilder-key',
        join(keys, 'rebuilder.pub.json'),
        '--packages',
        'rpm',
        '--out',
        join(keys, 'unsigned.layout'),
      ],
      { withOut: false },
    );
    expect(made.exitCode, made.stderr).to.equal(0);
    const { signed } = JSON.parse(await readFile(join(keys, 'unsigned.layout'), 'utf8')) as { signed: Canonical };
    await writeFile(
      join(keys, 'root.layout'),
      JSON.stringify({
        signatures: [signBytes(await loadSigningKey(join(keys, 'layout')), canonicalJson(signed))],
        signed,
      }),
    );
  });
  after(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await cleanupTemp();
  });

  const serve = async (dir: string) => {
    const server = await serveDirectory(dir);
    servers.push(server);
    return server;
  };

  async function rebuilder(
    dir: string,
    repository: Record<string, unknown>,
  ): Promise<{ exitCode: number | null; output: string; publish: string }> {
    const config = join(dir, 'rebuilder.json');
    await writeFile(
      config,
      JSON.stringify({
        repositories: [repository],
        signingKey: join(keys, 'rebuilder'),
        publish: 'publish',
        state: 'state',
        backoff: 1,
      }),
    );
    const run = await runCli(['rebuilder', '--config', config, '--once'], { withOut: false, timeoutMs: 300_000 });
    return { exitCode: run.exitCode, output: run.stdout + run.stderr, publish: join(dir, 'publish') };
  }

  /** in-toto-verify where `rpm` was downloaded, the published link saved as in-toto names it. */
  async function inTotoVerify(rpm: string, metadata: string): Promise<{ exitCode: number | null; output: string }> {
    const check = await tempDir('tb-rpm-check-');
    const links = await tempDir('tb-rpm-links-');
    await copyFile(rpm, join(check, RPM));
    const keyid = (await loadSigningKey(join(keys, 'rebuilder'))).keyid.slice(0, 8);
    await copyFile(metadata, join(links, `rebuild.${keyid}.link`));
    const run = await realProcesses.capture(
      [
        'sh',
        '-c',
        'cd "$0" && exec in-toto-verify -l "$1" -k "$2" -t ed25519 --link-dir "$3"',
        check,
        join(keys, 'root.layout'),
        join(keys, 'layout.pub.json'),
        links,
      ],
      { timeoutMs: 60_000 },
    );
    return { exitCode: run.exitCode, output: run.stderr + run.stdout };
  }

  it(
    'binaries and sources in two repositories: the source RPM is rebuilt, its link ' +
      'published at sources/<name>/<version-release>/metadata; in-toto-verify accepts ' +
      'the published .rpm and refuses a tampered one',
    async () => {
      const dir = await tempDir('tb-rpm-service-');
      const archive = join(dir, 'archive');
      for (const sub of ['RPMS/noarch', 'SRPMS']) await mkdir(join(archive, sub), { recursive: true });
      await copyFile(official, join(archive, 'RPMS', 'noarch', RPM));
      await copyFile(srpm, join(archive, 'SRPMS', SRPM));
      await createrepo(join(archive, 'RPMS'));
      await createrepo(join(archive, 'SRPMS'));
      const server = await serve(archive);

      const run = await rebuilder(dir, {
        name: 'fedora-like',
        format: 'rpm',
        unsigned: true,
        url: `${server.url}/`,
        repodata: 'RPMS/repodata/repomd.xml',
        sourceRepodata: 'SRPMS/repodata/repomd.xml',
      });
      expect(run.exitCode, run.output).to.equal(0);
      expect(run.output).to.match(/fedora-like: 1 source versions with binaries, 1 new/);
      expect(run.output).to.match(/verified 1 · mismatch 0 · errors 0/);
      expect(server.requests).to.include.members([
        '/SRPMS/tinyhello-1.0-1.src.rpm',
        '/RPMS/noarch/tinyhello-1.0-1.noarch.rpm',
      ]);

      const metadata = join(run.publish, 'sources', 'tinyhello', '1.0-1', 'metadata');
      const link = JSON.parse(await readFile(metadata, 'utf8')) as {
        signed: { name: string; materials: object; products: object };
      };
      expect(link.signed.name).to.equal('rebuild');
      expect(link.signed.products).to.deep.equal({ [RPM]: { sha256: await sha256File(official) } });
      expect(link.signed.materials).to.deep.equal({ [SRPM]: { sha256: await sha256File(srpm) } });
      const status = JSON.parse(await readFile(join(run.publish, 'status.json'), 'utf8')) as {
        repositories: {
          name: string;
          packages: { source: string; versions: { version: string; status: string }[] }[];
        }[];
      };
      expect(status.repositories[0]!.packages[0]).to.deep.include({ source: 'tinyhello' });
      expect(status.repositories[0]!.packages[0]!.versions[0]).to.deep.include({
        version: '1.0-1',
        status: 'verified',
      });

      const accepted = await inTotoVerify(official, metadata);
      expect(accepted.exitCode, accepted.output).to.equal(0);
      const tampered = join(await tempDir('tb-rpm-tampered-'), RPM);
      const bytes = await readFile(official);
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 20) ^ 0x01, bytes.length - 20);
      await writeFile(tampered, bytes);
      const refused = await inTotoVerify(tampered, metadata);
      expect(refused.exitCode, refused.output).to.equal(1);
      expect(refused.output).to.match(/tinyhello-1\.0-1\.noarch\.rpm/);

      // A second run finds nothing new: a finished version is never verified twice.
      const again = await rebuilder(dir, {
        name: 'fedora-like',
        format: 'rpm',
        unsigned: true,
        url: `${server.url}/`,
        repodata: 'RPMS/repodata/repomd.xml',
        sourceRepodata: 'SRPMS/repodata/repomd.xml',
      });
      expect(again.exitCode, again.output).to.equal(0);
      expect(again.output)
        .to.match(/1 source versions with binaries, 0 new/)
        .and.match(/verified 0 · mismatch 0 · errors 0/);
    },
  );

  it(
    'one repository holding both: a primary index cut short fails the poll and ' +
      'publishes nothing; a published .rpm that was not built from the .src.rpm is a ' +
      'mismatch with no link',
    async () => {
      const dir = await tempDir('tb-rpm-faults-');
      const archive = join(dir, 'archive');
      await mkdir(archive);
      // The binary comes from a changed source: the same name and version, other bytes.
      const changed = join(await tempDir('tb-rpm-changed-'), 'tinyhello');
      await sh('cp -r "$1" "$2" && echo "echo changed" >> "$2/tinyhello.sh"', TINYHELLO, changed);
      await copyFile(await officialRpm(changed), join(archive, RPM));
      await copyFile(srpm, join(archive, SRPM));
      await createrepo(archive);
      const server = await serve(archive);
      const repository = { name: 'one', format: 'rpm', unsigned: true, url: `${server.url}/` };

      const primary = (await readdir(join(archive, 'repodata'))).find((f) => f.endsWith('primary.xml.gz'))!;
      const whole = await readFile(join(archive, 'repodata', primary));
      await writeFile(join(archive, 'repodata', primary), whole.subarray(0, whole.length >> 1));
      const cut = await rebuilder(dir, repository);
      expect(cut.exitCode, cut.output).to.equal(3);
      expect(cut.output).to.match(
        new RegExp(
          `one: poll failed: one: repodata/${primary.replace(/\./g, '\\.')} has sha256 ` +
            `[0-9a-f]{64} \\(\\d+ bytes\\), but repomd\\.xml says [0-9a-f]{64}: truncated or stale index`,
        ),
      );
      expect(existsSync(join(dir, 'publish', 'sources'))).to.equal(false);

      await writeFile(join(archive, 'repodata', primary), whole);
      const run = await rebuilder(dir, repository);
      expect(run.exitCode, run.output).to.equal(1);
      expect(run.output).to.match(/tinyhello 1\.0-1 \(attempt 1\): MISMATCH/);
      expect(existsSync(join(dir, 'publish', 'sources'))).to.equal(false);
      const status = JSON.parse(await readFile(join(dir, 'publish', 'status.json'), 'utf8')) as {
        repositories: { packages: { versions: { status: string }[] }[] }[];
      };
      expect(status.repositories[0]!.packages[0]!.versions[0]!.status).to.equal('mismatch');
    },
  );

  /** A repository whose primary.xml (plain, its sha256 in repomd.xml) lists `packages`. */
  async function handmadeRepository(dir: string, packages: string, declared: number): Promise<void> {
    await mkdir(join(dir, 'repodata'), { recursive: true });
    const primary =
      `<?xml version="1.0" encoding="UTF-8"?>\n` +
      `<metadata xmlns="http://linux.duke.edu/metadata/common" ` +
      `xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${declared}` +
      `">\n${packages}</metadata>\n`;
    await writeFile(join(dir, 'repodata', 'primary.xml'), primary);
    const sha256 = await sha256File(join(dir, 'repodata', 'primary.xml'));
    await writeFile(
      join(dir, 'repodata', 'repomd.xml'),
      `<?xml version="1.0" encoding="UTF-8"?>\n` +
        `<repomd xmlns="http://linux.duke.edu/metadata/repo"><data type="primary">` +
        `<checksum type="sha256">${sha256}</checksum>` +
        `<location href="repodata/primary.xml"/></data></repomd>\n`,
    );
  }

  const entry = (name: string, arch: string, href: string, sourceRpm = '') =>
    `<package type="rpm"><name>${name}</name><arch>${arch}</arch>` +
    `<version epoch="0" ver="1.0" rel="1"/><checksum type="sha256" ` +
    `pkgid="YES">${'a'.repeat(64)}</checksum><size package="10"/>` +
    `<location href="${href}"/><format><rpm:sourcerpm>${sourceRpm}</rpm:sourcerpm>` +
    `</format></package>\n`;

  it(
    'hostile or cut metadata, before anything is fetched or built: a name that climbs ' +
      'out or a location outside the repository refuses its entry with the reason, ' +
      'fewer packages than declared fails the poll',
    async () => {
      const refused = 'refused: hand: repodata/primary.xml: package 1 is malformed';
      const failed = 'hand: poll failed: hand: repodata/primary.xml';
      const cases: [string, string, number, string, RegExp][] = [
        [
          'name',
          entry('../../etc', 'src', 'x.src.rpm'),
          1,
          refused,
          /package 1 is malformed: name "\.\.\/\.\.\/etc" is not allowed there/,
        ],
        [
          'location',
          entry('tinyhello', 'noarch', '../../secret.rpm', SRPM),
          1,
          refused,
          /package 1 is malformed: location "\.\.\/\.\.\/secret\.rpm" is not a relative path to an \.rpm/,
        ],
        ['count', entry('tinyhello', 'src', SRPM), 2, failed, /is truncated: it declares 2 packages and lists 1/],
      ];
      for (const [what, packages, declared, outcome, reason] of cases) {
        const dir = await tempDir(`tb-rpm-${what}-`);
        await handmadeRepository(join(dir, 'archive'), packages, declared);
        const run = await rebuilder(dir, {
          name: 'hand',
          format: 'rpm',
          unsigned: true,
          url: `file://${join(dir, 'archive')}/`,
        });
        expect(run.exitCode, `${what}: ${run.output}`).to.equal(3);
        expect(run.output, what).to.include(outcome).and.match(reason);
        expect(existsSync(join(run.publish, 'sources')), what).to.equal(false);
      }
    },
  );
});
