// A real apt client trusting twinbuild rebuilders (DESIGN §7): a local flat
// repository holding a real tiny .deb, the rebuilder service run --once to
// publish its link, and apt-get (private APT_CONFIG, lists, cache and state; a
// throwaway GNUPGHOME for the layout owner) downloading through intoto://.
// Everything listens on 127.0.0.1 and is stopped by the test. The repository
// also holds two hostile packages (issue 28) whose rebuilds attack both
// rebuilders' keys, state and publish dirs: one rebuilds the same bytes anyway,
// one never does (it records the clock) and so must get no link.
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { cleanupTemp, onPath, requireOrSkip, runCli, tempDir } from '../helpers.js';
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
const METHOD = '/usr/lib/apt/methods/intoto';

describe('e2e: apt-get through apt-transport-in-toto trusts twinbuild rebuilders', function () {
  this.timeout(900_000);
  let root: string;
  let gnupg: string;
  let owner: string;
  let upload: Upload;
  let hostile: Upload;
  let leaky: Upload;
  const servers: StaticServer[] = [];
  const keys: Record<'a' | 'b', string> = { a: '', b: '' };
  let clients = 0;
  let pythonSite = '';
  // The host's /tmp/intoto.log as it was before (absent or another run's): the tests must not touch it.
  const hostLog = () => statSync('/tmp/intoto.log', { throwIfNoEntry: false })?.mtimeMs ?? null;
  let hostLogBefore: number | null = null;

  before(async function () {
    for (const tool of ['apt-get', 'apt-ftparchive', 'gpg', 'gpgconf', 'in-toto-sign', 'dpkg-buildpackage'])
      requireOrSkip(this, (await onPath(tool)) !== undefined, `${tool} (scripts/debian-packages.txt)`);
    requireOrSkip(this, existsSync(METHOD), `${METHOD} (apt-get install apt-transport-in-toto)`);
    root = await tempDir('tb-apt-');
    gnupg = join(root, 'gnupg');
    await mkdir(gnupg, { mode: 0o700 });
    const gpg = (...args: string[]) =>
      realProcesses.capture(['gpg', '--homedir', gnupg, '--batch', ...args], { timeoutMs: 60_000 });
    const made = await gpg(
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      '',
      '--quick-gen-key',
      'Owner <owner@example.invalid>',
      'ed25519',
      'sign',
      'never',
    );
    expect(made.exitCode, made.stderr).to.equal(0);
    owner = /^fpr:+([0-9A-F]{40}):/m.exec((await gpg('--with-colons', '--list-keys')).stdout)![1]!;
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
    // apt-transport-in-toto 0.1.1 polls its pipes in three busy Python threads, so
    // with the interpreter's default 5 ms GIL switch interval every message waits
    // for the spinners: about 18 s per apt-get call here, 1.5 s with 0.1 ms. The
    // method's code is unchanged; only its interpreter switches threads sooner.
    // It also logs to a fixed /tmp/intoto.log (LOG_FILE in the method), which would
    // leave a file in the host's shared /tmp: that one path goes to the client's TMPDIR.
    hostLogBefore = hostLog();
    pythonSite = join(root, 'python-site');
    await mkdir(pythonSite);
    await writeFile(
      join(pythonSite, 'sitecustomize.py'),
      [
        'import logging.handlers, os, sys',
        'sys.setswitchinterval(0.0001)',
        '_open = logging.handlers.RotatingFileHandler.__init__',
        'def _private(self, filename, *args, **kwargs):',
        "    if filename == '/tmp/intoto.log':",
        "        filename = os.path.join(os.environ['TMPDIR'], 'intoto.log')",
        '    _open(self, filename, *args, **kwargs)',
        'logging.handlers.RotatingFileHandler.__init__ = _private',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    if (gnupg) await realProcesses.capture(['gpgconf', '--homedir', gnupg, '--kill', 'all']);
    await cleanupTemp();
  });

  const serve = async (dir: string) => {
    const server = await serveDirectory(dir);
    servers.push(server);
    return server;
  };

  /** `twinbuild layout` then in-toto-sign with the owner's GPG key: what a user does. */
  async function signedLayout(name: string, rebuilderKeys: readonly string[], threshold: number): Promise<string> {
    const out = join(root, name);
    const made = await runCli(
      [
        'layout',
        ...rebuilderKeys.flatMap((k) => ['--rebuilder-key', `${k}.pub.json`]),
        '--threshold',
        String(threshold),
        '--expires',
        '30d',
        '--out',
        out,
      ],
      { withOut: false },
    );
    expect(made.exitCode, made.stderr).to.equal(0);
    const signed = await realProcesses.capture(
      ['in-toto-sign', '-f', out, '--gpg', owner, '--gpg-home', gnupg, '-o', out],
      { timeoutMs: 60_000 },
    );
    expect(signed.exitCode, signed.stderr + signed.stdout).to.equal(0);
    return out;
  }

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

  /** A fresh apt client (its own config, lists, cache, state): apt-get update, then apt-get download PACKAGE. */
  async function aptDownload(
    repo: StaticServer,
    rebuilders: readonly string[],
    layout: string,
    pkg = 'tinyhello',
  ): Promise<{ ok: boolean; output: string }> {
    const dir = join(root, `apt-${clients++}`);
    for (const sub of ['lists/partial', 'cache/archives/partial', 'parts', 'sources.d', 'download', 'tmp'])
      await mkdir(join(dir, sub), { recursive: true });
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'status'), '');
    await writeFile(join(dir, 'sources.list'), `deb [trusted=yes] intoto://127.0.0.1:${repo.port}/ ./\n`);
    const list = (values: readonly string[]) => `{ ${values.map((v) => `"${v}";`).join(' ')} }`;
    await writeFile(
      join(dir, 'apt.conf'),
      [
        `Dir::Etc::SourceList "${dir}/sources.list";`,
        `Dir::Etc::SourceParts "${dir}/sources.d";`,
        `Dir::Etc::Parts "${dir}/parts";`,
        `Dir::Etc::Preferences "${dir}/preferences";`,
        `Dir::Etc::PreferencesParts "${dir}/parts";`,
        `Dir::State::Lists "${dir}/lists";`,
        `Dir::State::status "${dir}/status";`,
        `Dir::Cache "${dir}/cache";`,
        `Dir::Log "${dir}";`,
        // The list form only: the scalar form hangs apt (DESIGN §7).
        `APT::Intoto { Rebuilders ${list(rebuilders)}; Layout ${list([layout])}; Keyids ` +
          `${list([owner])}; GPGHomedir ${list([gnupg])}; LogLevel {"20"}; NoFail {"false"}; };`,
      ].join('\n') + '\n',
    );
    const env = {
      PYTHONPATH: pythonSite,
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      APT_CONFIG: join(dir, 'apt.conf'),
      TMPDIR: join(dir, 'tmp'),
      LANG: 'C.UTF-8',
    };
    const apt = (args: string) =>
      realProcesses.capture(['sh', '-c', `cd "$0" && exec timeout 120 apt-get -q ${args}`, join(dir, 'download')], {
        env,
        timeoutMs: 150_000,
      });
    const update = await apt('update');
    expect(update.exitCode, update.stderr + update.stdout).to.equal(0);
    const download = await apt(`download ${pkg}`);
    expect(existsSync(join(dir, 'tmp', 'intoto.log')), "the method logged into the client's TMPDIR").to.equal(true);
    const ok =
      download.exitCode === 0 &&
      (await readdir(join(dir, 'download'))).some((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    return { ok, output: download.stdout + download.stderr };
  }

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
      expect(await readFile(join(root, `apt-${clients - 1}`, 'download', DEB))).to.deep.equal(
        await readFile(join(upload.dir, DEB)),
      );

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
      expect(hostLog(), "the host's /tmp/intoto.log").to.equal(hostLogBefore);
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
