// The rebuilder service end to end with real builds: two repositories watched at
// once, links published where apt looks, the status page, a finished version
// never verified twice (unless --retry), and a kill -9 in the middle of a verify;
// the same with the state in SQLite (the default) and in PostgreSQL.
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { loadSigningKey } from '../../attest/keys.js';
import { readServiceConfig } from '../../rebuilder/service/config.js';
import { RebuilderService } from '../../rebuilder/service/service.js';
import { openState } from '../../rebuilder/service/state.js';
import { STORES, stateStore } from './postgres-cluster.js';
import { stageLinks } from '../../rebuilder/service/publish.js';
import type { Status } from '../../rebuilder/service/status.js';
import { CLI, cleanupTemp, runCli, tempDir } from '../helpers.js';
import {
  flatRepository,
  officialUpload,
  reindex,
  serveDirectory,
  serviceConfig as writeConfig,
  type StaticServer,
  type Upload,
} from './service-fixtures.js';

const rebuilder = (config: string, ...extra: string[]) =>
  runCli(['rebuilder', '--config', config, '--once', ...extra], { withOut: false, timeoutMs: 240_000 });
const status = async (dir: string) => JSON.parse(await readFile(join(dir, 'publish', 'status.json'), 'utf8')) as Status;

for (const kind of STORES)
  describe(`rebuilder service: watch repositories, verify, publish (state in ${kind})`, function () {
    this.timeout(600_000);
    const store = stateStore(kind);
    const attempts = (dir: string) =>
      store.query<{ source: string; attempt: number; outcome: string | null }>(
        dir,
        'SELECT j.source, a.attempt, a.outcome FROM attempts a JOIN jobs j ON j.id = a.job ORDER BY j.source, a.attempt',
      );
    const serviceConfig = async (...[dir, repos, key, extra]: Parameters<typeof writeConfig>) =>
      writeConfig(dir, repos, key, { ...(await store.config(dir)), ...extra });
    let hello: Upload;
    let world: Upload;
    /** tinyhello 1.0 again, with other bytes (a fork's, or an attacker's). */
    let fork: Upload;
    let key: string;
    const servers: StaticServer[] = [];
    before(async () => {
      [hello, world, fork] = await Promise.all([
        officialUpload('tinyhello'),
        officialUpload('tinyworld'),
        officialUpload('tinyhello', undefined, { tinyhello: '#!/bin/sh\necho forked\n' }),
      ]);
      const keys = await tempDir();
      key = join(keys, 'rebuilder');
      expect((await runCli(['keygen', '--out', key], { withOut: false })).exitCode).to.equal(0);
    });
    afterEach(async () => {
      await Promise.all(servers.splice(0).map((s) => s.close()));
    });
    after(cleanupTemp);

    it(
      'two repositories (http and file://): each version verified once, its link at ' +
        'sources/<binary>/<version>/metadata, status page and JSON; --retry verifies ' +
        'again',
      async () => {
        const dir = await tempDir();
        const http = await serveDirectory(await flatRepository(join(dir, 'distro'), [hello]));
        servers.push(http);
        const own = await flatRepository(join(dir, 'own'), [world]);
        const config = await serviceConfig(
          dir,
          [
            { name: 'distro', url: `${http.url}/` },
            { name: 'own<b>', url: pathToFileURL(own).href },
          ],
          key,
        );
        // A repository name is restricted (it names report directories): "own<b>" is refused, exit 2.
        const refused = await rebuilder(config);
        expect(refused.exitCode, refused.stderr).to.equal(2);
        expect(refused.stderr).to.match(/repositories\[1\]: "name" must be letters/);
        await serviceConfig(
          dir,
          [
            { name: 'distro', url: `${http.url}/` },
            { name: 'own', url: pathToFileURL(own).href },
          ],
          key,
        );

        const first = await rebuilder(config);
        expect(first.exitCode, first.stderr).to.equal(0);
        expect(first.stdout).to.match(/verified 2 · mismatch 0 · errors 0/);
        const keyid = (await loadSigningKey(key)).keyid;
        for (const name of ['tinyhello', 'tinyworld']) {
          const link = JSON.parse(await readFile(join(dir, 'publish', 'sources', name, '1.0', 'metadata'), 'utf8')) as {
            signed: { products: Record<string, unknown>; materials: Record<string, unknown> };
            signatures: { keyid: string }[];
          };
          expect(link.signatures[0]!.keyid).to.equal(keyid);
          expect(Object.keys(link.signed.products)).to.deep.equal([`${name}_1.0_all.deb`]);
          expect(Object.keys(link.signed.materials).sort()).to.deep.equal([`${name}_1.0.dsc`, `${name}_1.0.tar.xz`]);
          expect(
            existsSync(join(dir, 'publish', 'sources', name, '1.0', `rebuild.${keyid.slice(0, 8)}.dsse.json`)),
          ).to.equal(true);
        }
        const seen = await status(dir);
        expect(
          seen.repositories.map((r) => [
            r.name,
            r.lastPoll?.ok,
            r.packages.map((p) => [p.source, p.versions.map((v) => [v.version, v.status, v.attempts])]),
          ]),
        ).to.deep.equal([
          ['distro', true, [['tinyhello', [['1.0', 'verified', 1]]]]],
          ['own', true, [['tinyworld', [['1.0', 'verified', 1]]]]],
        ]);
        expect(seen.repositories[0]!.packages[0]!.versions[0]!.links).to.deep.equal(['sources/tinyhello/1.0/metadata']);
        const page = await readFile(join(dir, 'publish', 'index.html'), 'utf8');
        expect(page).to.contain('<a href="sources/tinyhello/1.0/metadata">').and.contain('verdict-verified');
        expect(existsSync(join(dir, 'publish', seen.repositories[0]!.packages[0]!.versions[0]!.report!))).to.equal(
          true,
        );

        // Polled again: nothing new, nothing verified twice.
        const again = await rebuilder(config);
        expect(again.exitCode, again.stderr).to.equal(0);
        expect(again.stdout).to.match(/verified 0 · mismatch 0 · errors 0/);
        expect(await attempts(dir)).to.deep.equal([
          { source: 'tinyhello', attempt: 1, outcome: 'verified' },
          { source: 'tinyworld', attempt: 1, outcome: 'verified' },
        ]);

        const retried = await rebuilder(config, '--retry', 'tinyhello=1.0');
        expect(retried.exitCode, retried.stderr).to.equal(0);
        expect(retried.stdout).to.match(/verified 1 · mismatch 0/);
        expect((await attempts(dir)).filter((a) => a.source === 'tinyhello').map((a) => a.outcome)).to.deep.equal([
          'verified',
          'verified',
        ]);
      },
    );

    it('kill -9 during a verify, then a restart: the job is verified once, nothing half-published before', async () => {
      const dir = await tempDir();
      const http = await serveDirectory(await flatRepository(join(dir, 'distro'), [hello]));
      servers.push(http);
      const config = await serviceConfig(dir, [{ name: 'distro', url: `${http.url}/` }], key);
      const log = join(dir, 'service.log');
      const controller = new AbortController();
      const running = realProcesses.run({
        argv: ['node', CLI, 'rebuilder', '--config', config],
        env: process.env as Record<string, string>,
        cwd: dir,
        logFile: log,
        signal: controller.signal,
        abortWith: 'SIGKILL',
        timeoutMs: 240_000,
      });
      // Killed once the rebuild is under way (its temp root exists).
      const tmp = process.env['TMPDIR']!;
      for (let i = 0; i < 2400; i++) {
        const building =
          (await readFile(log, 'utf8').catch(() => '')).includes('verifying') &&
          (await readdir(tmp)).some((n) => n.startsWith('twinbuild-'));
        if (building) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      controller.abort();
      const killed = await running;
      expect(killed.signal ?? killed.exitCode, await readFile(log, 'utf8')).to.equal('SIGKILL');
      expect(await attempts(dir)).to.deep.equal([{ source: 'tinyhello', attempt: 1, outcome: null }]);
      expect(existsSync(join(dir, 'publish', 'sources'))).to.equal(false);

      const restarted = await rebuilder(config);
      expect(restarted.exitCode, restarted.stderr).to.equal(0);
      expect(restarted.stderr).to.contain('1 interrupted verify queued again');
      expect(await attempts(dir)).to.deep.equal([
        { source: 'tinyhello', attempt: 1, outcome: 'killed' },
        { source: 'tinyhello', attempt: 2, outcome: 'verified' },
      ]);
      JSON.parse(await readFile(join(dir, 'publish', 'sources', 'tinyhello', '1.0', 'metadata'), 'utf8'));
      expect(await readdir(join(dir, 'publish', '.staging')).catch(() => [])).to.deep.equal([]);
    });

    it('killed after staging a verified link: the restart finishes publishing without verifying again', async () => {
      const dir = await tempDir();
      const config = await readServiceConfig(
        await serviceConfig(dir, [{ name: 'distro', url: 'http://127.0.0.1:9/' }], key),
      );
      await mkdir(join(dir, 'state'), { recursive: true });
      const spec = {
        repository: 'distro',
        source: 'tinyhello',
        version: '1:1.0',
        sourceFiles: [],
        binaries: [
          {
            package: 'tinyhello',
            version: '1:1.0',
            architecture: 'all',
            path: 'tinyhello_1.0_all.deb',
            sha256: '0'.repeat(64),
            size: 1,
          },
        ],
      };
      const opened = { waitMs: 10_000, log: () => {} };
      const state = await openState(config, opened);
      await state.enqueue([spec], 1);
      const job = (await state.claim((await state.dueJobs(1))[0]!, 1))!;
      const pairs = await stageLinks(
        config.publish,
        job.id,
        Buffer.from('{"signed":{},"signatures":[]}\n'),
        Buffer.from('{}\n'),
        'rebuild.00000000.dsse.json',
        spec.binaries,
      );
      await state.staged(job.id, pairs, 2);
      await state.close(); // the "crash": nothing renamed yet
      expect(existsSync(join(dir, 'publish', 'sources'))).to.equal(false);

      const service = await RebuilderService.open(config, {
        runner: realProcesses,
        signal: new AbortController().signal,
        progress: () => {},
        log: () => {},
        version: 'test',
        hostArchitecture: 'amd64',
        rpmArchitecture: 'x86_64',
        host: { hostname: 'h', platform: 'linux', arch: 'x64', kernel: 'k', cpus: 1, node: 'v20', uid: 0 },
        packageOptions: () => {
          throw new Error('a staged job must not be verified again');
        },
      });
      try {
        await service!.recover();
      } finally {
        await service!.close();
      }
      // The epoch: published as a URL-decoding server maps the request (":") and as the method sends it ("%3A").
      for (const version of ['1:1.0', '1%3A1.0'])
        expect(await readFile(join(dir, 'publish', 'sources', 'tinyhello', version, 'metadata'), 'utf8')).to.equal(
          '{"signed":{},"signatures":[]}\n',
        );
      const reopened = await openState(config, opened);
      try {
        expect((await reopened.jobs()).map((j) => [j.status, j.attempts, j.published.length])).to.deep.equal([
          ['verified', 1, 4],
        ]);
      } finally {
        await reopened.close();
      }
    });

    const DEB = 'tinyhello_1.0_all.deb';
    const productSha = async (dir: string) =>
      (
        JSON.parse(await readFile(join(dir, 'publish', 'sources', 'tinyhello', '1.0', 'metadata'), 'utf8')) as {
          signed: { products: Record<string, { sha256: string }> };
        }
      ).signed.products[DEB]!.sha256;
    const debSha = async (upload: Upload) =>
      createHash('sha256')
        .update(await readFile(join(upload.dir, DEB)))
        .digest('hex');

    it('the same name and version, other bytes, in a second repository: it never replaces the first link (conflict, exit 1)', async () => {
      const dir = await tempDir();
      const distro = await serveDirectory(await flatRepository(join(dir, 'distro'), [hello]));
      const forked = await serveDirectory(await flatRepository(join(dir, 'fork'), [fork]));
      servers.push(distro, forked);
      expect(await debSha(fork)).to.not.equal(await debSha(hello));
      const config = await serviceConfig(dir, [{ name: 'distro', url: `${distro.url}/` }], key);
      const first = await rebuilder(config);
      expect(first.exitCode, first.stderr).to.equal(0);
      const link = await readFile(join(dir, 'publish', 'sources', 'tinyhello', '1.0', 'metadata'));
      expect(await productSha(dir)).to.equal(await debSha(hello));

      await serviceConfig(
        dir,
        [
          { name: 'distro', url: `${distro.url}/` },
          { name: 'fork', url: `${forked.url}/` },
        ],
        key,
      );
      const second = await rebuilder(config);
      expect(second.exitCode, second.stderr).to.equal(1);
      expect(second.stdout).to.match(/conflicts 1/);
      expect(second.stderr).to.match(/fork: tinyhello 1\.0 \(attempt 1\): CONFLICT, nothing published/);
      const [d, f] = (await status(dir)).repositories.map((r) => r.packages[0]!.versions[0]!);
      expect([d!.status, f!.status]).to.deep.equal(['verified', 'conflict']);
      expect(f!.lastError).to.equal(
        `tinyhello 1.0 is already published from repository distro (tinyhello 1.0) with other bytes (sha256 ` +
          `${await debSha(hello)} there, ${await debSha(fork)} here); its link is not replaced`,
      );
      expect(f!.links).to.deep.equal([]);
      // The first repository's link, byte for byte: apt still installs its package.
      expect(await readFile(join(dir, 'publish', 'sources', 'tinyhello', '1.0', 'metadata'))).to.deep.equal(link);
      expect(await readFile(join(dir, 'publish', 'index.html'), 'utf8')).to.contain('>conflict<');
    });

    it('a .deb swapped under a verified version (indexes regenerated): an alert on the status page, exit 1, until put back', async () => {
      const dir = await tempDir();
      const repo = await flatRepository(join(dir, 'distro'), [hello]);
      const http = await serveDirectory(repo);
      servers.push(http);
      const config = await serviceConfig(dir, [{ name: 'distro', url: `${http.url}/` }], key);
      expect((await rebuilder(config)).exitCode).to.equal(0);

      await copyFile(join(fork.dir, DEB), join(repo, DEB));
      await reindex(repo);
      const swapped = await rebuilder(config);
      expect(swapped.exitCode, swapped.stderr).to.equal(1);
      expect(swapped.stdout).to.match(/verified 0 · .* alerts 1/);
      const alert =
        `tinyhello 1.0 changed after it was verified: ${DEB} is now sha256 ${await debSha(fork)} ` +
        `(${(await readFile(join(fork.dir, DEB))).length} bytes), verified as ${await debSha(hello)} ` +
        `(${(await readFile(join(hello.dir, DEB))).length} bytes)`;
      expect(swapped.stderr).to.include(`ALERT: distro: ${alert}`);
      const [v] = (await status(dir)).repositories[0]!.packages[0]!.versions;
      expect(v).to.deep.include({ status: 'verified', alert });
      expect(await readFile(join(dir, 'publish', 'index.html'), 'utf8')).to.contain(
        'ALERT: 1 verified version changed in the repository after verification',
      );
      // Still there at the next poll: still an alert.
      expect((await rebuilder(config)).exitCode).to.equal(1);

      await copyFile(join(hello.dir, DEB), join(repo, DEB));
      await reindex(repo);
      const restored = await rebuilder(config);
      expect(restored.exitCode, restored.stderr).to.equal(0);
      expect((await status(dir)).repositories[0]!.packages[0]!.versions[0]!.alert).to.equal(null);
    });
  });
