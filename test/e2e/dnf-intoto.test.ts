// A real dnf trusting twinbuild rebuilders through the plugin in dnf-plugin/:
// Debian's dnf 4 installing into a private --installroot (its own reposdir,
// pluginpath, pluginconfpath and cache), from a createrepo_c repository on
// 127.0.0.1, with links published by `twinbuild rebuilder` from two rebuilders
// (their own keys) and a layout signed by its owner. DESIGN §11.
import { copyFile, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { machine } from 'node:os';
import { expect } from 'chai';
import { canonicalJson, type Canonical } from '../../attest/canonical-json.js';
import { loadSigningKey, signBytes } from '../../attest/keys.js';
import { realProcesses } from '../../adapters/process.js';
import { cleanupTemp, onPath, REPO_ROOT, requireOrSkip, runCli, tempDir } from '../helpers.js';
import { serveDirectory, type StaticServer } from '../rebuilder/service-fixtures.js';
import { OFFICIAL_HOST, OFFICIAL_TIME, TINYHELLO, makeOfficialRpm, makeSourceRpm } from '../suites/rpm-fixtures.js';

const RPM = 'tinyhello-1.0-1.noarch.rpm';
const SRPM = 'tinyhello-1.0-1.src.rpm';
const PLUGIN = join(REPO_ROOT, 'dnf-plugin', 'twinbuild_intoto.py');
const PASSED = /In-toto verification for 'tinyhello-1\.0-1\.noarch' passed/;
const TWINPKG = join(REPO_ROOT, 'test', 'fixtures', 'rpm', 'twinpkg');

describe('e2e: dnf with the twinbuild_intoto plugin trusts twinbuild rebuilders', function () {
  this.timeout(900_000);
  let root: string;
  let keys: string;
  let official: string;
  let srpm: string;
  const servers: StaticServer[] = [];
  const rebuilt: Record<'a' | 'b', string> = { a: '', b: '' };
  let repo: StaticServer;
  let layout2 = '';
  let runs = 0;

  const sh = async (script: string, ...args: string[]) => {
    const run = await realProcesses.capture(['sh', '-c', script, 'sh', ...args], { timeoutMs: 120_000 });
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
  };
  const serve = async (dir: string) => {
    const server = await serveDirectory(dir);
    servers.push(server);
    return server;
  };

  /** The same name, version and release with another script inside: a valid package rpm and dnf accept. */
  async function backdoored(): Promise<string> {
    const spec = join(await tempDir('tb-dnf-spec-'), 'tinyhello');
    await cp(TINYHELLO, spec, { recursive: true });
    await writeFile(join(spec, 'tinyhello.sh'), '#!/bin/sh\necho hello; echo pwned\n');
    return makeOfficialRpm(await tempDir('tb-dnf-backdoored-'), spec);
  }

  /** An archive (RPMS and SRPMS, createrepo_c) holding `rpm` as the published binary. */
  async function archive(name: string, rpm: string): Promise<StaticServer> {
    const dir = join(root, name);
    for (const sub of ['RPMS/noarch', 'SRPMS']) await mkdir(join(dir, sub), { recursive: true });
    await copyFile(rpm, join(dir, 'RPMS', 'noarch', RPM));
    await copyFile(srpm, join(dir, 'SRPMS', SRPM));
    await sh('createrepo_c --quiet "$1/RPMS" && createrepo_c --quiet "$1/SRPMS"', dir);
    return serve(dir);
  }

  /** `twinbuild rebuilder --once` over `server` with rebuilder WHO's key; its publish dir. */
  async function rebuilder(who: string, server: StaticServer, expectExit = 0): Promise<string> {
    const dir = await tempDir(`tb-dnf-rebuilder-${who}-`);
    const config = join(dir, 'rebuilder.json');
    await writeFile(
      config,
      JSON.stringify({
        repositories: [
          {
            name: 'fedora-like',
            format: 'rpm',
            url: `${server.url}/`,
            repodata: 'RPMS/repodata/repomd.xml',
            sourceRepodata: 'SRPMS/repodata/repomd.xml',
            unsigned: true, // a local test archive: no Release signature to check
          },
        ],
        signingKey: join(keys, `rebuilder-${who[0]}`),
        publish: 'publish',
        state: 'state',
      }),
    );
    const run = await runCli(['rebuilder', '--config', config, '--once'], { withOut: false, timeoutMs: 300_000 });
    expect(run.exitCode, run.stdout + run.stderr).to.equal(expectExit);
    return join(dir, 'publish');
  }

  /**
   * `twinbuild layout --packages rpm --sign-key owner` for these rebuilders, as docs/dnf.md
   * shows; an expired one is re-signed by hand (the command refuses a past --expires).
   */
  async function layout(name: string, who: readonly string[], threshold: number, expired = false): Promise<string> {
    const path = join(keys, name);
    const made = await runCli(
      [
        'layout',
        ...who.flatMap((w) => ['--rebuilder-key', join(keys, `rebuilder-${w}.pub.json`)]),
        '--threshold',
        String(threshold),
        '--packages',
        'rpm',
        '--sign-key',
        join(keys, 'owner'),
        '--out',
        path,
      ],
      { withOut: false },
    );
    expect(made.exitCode, made.stderr).to.equal(0);
    expect(made.stdout).to.match(/\(signed by [0-9a-f]{8}; /);
    if (expired) {
      const { signed } = JSON.parse(await readFile(path, 'utf8')) as { signed: Record<string, Canonical> };
      signed['expires'] = '2020-01-01T00:00:00Z';
      const signature = signBytes(await loadSigningKey(join(keys, 'owner')), canonicalJson(signed));
      await writeFile(path, JSON.stringify({ signatures: [signature], signed }));
    }
    return path;
  }

  /**
   * dnf with the plugin in `dir` (its own root, repos, plugin and config; a fresh one
   * unless given, so a later run can upgrade what an earlier one installed): `args`.
   */
  async function dnf(
    server: StaticServer,
    conf: Record<string, string> | null,
    args: readonly string[],
    dir = join(root, `dnf-${runs++}`),
  ): Promise<{ exitCode: number | null; output: string; root: string }> {
    const [installroot, repos, plugins, confs, cache] = ['root', 'repos', 'plugins', 'confs', 'cache'].map((d) =>
      join(dir, d),
    );
    for (const d of [installroot!, repos!, plugins!, confs!, cache!]) await mkdir(d, { recursive: true });
    await writeFile(
      join(repos!, 'local.repo'),
      `[local]\nname=local\nbaseurl=${server.url}/RPMS\ngpgcheck=0\nenabled=1\nmetadata_expire=0\n`,
    );
    await copyFile(PLUGIN, join(plugins!, 'twinbuild_intoto.py'));
    const settings =
      conf === null
        ? ''
        : Object.entries(conf)
            .map(([k, v]) => `${k}=${v}\n`)
            .join('');
    await writeFile(join(confs!, 'twinbuild_intoto.conf'), `[main]\nenabled=1\n${settings}`);
    const run = await realProcesses.capture(
      [
        '/usr/bin/dnf',
        '-y',
        `--installroot=${installroot}`,
        `--setopt=reposdir=${repos}`,
        `--setopt=pluginpath=${plugins}`,
        `--setopt=pluginconfpath=${confs}`,
        `--setopt=cachedir=${cache}`,
        '--releasever=1',
        ...args,
      ],
      { timeoutMs: 180_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: dir } },
    );
    return { exitCode: run.exitCode, output: run.stdout + run.stderr, root: installroot! };
  }

  /** A fresh dnf: dnf install tinyhello. */
  async function dnfInstall(
    server: StaticServer,
    conf: Record<string, string> | null,
    extra: readonly string[] = [],
  ): Promise<{ installed: boolean; output: string }> {
    const run = await dnf(server, conf, [...extra, 'install', 'tinyhello']);
    const installed = existsSync(join(run.root, 'usr', 'bin', 'tinyhello'));
    expect(installed, run.output).to.equal(run.exitCode === 0);
    return { installed, output: run.output };
  }

  before(async function () {
    for (const tool of ['rpmbuild', 'createrepo_c', 'in-toto-verify'])
      requireOrSkip(this, (await onPath(tool)) !== undefined, `${tool} (scripts/debian-packages.txt)`);
    const dnf = await realProcesses.capture(['/usr/bin/python3', '-c', 'import dnf, in_toto']);
    requireOrSkip(
      this,
      dnf.exitCode === 0,
      'dnf or in-toto for /usr/bin/python3 (apt-get install dnf python3-dnf in-toto)',
    );
    root = await tempDir('tb-dnf-');
    keys = join(root, 'keys');
    await mkdir(keys);
    for (const who of ['owner', 'rebuilder-a', 'rebuilder-b'])
      expect((await runCli(['keygen', '--out', join(keys, who)], { withOut: false })).exitCode).to.equal(0);
    srpm = await makeSourceRpm(await tempDir('tb-srpm-'));
    official = await makeOfficialRpm(await tempDir('tb-rpm-official-'), TINYHELLO);
    repo = await archive('archive', official);
    rebuilt.a = (await serve(await rebuilder('a', repo))).url;
    rebuilt.b = (await serve(await rebuilder('b', repo))).url;
    layout2 = await layout('root-ab.layout', ['a', 'b'], 2);
  });
  after(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await cleanupTemp();
  });

  const trusting = (rebuilders: readonly string[], layoutPath = layout2, more: Record<string, string> = {}) => ({
    rebuilders: rebuilders.join(' '),
    layout: layoutPath,
    layout_keys: join(keys, 'owner.pub.json'),
    ...more,
  });

  it('two rebuilders, threshold 2: installs, saying what it checked', async () => {
    const run = await dnfInstall(repo, trusting([rebuilt.a, rebuilt.b]));
    expect(run.installed, run.output).to.equal(true);
    expect(run.output).to.include('Request in-toto metadata from 2 rebuilder(s)');
    expect(run.output).to.match(/Successfully downloaded in-toto metadata 'rebuild\.[0-9a-f]{8}\.link' from rebuilder/);
    expect(run.output).to.include('Run in-toto verification');
    expect(run.output).to.match(PASSED);
  });

  it('a swapped .rpm (same name and version, another payload; metadata regenerated, so dnf itself accepts it) is refused', async () => {
    const tampered = await backdoored();
    const swapped = await archive('swapped', tampered);
    const run = await dnfInstall(swapped, trusting([rebuilt.a, rebuilt.b]));
    expect(run.installed, run.output).to.equal(false);
    expect(run.output).to.match(
      /in-toto verification for 'tinyhello-1\.0-1\.noarch' failed: .*is not what the rebuilders built/,
    );
    // Without the plugin, this dnf installs the tampered package: the refusal is the plugin's.
    const unchecked = await dnfInstall(swapped, null, ['--disableplugin=twinbuild_intoto']);
    expect(unchecked.installed, unchecked.output).to.equal(true);
  });

  it('one link missing under threshold 2 is refused', async () => {
    const empty = await serve(await tempDir('tb-dnf-empty-'));
    const run = await dnfInstall(repo, trusting([rebuilt.a, empty.url]));
    expect(run.installed, run.output).to.equal(false);
    expect(run.output).to.match(/in-toto verification for 'tinyhello-1\.0-1\.noarch' failed/);
    expect(run.output).to.match(/has no link for tinyhello 1\.0-1 \(HTTP 404\)/);
  });

  it('a package that did not rebuild the same has no link and is refused', async () => {
    // The archive publishes a .rpm its .src.rpm does not build: the rebuilder's verdict is mismatch, no link.
    const tampered = await backdoored();
    const mismatched = await archive('mismatched', tampered);
    const publish = await rebuilder('a-mismatch', mismatched, 1);
    expect(existsSync(join(publish, 'sources', 'tinyhello'))).to.equal(false);
    const only = await serve(publish);
    const run = await dnfInstall(mismatched, trusting([only.url], await layout('root-a.layout', ['a'], 1)));
    expect(run.installed, run.output).to.equal(false);
    expect(run.output).to.match(/has no link for tinyhello 1\.0-1 \(HTTP 404\)/);
  });

  it('a rebuilder that is down: refused by default, allowed with unreachable=allow, and said', async () => {
    const down = 'http://127.0.0.1:9';
    const refused = await dnfInstall(repo, trusting([rebuilt.a, down]));
    expect(refused.installed, refused.output).to.equal(false);
    expect(refused.output).to.match(/rebuilder 'http:\/\/127\.0\.0\.1:9' is unreachable/);
    const allowed = await dnfInstall(repo, trusting([rebuilt.a, down], layout2, { unreachable: 'allow' }));
    expect(allowed.installed, allowed.output).to.equal(true);
    expect(allowed.output).to.match(
      /skipped: rebuilder\(s\) http:\/\/127\.0\.0\.1:9 unreachable, and the config says unreachable = allow/,
    );
  });

  it('not configured, an expired layout: one clear line each; --setopt=twinbuild_intoto.enabled=0 switches it off', async () => {
    const bare = await dnfInstall(repo, {});
    expect(bare.installed, bare.output).to.equal(false);
    expect(bare.output).to.match(
      /twinbuild_intoto is installed but not configured: set rebuilders, layout, layout_keys or gpg_keyids in /,
    );
    const expired = await dnfInstall(
      repo,
      trusting([rebuilt.a, rebuilt.b], await layout('expired.layout', ['a', 'b'], 2, true)),
    );
    expect(expired.installed, expired.output).to.equal(false);
    expect(expired.output).to.match(/the layout '.*expired\.layout' cannot be trusted: .*expired/i);
    const off = await dnfInstall(repo, {}, ['--setopt=twinbuild_intoto.enabled=0']);
    expect(off.installed, off.output).to.equal(true);
    expect(off.output).to.include('switched off for this run');
  });

  // twinpkg: Epoch 2, compiled for this machine, and a noarch sub-package (twinpkg-tools)
  // from the same source RPM; the official builds run at rpmbuild's default ~/rpmbuild.
  describe('an epoch, a compiled package, sub-packages of one source, dnf upgrade', function () {
    const arch = machine();
    let twin: StaticServer;
    let twinOld: StaticServer;
    let trusted: Record<string, string>;
    let v10: string[];
    let rebuilderA = '';
    let v11: string[];

    /** twinpkg at `version` (a copy of the spec): its .src.rpm and the official build's two binary packages. */
    async function twinpkg(version: string, host = OFFICIAL_HOST): Promise<string[]> {
      const spec = await tempDir('tb-dnf-twinpkg-');
      await cp(TWINPKG, spec, { recursive: true });
      const text = await readFile(join(spec, 'twinpkg.spec'), 'utf8');
      await writeFile(join(spec, 'twinpkg.spec'), text.replace(/^Version:( +)1\.0$/m, `Version:$1${version}`));
      const home = await tempDir('tb-dnf-twinpkg-home-');
      await sh(
        `HOME="$1" SOURCE_DATE_EPOCH="$2" rpmbuild -bb --nodeps --target "$3" --define "_sourcedir $4" ` +
          `--define "_buildhost $5" --define 'use_source_date_epoch_as_buildtime 1' ` +
          `--define 'clamp_mtime_to_source_date_epoch 1' "$4/twinpkg.spec" && ` +
          // Note: -bs on its own; -ba would give the binaries the COOKIE header a rebuild's -bb does not write.
          `HOME="$1" rpmbuild -bs --nodeps --define "_sourcedir $4" "$4/twinpkg.spec"`,
        home,
        OFFICIAL_TIME,
        arch,
        spec,
        host,
      );
      const top = join(home, 'rpmbuild');
      return [
        join(top, 'SRPMS', `twinpkg-${version}-1.src.rpm`),
        join(top, 'RPMS', arch, `twinpkg-${version}-1.${arch}.rpm`),
        join(top, 'RPMS', 'noarch', `twinpkg-tools-${version}-1.noarch.rpm`),
      ];
    }

    /** An archive of these files (source RPMs to SRPMS, the rest to RPMS), indexed by createrepo_c. */
    async function twinArchive(name: string, files: readonly string[]): Promise<StaticServer> {
      const dir = join(root, name);
      for (const sub of ['RPMS', 'SRPMS']) await mkdir(join(dir, sub), { recursive: true });
      for (const file of files)
        await copyFile(file, join(dir, file.endsWith('.src.rpm') ? 'SRPMS' : 'RPMS', basename(file)));
      await sh('createrepo_c --quiet "$1/RPMS" && createrepo_c --quiet "$1/SRPMS"', dir);
      return serve(dir);
    }

    before(async function () {
      requireOrSkip(this, (await onPath('gcc')) !== undefined, 'gcc (to build twinpkg)');
      [v10, v11] = [await twinpkg('1.0'), await twinpkg('1.1')];
      twinOld = await twinArchive('twin-old', v10);
      twin = await twinArchive('twin', [...v10, ...v11]);
      const [a, b] = [await serve(await rebuilder('a-twin', twin)), await serve(await rebuilder('b-twin', twin))];
      trusted = trusting([a.url, b.url]);
      rebuilderA = a.url;
    });

    it("an epoch, a compiled package and its sub-package: one link at the source's E:V-R lists both, dnf installs both", async () => {
      const run = await dnf(twin, trusted, ['install', 'twinpkg-2:1.1-1', 'twinpkg-tools-2:1.1-1']);
      expect(run.exitCode, run.output).to.equal(0);
      for (const label of [`twinpkg-1.1-1.${arch}`, 'twinpkg-tools-1.1-1.noarch']) {
        expect(run.output).to.include(`for ${label} (source twinpkg 2:1.1-1)`);
        expect(run.output).to.match(new RegExp(`In-toto verification for '${label.replace(/\./g, '\\.')}' passed`));
      }
      expect(existsSync(join(run.root, 'usr', 'bin', 'twinpkg'))).to.equal(true);
      expect(await readFile(join(run.root, 'usr', 'share', 'twinpkg', 'tools.txt'), 'utf8')).to.equal(
        'twinpkg tools 1.1\n',
      );
      const link = (await (await fetch(`${rebuilderA}/sources/twinpkg/2%3A1.1-1/metadata`)).json()) as {
        signed: { products: Record<string, unknown> };
      };
      expect(Object.keys(link.signed.products).sort()).to.deep.equal([
        `twinpkg-1.1-1.${arch}.rpm`,
        'twinpkg-tools-1.1-1.noarch.rpm',
      ]);
      // What dnf itself recorded (Debian's rpm keeps its database elsewhere than dnf's root would have it).
      const listed = await dnf(twin, trusted, ['list', '--installed', 'twinpkg*'], dirname(run.root));
      expect(listed.output).to.match(new RegExp(`twinpkg\\.${arch}\\s+2:1\\.1-1\\s`));
      expect(listed.output).to.match(/twinpkg-tools\.noarch\s+2:1\.1-1\s/);
    });

    it("dnf upgrade from 1.0 to 1.1 checks the new version's link; a swapped 1.1 is refused and 1.0 stays", async () => {
      const dir = join(root, `dnf-${runs++}`);
      const first = await dnf(twinOld, trusted, ['install', 'twinpkg', 'twinpkg-tools'], dir);
      expect(first.exitCode, first.output).to.equal(0);
      expect(first.output).to.include('(source twinpkg 2:1.0-1)');
      const upgraded = await dnf(twin, trusted, ['upgrade'], dir);
      expect(upgraded.exitCode, upgraded.output).to.equal(0);
      expect(upgraded.output).to.include(`for twinpkg-1.1-1.${arch} (source twinpkg 2:1.1-1)`);
      expect(upgraded.output).to.include('for twinpkg-tools-1.1-1.noarch (source twinpkg 2:1.1-1)');
      expect(await readFile(join(dir, 'root', 'usr', 'share', 'twinpkg', 'tools.txt'), 'utf8')).to.equal(
        'twinpkg tools 1.1\n',
      );

      // The same upgrade from an archive whose 1.1 tools package is another build (another
      // host name in its header): refused, and nothing changes.
      const other = (await twinpkg('1.1', 'elsewhere.example.org'))[2]!;
      const swapped = await twinArchive('twin-swapped', [...v11.slice(0, 2), other]);
      const dir2 = join(root, `dnf-${runs++}`);
      expect((await dnf(twinOld, trusted, ['install', 'twinpkg', 'twinpkg-tools'], dir2)).exitCode).to.equal(0);
      const refused = await dnf(swapped, trusted, ['upgrade'], dir2);
      expect(refused.exitCode, refused.output).to.equal(1);
      expect(refused.output).to.match(/in-toto verification for 'twinpkg-tools-1\.1-1\.noarch' failed/);
      expect(await readFile(join(dir2, 'root', 'usr', 'share', 'twinpkg', 'tools.txt'), 'utf8')).to.equal(
        'twinpkg tools 1.0\n',
      );
    });
  });
});
