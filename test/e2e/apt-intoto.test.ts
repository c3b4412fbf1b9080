// A real apt client trusting twinbuild rebuilders (DESIGN §7): a local flat
// repository holding a real tiny .deb, the rebuilder service run --once to
// publish its link, and apt-get (private APT_CONFIG, lists, cache and state; a
// throwaway GNUPGHOME for the layout owner) downloading through intoto://.
// Everything listens on 127.0.0.1 and is stopped by the test. The repository
// also holds two hostile packages (issue 28) whose rebuilds attack both
// rebuilders' keys, state and publish dirs: one rebuilds the same bytes anyway,
// one never does (it records the clock) and so must get no link.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { cleanupTemp, onPath, requireOrSkip, runCli, tempDir } from '../helpers.js';
import { aptIntoto, aptIntotoMissing, type AptIntoto } from '../rebuilder/apt-client.js';
import { expectAttacksFailed, hostileUpload } from '../rebuilder/hostile-fixture.js';
import {
  flatRepository,
  officialUpload,
  reindex,
  serveDirectory,
  serviceConfig,
  type StaticServer,
  type Upload,
} from '../rebuilder/service-fixtures.js';

const DEB = 'tinyhello_1.0_all.deb';

describe('e2e: apt-get through apt-transport-in-toto trusts twinbuild rebuilders', function () {
  this.timeout(900_000);
  let root: string;
  let apt: AptIntoto | undefined;
  let upload: Upload;
  let hostile: Upload;
  let leaky: Upload;
  const servers: StaticServer[] = [];
  const keys: Record<'a' | 'b', string> = { a: '', b: '' };

  before(async function () {
    const missing = await aptIntotoMissing();
    requireOrSkip(this, missing === null, missing ?? '');
    requireOrSkip(
      this,
      (await onPath('dpkg-buildpackage')) !== undefined,
      'dpkg-buildpackage (scripts/debian-packages.txt)',
    );
    root = await tempDir('tb-apt-');
    apt = await aptIntoto(root);
    for (const who of ['a', 'b'] as const) {
      keys[who] = join(root, `rebuilder-${who}`);
      expect((await runCli(['keygen', '--out', keys[who]], { withOut: false })).exitCode).to.equal(0);
    }
    upload = await officialUpload('tinyhello');
    const targets = (['a', 'b'] as const).map((who) => {
      const service = join(root, `service-${who}`);
      return {
        key: keys[who],
        state: join(service, 'state'),
        config: join(service, 'rebuilder.json'),
        publish: join(service, 'publish'),
      };
    });
    hostile = await hostileUpload('tinyhostile', targets);
    leaky = await hostileUpload('tinyleaky', targets, true);
  });
  after(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await apt?.close();
    await cleanupTemp();
  });

  const serve = async (dir: string) => {
    const server = await serveDirectory(dir);
    servers.push(server);
    return server;
  };

  const signedLayout = (name: string, rebuilderKeys: readonly string[], threshold: number) =>
    apt!.signedLayout(name, rebuilderKeys, threshold);

  /**
   * A rebuilder (its own key, state and publish dir) run --once over the repository
   * (tinyhello and the two hostile packages), its publish dir served.
   */
  async function runRebuilder(who: 'a' | 'b', repoUrl: string): Promise<StaticServer> {
    const dir = join(root, `service-${who}`);
    await mkdir(dir, { recursive: true });
    const config = await serviceConfig(dir, [{ name: 'local', url: `${repoUrl}/` }], keys[who]);
    const run = await runCli(['rebuilder', '--config', config, '--once', '--quiet'], {
      withOut: false,
      timeoutMs: 300_000,
    });
    // Exit 1: tinyleaky did not rebuild the same, which is a mismatch, not an error.
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    expect(run.stdout).to.match(/verified 2 · mismatch 1 · errors 0/);
    await expectAttacksFailed(join(dir, 'publish'), keys[who]);
    expect(existsSync(join(dir, 'publish', 'sources', 'tinyleaky')), 'a link for tinyleaky').to.equal(false);
    return serve(join(dir, 'publish'));
  }

  /** A fresh apt client: apt-get update, then apt-get download PACKAGE. */
  const aptDownload = (repo: StaticServer, rebuilders: readonly string[], layout: string, pkg = 'tinyhello') =>
    apt!.download(repo, rebuilders, layout, pkg);

  it(
    'a link published by the rebuilder lets apt-get download the .deb; no link, or ' +
      'a tampered .deb, is refused; threshold 2 passes only once both rebuilders ' +
      'published; hostile packages take no key and get a link only when they rebuild the same',
    async () => {
      const repo = await serve(await flatRepository(join(root, 'repo'), [upload, hostile, leaky]));
      const layout1 = await signedLayout('root-a.layout', [keys.a], 1);

      // No rebuilder has published yet: refused.
      const emptyRebuilder = await serve(
        await (async () => {
          const d = join(root, 'empty');
          await mkdir(d);
          return d;
        })(),
      );
      const missing = await aptDownload(repo, [emptyRebuilder.url], layout1);
      expect(missing.ok, missing.output).to.equal(false);
      expect(missing.output).to.match(/in-toto verification for .*tinyhello_1\.0_all\.deb.* failed/i);

      const a = await runRebuilder('a', repo.url);
      const passed = await aptDownload(repo, [a.url], layout1);
      expect(passed.ok, passed.output).to.equal(true);
      expect(passed.output).to.match(/In-toto verification for '.*tinyhello_1\.0_all\.deb' passed/);
      expect(await readFile(join(passed.dir, 'download', DEB))).to.deep.equal(await readFile(join(upload.dir, DEB)));

      // A compromised archive: the .deb changed and the indexes made to agree with it; the link still names the rebuilt one.
      const tamperedDir = join(root, 'tampered');
      await flatRepository(tamperedDir, [upload]);
      const bytes = await readFile(join(tamperedDir, DEB));
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
      await writeFile(join(tamperedDir, DEB), bytes);
      await reindex(tamperedDir);
      const tampered = await aptDownload(await serve(tamperedDir), [a.url], layout1);
      expect(tampered.ok, tampered.output).to.equal(false);
      expect(tampered.output).to.match(/in-toto verification for .*tinyhello_1\.0_all\.deb.* failed/i);

      // Two rebuilders, threshold 2: rebuilder A alone is not enough; with B's link too, apt accepts.
      const layout2 = await signedLayout('root-ab.layout', [keys.a, keys.b], 2);
      const bPublish = join(root, 'service-b', 'publish');
      await mkdir(bPublish, { recursive: true });
      const bServer = await serve(bPublish);
      const onlyA = await aptDownload(repo, [a.url, bServer.url], layout2);
      expect(onlyA.ok, onlyA.output).to.equal(false);
      await runRebuilder('b', repo.url);
      const both = await aptDownload(repo, [a.url, bServer.url], layout2);
      expect(both.ok, both.output).to.equal(true);
      // The hostile package that rebuilt the same installs like any other; the one that never does is refused.
      const hostileBoth = await aptDownload(repo, [a.url, bServer.url], layout2, 'tinyhostile');
      expect(hostileBoth.ok, hostileBoth.output).to.equal(true);
      const leakyBoth = await aptDownload(repo, [a.url, bServer.url], layout2, 'tinyleaky');
      expect(leakyBoth.ok, leakyBoth.output).to.equal(false);
      expect(leakyBoth.output).to.match(/in-toto verification for .*tinyleaky_1\.0_all\.deb.* failed/i);
      expect(apt!.hostLogUntouched(), "the host's /tmp/intoto.log untouched").to.equal(true);
    },
  );

  it(
    'an epoch: apt names the .deb tinyhello_2%3a1.0_all.deb, the method fetches ' +
      'sources/tinyhello/2%3A1.0/metadata; the published link passes',
    async () => {
      const epoch = await officialUpload('tinyhello', 2);
      expect(epoch.files).to.include(DEB); // Debian file names carry no epoch; apt's cache names do
      const dir = join(root, 'epoch');
      const repo = await serve(await flatRepository(join(dir, 'repo'), [epoch]));
      const config = await serviceConfig(dir, [{ name: 'local', url: `${repo.url}/` }], keys.a);
      const run = await runCli(['rebuilder', '--config', config, '--once', '--quiet'], {
        withOut: false,
        timeoutMs: 300_000,
      });
      expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
      const link = JSON.parse(
        await readFile(join(dir, 'publish', 'sources', 'tinyhello', '2:1.0', 'metadata'), 'utf8'),
      ) as { signed: { products: Record<string, unknown> } };
      expect(Object.keys(link.signed.products)).to.deep.equal(['tinyhello_2%3a1.0_all.deb']);
      const rebuilderServer = await serve(join(dir, 'publish'));
      const download = await aptDownload(
        repo,
        [rebuilderServer.url],
        await signedLayout('root-epoch.layout', [keys.a], 1),
      );
      expect(download.output).to.match(/In-toto verification for '.*tinyhello_2%3a1\.0_all\.deb' passed/);
      expect(download.ok, download.output).to.equal(true);
      expect(rebuilderServer.requests).to.deep.equal(['/sources/tinyhello/2%3A1.0/metadata']);
    },
  );
});
