// The rebuilder service's faults, each with real files and servers: a repository
// that is down, truncated indexes, a .buildinfo that disagrees with the .deb, a
// source that fails to build, a publish directory it cannot write. Each is
// recorded (state, status.json), retried or reported, and never publishes a link.
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import type { Status } from '../../rebuilder/service/status.js';
import { cleanupTemp, runCli, tempDir } from '../helpers.js';
import {
  flatRepository,
  officialUpload,
  serveDirectory,
  serviceConfig,
  type StaticServer,
  type Upload,
} from './service-fixtures.js';

const DEB = 'tinyhello_1.0_all.deb';
const rebuilder = (config: string, ...extra: string[]) =>
  runCli(['rebuilder', '--config', config, '--once', ...extra], { withOut: false, timeoutMs: 240_000 });
const status = async (dir: string) => JSON.parse(await readFile(join(dir, 'publish', 'status.json'), 'utf8')) as Status;
const versions = async (dir: string) =>
  (await status(dir)).repositories.flatMap((r) => r.packages.flatMap((p) => p.versions));
const noLinks = (dir: string) =>
  expect(existsSync(join(dir, 'publish', 'sources', 'tinyhello')), 'a link was published').to.equal(false);
/** As if the backoff had passed: every queued job due now. */
function makeDue(dir: string): void {
  const db = new Database(join(dir, 'state', 'state.db'));
  try {
    db.prepare(`UPDATE jobs SET next_attempt_at = 0 WHERE status = 'queued'`).run();
  } finally {
    db.close();
  }
}

