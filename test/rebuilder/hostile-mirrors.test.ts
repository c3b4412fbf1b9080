// The rebuilder against hostile and broken repositories (issue 29), each a real
// HTTP server on 127.0.0.1 (or a file:// directory) started by the test: paths
// that climb out by percent-encoding, artifacts and indexes that never end, answers
// sent a byte a second. Each is refused in one line; nothing outside the repository
// is read, nothing grows without bound, and a stop (SIGTERM) ends a poll at once.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { repositoryUrl, safePath } from '../../rebuilder/service/fetch.js';
import type { Status } from '../../rebuilder/service/status.js';
import { realProcesses } from '../../adapters/process.js';
import { CLI, cleanupTemp, runCli, tempDir } from '../helpers.js';
import { endless, serveRoutes, serviceConfig, trickle, type RouteServer } from './service-fixtures.js';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const rebuilder = (config: string, timeoutMs = 120_000) =>
  runCli(['rebuilder', '--config', config, '--once'], { withOut: false, timeoutMs });
const statusText = (dir: string) => readFile(join(dir, 'publish', 'status.json'), 'utf8');
const status = async (dir: string) => JSON.parse(await statusText(dir)) as Status;
const versions = async (dir: string) =>
  (await status(dir)).repositories.flatMap((r) => r.packages.flatMap((p) => p.versions));

/** A Sources paragraph listing `files` (name → bytes) under `directory`. */
const sourcesEntry = (name: string, directory: string, files: Readonly<Record<string, Buffer | string>>) =>
  `Package: ${name}\nVersion: 1.0\nDirectory: ${directory}\nChecksums-Sha256:\n` +
  Object.entries(files)
    .map(([file, body]) => ` ${sha256(body)} ${Buffer.from(body).length} ${file}\n`)
    .join('') +
  '\n';

/** A Packages paragraph for NAME 1.0 (arch all) at `filename`, declaring `size` and `sha`. */
const packagesEntry = (name: string, filename: string, size: number, sha: string) =>
  `Package: ${name}\nVersion: 1.0\nArchitecture: all\nFilename: ${filename}\nSize: ${size}\nSHA256: ${sha}\n\n`;

