// The rebuilder's config file and flags: every mistake is exit 2 in one line,
// before anything is polled or written.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import type { Status } from '../../rebuilder/service/status.js';
import { CLI, REPO_ROOT, cleanupTemp, runCli, tempDir } from '../helpers.js';

describe('twinbuild rebuilder: config, flags, running until stopped', function () {
  this.timeout(120_000);
  let dir: string;
  let key: string;
  before(async () => {
    dir = await tempDir();
    key = join(dir, 'rebuilder');
    expect((await runCli(['keygen', '--out', key], { withOut: false })).exitCode).to.equal(0);
  });
  after(cleanupTemp);

  /** Without "keyring" or "unsigned": refused; the other cases opt out of signing. */
  const signedRepo = {
    name: 'distro',
    url: 'http://127.0.0.1:9/',
    sources: 'Sources',
    packages: ['Packages'],
    buildinfo: '.',
  };
  const repo = { ...signedRepo, unsigned: true };
  const cases: [string, unknown, string[], RegExp][] = [
    ['no --config', null, [], /rebuilder needs --config FILE/],
    ['not JSON', '{', [], /cannot read the rebuilder config .*: /],
    [
      'an unknown field',
      { repositories: [repo], signingKey: 'rebuilder', publish: 'p', state: 's', concurency: 2 },
      [],
      /unknown field "concurency"/,
    ],
    [
      'no repositories',
      { repositories: [], signingKey: 'rebuilder', publish: 'p', state: 's' },
      [],
      /"repositories" must be a non-empty list/,
    ],
    [
      'an ftp url',
      { repositories: [{ ...repo, url: 'ftp://127.0.0.1/' }], signingKey: 'rebuilder', publish: 'p', state: 's' },
      [],
      /repositories\[0\]: "url" must be http:\/\/, https:\/\/ or file:\/\/, got ftp:/,
    ],
    [
      'an index path that climbs out',
      { repositories: [{ ...repo, sources: '../Sources' }], signingKey: 'rebuilder', publish: 'p', state: 's' },
      [],
      /"\.\.\/Sources" must be a path relative to the repository url/,
    ],
    [
      'two repositories of one name',
      { repositories: [repo, repo], signingKey: 'rebuilder', publish: 'p', state: 's' },
      [],
      /two repositories are named "distro"/,
    ],
    [
      'concurrency -1',
      { repositories: [repo], signingKey: 'rebuilder', publish: 'p', state: 's', concurrency: -1 },
      [],
      /"concurrency" must be a whole number from 0 to 64/,
    ],
    [
      'an index cap of 0 MiB',
      { repositories: [repo], signingKey: 'rebuilder', publish: 'p', state: 's', maxIndexSize: 0 },
      [],
      /"maxIndexSize" must be a whole number from 1 to 511/,
    ],
    [
      'a fetch timeout that is not a number',
      { repositories: [repo], signingKey: 'rebuilder', publish: 'p', state: 's', fetchTimeout: '2s' },
      [],
      /"fetchTimeout" must be a whole number from 1 to 86400/,
    ],
    [
      '"work" beside a state directory',
      { repositories: [repo], signingKey: 'rebuilder', publish: 'p', state: 's', work: 'w' },
      [],
      /"work" is only for a PostgreSQL state \(a state directory holds its own work\/\)/,
    ],
    [
      'a PostgreSQL state that is no URL',
      { repositories: [repo], signingKey: 'rebuilder', publish: 'p', state: 'postgres://[::1' },
      [],
      /"state" is not a PostgreSQL URL \(postgres:\/\/user@host:port\/database\)/,
    ],
    [
      'an index path climbing out percent-encoded',
      { repositories: [{ ...repo, sources: '%2e%2e/Sources' }], signingKey: 'rebuilder', publish: 'p', state: 's' },
      [],
      /"%2e%2e\/Sources" must be a path relative to the repository url/,
    ],
    [
      'a repository neither signed nor opted out',
      { repositories: [signedRepo], signingKey: 'rebuilder', publish: 'p', state: 's' },
      [],
      /repositories\[0\]: needs "keyring": the keyring \(for gpgv\) its InRelease or Release\.gpg is signed with, or "unsigned": true/,
    ],
    [
      '"unsigned": false',
      { repositories: [{ ...repo, unsigned: false }], signingKey: 'rebuilder', publish: 'p', state: 's' },
      [],
      /repositories\[0\]: "unsigned" is either true \(an explicit opt-out\) or left out/,
    ],
    [
      'a keyring and "unsigned": true',
      { repositories: [{ ...repo, keyring: 'k.gpg' }], signingKey: 'rebuilder', publish: 'p', state: 's' },
      [],
      /"keyring" and "unsigned": true exclude each other/,
    ],
    [
      'a signed repository without a Release file',
      { repositories: [{ ...signedRepo, keyring: 'k.gpg' }], signingKey: 'rebuilder', publish: 'p', state: 's' },
      [],
      /a signed repository needs "release"/,
    ],
    [
      'a keyring that is not there',
      {
        repositories: [{ ...signedRepo, keyring: 'none.gpg', release: 'Release' }],
        signingKey: 'rebuilder',
        publish: 'p',
        state: 's',
      },
      [],
      /repositories\[0\]: cannot read the keyring \S+none\.gpg: ENOENT/,
    ],
    [
      'a missing signing key',
      { repositories: [repo], signingKey: 'nokey', publish: 'p', state: 's' },
      [],
      /cannot read an ed25519 private key/,
    ],
    [
      'an unknown repository format',
      { repositories: [{ ...repo, format: 'yum' }], signingKey: 'rebuilder', publish: 'p', state: 's' },
      [],
      /repositories\[0\]: "format" must be "apt" or "rpm", got "yum"/,
    ],
    [
      'an apt field in an rpm repository',
      {
        repositories: [{ name: 'rpms', format: 'rpm', unsigned: true, url: 'http://127.0.0.1:9/', sources: 'Sources' }],
        signingKey: 'rebuilder',
        publish: 'p',
        state: 's',
      },
      [],
      new RegExp(
        String.raw`repositories\[0\]: unknown field "sources" for an rpm repository ` +
          String.raw`\(known: name, format, url, keyring, unsigned, repodata, sourceRepodata\)`,
      ),
    ],
    [
      'an rpm repodata path that climbs out',
      {
        repositories: [
          {
            name: 'rpms',
            format: 'rpm',
            unsigned: true,
            url: 'http://127.0.0.1:9/',
            repodata: '../repodata/repomd.xml',
          },
        ],
        signingKey: 'rebuilder',
        publish: 'p',
        state: 's',
      },
      [],
      /"\.\.\/repodata\/repomd\.xml" must be a path relative to the repository url/,
    ],
    [
      'a bad --retry',
      { repositories: [repo], signingKey: 'rebuilder', publish: 'p', state: 's' },
      ['--retry', 'tinyhello'],
      /--retry expects SOURCE=VERSION/,
    ],
  ];
  for (const [what, config, extra, message] of cases) {
    it(`${what}: exit 2, one line, nothing created`, async () => {
      const file = join(dir, `${what.replace(/\W+/g, '-')}.json`);
      if (config !== null) await writeFile(file, typeof config === 'string' ? config : JSON.stringify(config));
      const run = await runCli(['rebuilder', ...(config === null ? [] : ['--config', file]), '--once', ...extra], {
        withOut: false,
      });
      expect(run.exitCode, run.stderr).to.equal(2);
      expect(run.stderr).to.match(message);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
      expect(existsSync(join(dir, 's')) || existsSync(join(dir, 'p'))).to.equal(false);
    });
  }

  it('without --once it polls, writes its status and waits; SIGTERM stops it (exit 143)', async () => {
    const repoDir = join(dir, 'empty-repo');
    await mkdir(repoDir);
    for (const index of ['Sources', 'Packages']) await writeFile(join(repoDir, index), '');
    const file = join(dir, 'service.json');
    await writeFile(
      file,
      JSON.stringify({
        repositories: [{ ...repo, url: repoDir }],
        signingKey: 'rebuilder',
        publish: 'pub',
        state: 'state',
        pollInterval: 3600,
      }),
    );
    const log = join(dir, 'service.log');
    const controller = new AbortController();
    const running = realProcesses.run({
      argv: ['node', CLI, 'rebuilder', '--config', file],
      env: process.env as Record<string, string>,
      cwd: dir,
      logFile: log,
      signal: controller.signal,
      abortWith: 'SIGTERM',
      timeoutMs: 60_000,
    });
    for (let i = 0; i < 600 && !existsSync(join(dir, 'pub', 'status.json')); i++)
      await new Promise((r) => setTimeout(r, 50));
    const status = JSON.parse(await readFile(join(dir, 'pub', 'status.json'), 'utf8')) as Status;
    expect(status.repositories[0]!.lastPoll).to.deep.include({ ok: true, jobs: 0 });
    controller.abort();
    const stopped = await running;
    expect(stopped.timedOut).to.equal(false);
    expect(stopped.exitCode, await readFile(log, 'utf8')).to.equal(143);
  });

  it(
    'without better-sqlite3 (npm install --ignore-scripts skips its build) every ' +
      'other command runs, and the rebuilder says what to install (exit 3, one ' +
      'line)',
    async () => {
      // An installed package without node_modules: the bundle, its bin, enter.sh, package.json.
      const pkg = join(await tempDir(), 'twinbuild');
      for (const file of ['package.json', 'bin/twinbuild.js', 'dist/bundle/twinbuild.mjs', 'adapters/enter.sh']) {
        await mkdir(join(pkg, file, '..'), { recursive: true });
        await copyFile(join(REPO_ROOT, file), join(pkg, file));
      }
      const cli = join(pkg, 'bin', 'twinbuild.js');
      expect((await realProcesses.capture(['node', cli, '--version'])).stdout.trim()).to.match(/^\d+\.\d+\.\d+$/);
      const config = join(dir, 'no-sqlite.json');
      await writeFile(
        config,
        JSON.stringify({
          repositories: [{ ...repo, url: `file://${dir}/none/` }],
          signingKey: 'rebuilder',
          publish: 'p-nosqlite',
          state: 's-nosqlite',
        }),
      );
      const run = await realProcesses.capture(['node', cli, 'rebuilder', '--config', config, '--once']);
      expect(run.exitCode, run.stderr).to.equal(3);
      expect(run.stderr).to.equal(
        'twinbuild: the rebuilder service keeps its state with the better-sqlite3 ' +
          "package, which cannot be loaded here (Cannot find module 'better-sqlite3'); " +
          'install it (with its build step) with npm install better-sqlite3@12',
      );
    },
  );
});