describe('rebuilder service: faults are recorded, retried or reported, never published', function () {
  this.timeout(600_000);
  let upload: Upload;
  let key: string;
  const servers: StaticServer[] = [];
  const serve = async (dir: string) => {
    const server = await serveDirectory(dir);
    servers.push(server);
    return server;
  };
  before(async () => {
    upload = await officialUpload('tinyhello');
    key = join(await tempDir(), 'rebuilder');
    expect((await runCli(['keygen', '--out', key], { withOut: false })).exitCode).to.equal(0);
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  after(cleanupTemp);

  it('a repository that is down: the poll is recorded as failed (exit 3); once it is back, the next poll verifies', async () => {
    const dir = await tempDir();
    const repoDir = await flatRepository(join(dir, 'repo'), [upload]);
    const gone = await serveDirectory(repoDir);
    await gone.close();
    const config = await serviceConfig(dir, [{ name: 'distro', url: `${gone.url}/` }], key);
    const down = await rebuilder(config);
    expect(down.exitCode, down.stderr).to.equal(3);
    const poll = (await status(dir)).repositories[0]!.lastPoll!;
    expect(poll.ok).to.equal(false);
    expect(poll.error).to.match(/cannot fetch http:\/\/127\.0\.0\.1:\d+\/Release: .*ECONNREFUSED/);
    noLinks(dir);

    const back = await serve(repoDir);
    await serviceConfig(dir, [{ name: 'distro', url: `${back.url}/` }], key);
    const up = await rebuilder(config);
    expect(up.exitCode, up.stderr).to.equal(0);
    expect((await status(dir)).repositories[0]!.lastPoll!.ok).to.equal(true);
    expect(existsSync(join(dir, 'publish', 'sources', 'tinyhello', '1.0', 'metadata'))).to.equal(true);
  });

  it('truncated indexes: cut against the Release file, or cut mid-line without one: nothing queued', async () => {
    const dir = await tempDir();
    const repoDir = await flatRepository(join(dir, 'repo'), [upload]);
    const packages = await readFile(join(repoDir, 'Packages'), 'utf8');
    // Cut at a line end: well-formed text, only the Release file can tell.
    await writeFile(join(repoDir, 'Packages'), packages.slice(0, packages.indexOf('\nSHA256:') + 1));
    const server = await serve(repoDir);
    const config = await serviceConfig(dir, [{ name: 'distro', url: `${server.url}/` }], key);
    const withRelease = await rebuilder(config);
    expect(withRelease.exitCode, withRelease.stderr).to.equal(3);
    expect((await status(dir)).repositories[0]!.lastPoll!.error).to.match(
      /distro: Packages has sha256 [0-9a-f]{64} \(\d+ bytes\), but the Release file says [0-9a-f]{64}/,
    );

    // Without a Release file: an entry missing its fields is refused (the only one here), a last line cut short
    // fails the poll.
    await serviceConfig(dir, [{ name: 'distro', url: `${server.url}/`, release: false }], key);
    const fieldsMissing = await rebuilder(config);
    expect(fieldsMissing.exitCode).to.equal(3);
    expect((await status(dir)).repositories[0]!.lastPoll).to.deep.include({
      ok: true,
      refused: ['distro: Packages is truncated or malformed: entry 1 has no SHA256'],
    });
    await writeFile(join(repoDir, 'Packages'), packages.slice(0, packages.indexOf('\nSHA256:') + 20));
    const midLine = await rebuilder(config);
    expect(midLine.exitCode).to.equal(3);
    expect((await status(dir)).repositories[0]!.lastPoll!.error).to.match(
      /Packages is truncated \(it ends in the middle of a line\)/,
    );
    expect(await versions(dir)).to.deep.equal([]);
    noLinks(dir);
  });

  it('an index entry naming a package or file that would climb out of the publish dir is refused: nothing queued', async () => {
    const dir = await tempDir();
    const repoDir = await flatRepository(join(dir, 'repo'), [upload]);
    const server = await serve(repoDir);
    const config = await serviceConfig(dir, [{ name: 'distro', url: `${server.url}/`, release: false }], key);
    const sources = await readFile(join(repoDir, 'Sources'), 'utf8');
    for (const [hostile, field] of [
      [
        sources.replace('Package: tinyhello', 'Package: ../../../escape'),
        /entry 1 has Package "\.\.\/\.\.\/\.\.\/escape", which is not allowed there/,
      ],
      [
        sources.replace(/ tinyhello_1\.0\.tar\.xz$/gm, ' ../tinyhello_1.0.tar.xz'),
        /entry 1 lists "[0-9a-f]{64} \d+ \.\.\/tinyhello_1\.0\.tar\.xz"/,
      ],
    ] as const) {
      await writeFile(join(repoDir, 'Sources'), hostile);
      const run = await rebuilder(config);
      expect(run.exitCode, run.stderr).to.equal(3);
      const refused = (await status(dir)).repositories[0]!.lastPoll!.refused;
      expect(refused).to.have.length(1);
      expect(refused[0])
        .to.match(/^distro: Sources is malformed: /)
        .and.match(field);
    }
    expect(await versions(dir)).to.deep.equal([]);
    expect(existsSync(join(dir, 'escape'))).to.equal(false);
  });

  it('a .buildinfo whose checksum disagrees with the .deb: an error, retried after the backoff, then failed for good', async () => {
    const dir = await tempDir();
    const repoDir = await flatRepository(join(dir, 'repo'), [upload]);
    const buildinfo = join(repoDir, 'tinyhello_1.0_amd64.buildinfo');
    const text = await readFile(buildinfo, 'utf8');
    const sum = new RegExp(`^ ([0-9a-f]{64}) \\d+ ${DEB.replace(/\./g, '\\.')}$`, 'm').exec(text)![1]!;
    await writeFile(buildinfo, text.replace(sum, 'f'.repeat(64)));
    const server = await serve(repoDir);
    const config = await serviceConfig(dir, [{ name: 'distro', url: `${server.url}/` }], key, {
      maxAttempts: 2,
      backoff: 3600,
    });
    const first = await rebuilder(config);
    expect(first.exitCode, first.stderr).to.equal(3);
    const [v1] = await versions(dir);
    expect(v1).to.deep.include({ status: 'queued', attempts: 1 });
    expect(v1!.lastError).to.match(
      /says tinyhello_1\.0_all\.deb has sha256 f{64}, but the published file has [0-9a-f]{64}/,
    );
    // Not due before its backoff: not tried again.
    const early = await rebuilder(config);
    expect(early.exitCode, early.stderr).to.equal(0);
    expect((await versions(dir))[0]).to.deep.include({ status: 'queued', attempts: 1 });
    makeDue(dir);
    const last = await rebuilder(config);
    expect(last.exitCode).to.equal(3);
    expect((await versions(dir))[0]).to.deep.include({ status: 'failed', attempts: 2 });
    noLinks(dir);
  });

  it('a source that fails to build: failed with its report, no link', async () => {
    const dir = await tempDir();
    // The same name and version, but the source in the archive does not build.
    const broken = join(dir, 'broken');
    await mkdir(broken);
    await realProcesses.capture(['cp', '-a', join(upload.dir, 'tinyhello'), broken]);
    await rm(join(broken, 'tinyhello', 'debian', '.debhelper'), { recursive: true, force: true });
    await appendFile(
      join(broken, 'tinyhello', 'debian', 'rules'),
      '\noverride_dh_auto_build:\n\techo this source does not build >&2; exit 1\n',
    );
    const made = await realProcesses.capture(['sh', '-c', 'cd "$0" && dpkg-source -b tinyhello', broken], {
      timeoutMs: 60_000,
    });
    expect(made.exitCode, made.stderr).to.equal(0);
    const repoDir = await flatRepository(join(dir, 'repo'), [
      { ...upload, files: upload.files.filter((f) => !/\.(dsc|tar\.xz)$/.test(f)) },
      { dir: broken, name: 'tinyhello', files: ['tinyhello_1.0.dsc', 'tinyhello_1.0.tar.xz'] },
    ]);
    const server = await serve(repoDir);
    const config = await serviceConfig(dir, [{ name: 'distro', url: `${server.url}/` }], key, { maxAttempts: 1 });
    const run = await rebuilder(config);
    expect(run.exitCode, run.stderr).to.equal(3);
    const [v] = await versions(dir);
    expect(v).to.deep.include({ status: 'failed', attempts: 1 });
    expect(v!.lastError).to.match(/^build-failed: /);
    const report = JSON.parse(
      await readFile(join(dir, 'publish', v!.report!.replace(/index\.html$/, 'results.json')), 'utf8'),
    ) as { packages: { verdict: string }[] };
    expect(report.packages[0]!.verdict).to.equal('error');
    noLinks(dir);
  });

  it('a publish directory it cannot write: verified, but nothing published; retried, published once it can', async () => {
    const dir = await tempDir();
    const server = await serve(await flatRepository(join(dir, 'repo'), [upload]));
    const config = await serviceConfig(dir, [{ name: 'distro', url: `${server.url}/` }], key);
    // As root no mode stops a write; a file where the sources/ directory must go does.
    await mkdir(join(dir, 'publish'), { recursive: true });
    await writeFile(join(dir, 'publish', 'sources'), 'in the way\n');
    const blocked = await rebuilder(config);
    expect(blocked.exitCode, blocked.stderr).to.equal(3);
    const [v] = await versions(dir);
    expect(v).to.deep.include({ status: 'queued', attempts: 1 });
    expect(v!.lastError).to.match(/verified, but publishing failed \(nothing published\): ENOTDIR/);
    expect(await readdir(join(dir, 'publish', '.staging'))).to.deep.equal([]);

    await rm(join(dir, 'publish', 'sources'));
    makeDue(dir);
    const unblocked = await rebuilder(config);
    expect(unblocked.exitCode, unblocked.stderr).to.equal(0);
    expect((await versions(dir))[0]).to.deep.include({ status: 'verified', attempts: 2 });
    JSON.parse(await readFile(join(dir, 'publish', 'sources', 'tinyhello', '1.0', 'metadata'), 'utf8'));
  });

  it(
    'one malformed entry is refused with its reason, the others are verified; a version no longer listed is ' +
      'marked removed, its link kept (issue 29 item 8)',
    async () => {
      const dir = await tempDir();
      const repoDir = await flatRepository(join(dir, 'repo'), [upload]);
      await appendFile(
        join(repoDir, 'Packages'),
        '\nPackage: broken\nVersion: 1.0\nArchitecture: all\nFilename: broken_1.0_all.deb\nSize: many\nSHA256: ' +
          `${'a'.repeat(64)}\n\nPackage: Bad_Name\nVersion: 1.0\nArchitecture: all\nFilename: x.deb\nSize: 1\nSHA256: ${'b'.repeat(64)}\n`,
      );
      await appendFile(join(repoDir, 'Sources'), '\nPackage: nofiles\nVersion: 1.0\n');
      const server = await serve(repoDir);
      const config = await serviceConfig(dir, [{ name: 'distro', url: `${server.url}/`, release: false }], key);
      const run = await rebuilder(config);
      expect(run.exitCode, run.stderr).to.equal(3);
      expect(run.stdout).to.match(/verified 1 · mismatch 0 · errors 0 · repositories unreadable 0 · entries refused 3/);
      const poll = (await status(dir)).repositories[0]!.lastPoll!;
      expect(poll.ok).to.equal(true);
      expect(poll.refused).to.deep.equal([
        'distro: Packages is malformed: entry 2 has Size "many"',
        'distro: Packages is malformed: entry 3 has Package "Bad_Name", which is not allowed there',
        'distro: Sources is truncated or malformed: entry 2 has no Checksums-Sha256',
      ]);
      expect(run.stderr).to.include('refused: distro: Packages is malformed: entry 2 has Size "many"');
      const page = await readFile(join(dir, 'publish', 'index.html'), 'utf8');
      expect(page).to.include('3 index entries refused').and.include('entry 3 has Package &quot;Bad_Name&quot;');
      expect((await versions(dir)).map((v) => [v.status, v.removed])).to.deep.equal([['verified', null]]);

      // The archive drops the version: marked removed on the page, its link stays.
      await writeFile(join(repoDir, 'Sources'), '');
      await writeFile(join(repoDir, 'Packages'), '');
      const dropped = await rebuilder(config);
      expect(dropped.exitCode, dropped.stderr).to.equal(0);
      expect(dropped.stderr).to.include('distro: 0 source versions with binaries, 0 new, 1 no longer listed');
      const [v] = await versions(dir);
      expect(v).to.deep.include({ status: 'verified', links: ['sources/tinyhello/1.0/metadata'] });
      expect(v!.removed).to.match(/^\d{4}-\d\d-\d\dT/);
      expect(await readFile(join(dir, 'publish', 'index.html'), 'utf8')).to.include('removed from the repository');
      expect(existsSync(join(dir, 'publish', 'sources', 'tinyhello', '1.0', 'metadata'))).to.equal(true);
    },
  );
});