describe('rebuilder: hostile and broken mirrors (issue 29)', function () {
  this.timeout(300_000);
  let key: string;
  const servers: RouteServer[] = [];
  const serve = async (routes: Parameters<typeof serveRoutes>[0]) => {
    const server = await serveRoutes(routes);
    servers.push(server);
    return server;
  };
  before(async () => {
    key = join(await tempDir(), 'rebuilder');
    expect((await runCli(['keygen', '--out', key], { withOut: false })).exitCode).to.equal(0);
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  after(cleanupTemp);

  describe('a percent-encoded ".." (item 2)', () => {
    it('is refused by the path check, decoded or not, and no URL leaves the repository', () => {
      const base = 'http://127.0.0.1:1/debian/';
      for (const climbing of [
        'pool/%2e%2e/%2e%2e/%2e%2e/etc/shadow',
        'pool/%2E%2E/%2e%2E/etc/shadow',
        'pool/.%2e/etc/shadow',
        'pool%2f..%2fetc/shadow',
        'pool/%2F%2e%2e/x',
        'pool/a%5c..%5cb',
        'pool/%252e%252e/x%',
        'pool/x.deb%3fq',
        'pool/x.deb%23frag',
        'pool/%00.deb',
      ]) {
        expect(safePath(climbing), climbing).to.equal(false);
        expect(() => repositoryUrl(base, climbing), climbing).to.throw(/is not a path inside the repository/);
      }
      for (const plain of ['pool/main/h/hello/hello_2.10-3_amd64.deb', 'pool/g++-12_12.2.0-14_amd64.deb', 'a%2Bb.deb'])
        expect(repositoryUrl(base, plain).startsWith(base), plain).to.equal(true);
    });

    for (const kind of ['http', 'file'] as const)
      it(`over ${kind}: a Filename climbing to a file outside the repository is refused; the file is never read`, async () => {
        const dir = await tempDir();
        // The "secret" beside the repository, where pool/%2e%2e/%2e%2e/secret resolves.
        const secret = `top secret ${Math.random()}\n`;
        await writeFile(join(dir, 'secret'), secret);
        const climbing = 'pool/%2e%2e/%2e%2e/secret';
        const sources = sourcesEntry('evil', 'pool/%2e%2e/%2e%2e', { secret: 'not the secret' });
        const packages = packagesEntry('evil', climbing, 100, '0'.repeat(64));
        let url: string;
        let server: RouteServer | null = null;
        if (kind === 'http') {
          server = await serve({ '/repo/Sources': sources, '/repo/Packages': packages, '/secret': secret });
          url = `${server.url}/repo/`;
        } else {
          await mkdir(join(dir, 'repo', 'pool'), { recursive: true });
          await writeFile(join(dir, 'repo', 'Sources'), sources);
          await writeFile(join(dir, 'repo', 'Packages'), packages);
          url = pathToFileURL(join(dir, 'repo')).href;
        }
        const config = await serviceConfig(dir, [{ name: 'mirror', url, release: false }], key);
        const run = await rebuilder(config);
        expect(run.exitCode, run.stderr).to.equal(3);
        const shown =
          `${run.stdout}${run.stderr}${await statusText(dir)}` +
          (await readFile(join(dir, 'publish', 'index.html'), 'utf8'));
        expect(shown).to.match(/pool\/%2e%2e\/%2e%2e\/secret", which is not allowed there/);
        expect(shown).to.not.include(sha256(secret));
        expect(shown).to.not.include(String(Buffer.byteLength(secret)) + ' bytes');
        expect(await versions(dir)).to.deep.equal([]);
        if (server) expect(server.requests.filter((r) => !r.startsWith('/repo/'))).to.deep.equal([]);
      });

    it('a served artifact larger than the index declares is cut at its declared size: an error, no link', async () => {
      const dir = await tempDir();
      const dsc = 'Format: 3.0 (native)\nSource: big\n';
      const server = await serve({
        '/repo/Sources': sourcesEntry('big', '.', { 'big_1.0.dsc': dsc }),
        '/repo/Packages': packagesEntry('big', 'big_1.0_all.deb', 100, '1'.repeat(64)),
        '/repo/big_1.0.dsc': dsc,
        '/repo/big_1.0_all.deb': endless(Buffer.alloc(65536, 0x5a)),
      });
      const config = await serviceConfig(dir, [{ name: 'mirror', url: `${server.url}/repo/`, release: false }], key);
      const run = await rebuilder(config);
      expect(run.exitCode, run.stderr).to.equal(3);
      const [v] = await versions(dir);
      expect(v?.status).to.equal('queued');
      expect(v?.lastError).to.match(
        /cannot fetch http:\/\/127\.0\.0\.1:\d+\/repo\/big_1\.0_all\.deb: larger than 100 bytes; refused/,
      );
      expect(server.closedEarly).to.include('/repo/big_1.0_all.deb');
      // What the server managed to write before the client left: socket buffers, not an unbounded download.
      expect(server.written.get('/repo/big_1.0_all.deb')).to.be.below(64 * 1024 * 1024);
      expect(v?.links).to.deep.equal([]);
    });
  });

  it('an index that never ends, or declares 2 GiB, or a small .gz inflating past the cap: refused at maxIndexSize (item 3)', async () => {
    const dir = await tempDir();
    const bomb = gzipSync(Buffer.alloc(3 * 1024 * 1024, 0x20)); // 3 MiB of spaces in a few KiB
    const repomd =
      '<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo">' +
      `<data type="primary"><checksum type="sha256">${sha256(bomb)}</checksum>` +
      '<location href="repodata/primary.xml.gz"/></data></repomd>\n';
    const line = Buffer.from('Package: x\nVersion: 1.0\nArchitecture: all\n\n');
    const server = await serve({
      '/declared/Sources': endless(line, { 'content-length': 2 * 1024 ** 3 }),
      '/chunked/Sources': endless(line),
      '/bomb/repodata/repomd.xml': repomd,
      '/bomb/repodata/primary.xml.gz': bomb,
    });
    const config = await serviceConfig(
      dir,
      [
        { name: 'declared', url: `${server.url}/declared/`, release: false },
        { name: 'chunked', url: `${server.url}/chunked/`, release: false },
      ],
      key,
      { maxIndexSize: 1 },
    );
    const file = JSON.parse(await readFile(config, 'utf8')) as { repositories: unknown[] };
    file.repositories.push({ name: 'bomb', format: 'rpm', unsigned: true, url: `${server.url}/bomb/` });
    await writeFile(config, JSON.stringify(file));
    const run = await rebuilder(config);
    expect(run.exitCode, run.stderr).to.equal(3);
    const polls = (await status(dir)).repositories.map((r) => [r.name, r.lastPoll?.ok, r.lastPoll?.error]);
    expect(polls).to.deep.equal([
      [
        'declared',
        false,
        `cannot fetch ${server.url}/declared/Sources: larger than 1048576 bytes (content-length 2147483648); refused`,
      ],
      ['chunked', false, `cannot fetch ${server.url}/chunked/Sources: larger than 1048576 bytes; refused`],
      ['bomb', false, 'bomb: repodata/primary.xml.gz is larger than 1048576 bytes uncompressed; refused'],
    ]);
    // One line each on the console, and the endless answer left after about a MiB (plus socket buffers).
    expect(run.stderr.split('\n').filter((l) => l.includes('poll failed'))).to.have.length(3);
    expect(server.closedEarly).to.include.members(['/declared/Sources', '/chunked/Sources']);
    expect(server.written.get('/chunked/Sources')).to.be.below(64 * 1024 * 1024);
  });

  describe('an answer sent a byte a second (item 1)', () => {
    it('fetchTimeout bounds the whole answer, a slow body or slow headers: the poll fails in one line', async () => {
      const dir = await tempDir();
      const server = await serve({
        '/body/Sources': trickle(Buffer.from('P'), 1000),
        '/headers/Sources': trickle(Buffer.from('P'), 1000, true),
      });
      const config = await serviceConfig(
        dir,
        [
          { name: 'body', url: `${server.url}/body/`, release: false },
          { name: 'headers', url: `${server.url}/headers/`, release: false },
        ],
        key,
        { fetchTimeout: 2 },
      );
      const run = await rebuilder(config, 60_000);
      expect(run.exitCode, run.stderr).to.equal(3);
      expect((await status(dir)).repositories.map((r) => r.lastPoll?.error)).to.deep.equal([
        `cannot fetch ${server.url}/body/Sources: no whole answer within 2 s`,
        `cannot fetch ${server.url}/headers/Sources: no whole answer within 2 s`,
      ]);
      expect(server.closedEarly).to.include.members(['/body/Sources', '/headers/Sources']);
    });

    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const)
      it(`${signal} to a real twinbuild rebuilder --once waiting on it: it stops by itself (exit ${code})`, async () => {
        const dir = await tempDir();
        const server = await serve({ '/slow/Sources': trickle(Buffer.from('P'), 1000) });
        // The default fetchTimeout (60 s): only the signal can end this poll in time.
        const config = await serviceConfig(dir, [{ name: 'slow', url: `${server.url}/slow/`, release: false }], key);
        const log = join(dir, 'rebuilder.log');
        const controller = new AbortController();
        const running = realProcesses.run({
          argv: ['node', CLI, 'rebuilder', '--config', config, '--once'],
          env: process.env as Record<string, string>,
          cwd: dir,
          logFile: log,
          signal: controller.signal,
          abortWith: signal,
          timeoutMs: 120_000,
        });
        for (let i = 0; i < 600 && !server.requests.includes('/slow/Sources'); i++)
          await new Promise((r) => setTimeout(r, 50));
        expect(server.requests).to.include('/slow/Sources');
        controller.abort();
        const stopped = await running;
        const said = await readFile(log, 'utf8');
        // Exited with its own code: not the SIGKILL the runner sends 2 s after the signal.
        expect([stopped.signal, stopped.exitCode], said).to.deep.equal([null, code]);
        expect(said).to.include(`${signal} received`).and.not.include('still cleaning up');
        expect(server.closedEarly).to.include('/slow/Sources');
      });
  });
});
