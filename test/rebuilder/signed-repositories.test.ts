// Signed repositories (issue 29 item 7): the rebuilder reads an apt repository's
// indexes only through an InRelease or Release.gpg that gpgv accepts against the
// keyring its config names, and an RPM repository's repomd.xml only with a good
// repomd.xml.asc; "unsigned": true opts out, and the status page says so. The
// keys are throwaway GPG keys made here (gpg --batch --homedir in the test's temp dir).
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import type { Status } from '../../rebuilder/service/status.js';
import { cleanupTemp, runCli, tempDir } from '../helpers.js';
import { reindex, serviceConfig } from './service-fixtures.js';

const gpg = async (home: string, ...args: string[]) => {
  const run = await realProcesses.capture(['gpg', '--batch', '--homedir', home, '--yes', ...args], {
    timeoutMs: 60_000,
  });
  expect(run.exitCode, run.stderr).to.equal(0);
  return run.stdout;
};

/** A throwaway signing key in its own GPG home; its public key exported as a binary keyring for gpgv. */
async function signingKey(root: string, name: string): Promise<{ home: string; keyring: string }> {
  const home = join(root, `gnupg-${name}`);
  await mkdir(home, { mode: 0o700 });
  await gpg(
    home,
    '--pinentry-mode',
    'loopback',
    '--passphrase',
    '',
    '--quick-gen-key',
    `${name} <${name}@example.invalid>`,
    'ed25519',
    'sign',
    'never',
  );
  const keyring = join(root, `${name}.gpg`);
  await gpg(home, '--output', keyring, '--export');
  return { home, keyring };
}

describe('rebuilder: signed repositories (gpgv)', function () {
  this.timeout(180_000);
  let root: string;
  let key: string;
  let good: { home: string; keyring: string };
  let other: { home: string; keyring: string };
  before(async () => {
    root = await tempDir();
    key = join(root, 'rebuilder');
    expect((await runCli(['keygen', '--out', key], { withOut: false })).exitCode).to.equal(0);
    [good, other] = [await signingKey(root, 'archive'), await signingKey(root, 'stranger')];
  });
  after(async () => {
    // gpg started an agent for each home: nothing is left running.
    for (const home of [good.home, other.home])
      await realProcesses.capture(['gpgconf', '--homedir', home, '--kill', 'all'], { timeoutMs: 30_000 });
    await cleanupTemp();
  });

  /** An empty flat apt repository (Sources, Packages, Release) in `dir`. */
  async function aptRepository(dir: string): Promise<string> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'Sources'), '');
    await writeFile(join(dir, 'Packages'), '');
    await reindex(dir);
    return dir;
  }
  const sign = (who: { home: string }, ...args: string[]) => gpg(who.home, '--local-user', 'example.invalid', ...args);

  it("apt: InRelease or Release.gpg by the keyring's key is read; unsigned, a stranger's key or a changed index is refused", async () => {
    const dir = await tempDir();
    const at = (name: string) => join(dir, name);
    const inRelease = await aptRepository(at('inrelease'));
    await sign(good, '--clearsign', '--output', join(inRelease, 'InRelease'), join(inRelease, 'Release'));
    const detached = await aptRepository(at('detached'));
    await sign(good, '--detach-sign', '--output', join(detached, 'Release.gpg'), join(detached, 'Release'));
    const none = await aptRepository(at('none'));
    const stranger = await aptRepository(at('stranger'));
    await sign(other, '--clearsign', '--output', join(stranger, 'InRelease'), join(stranger, 'Release'));
    const changed = await aptRepository(at('changed'));
    await sign(good, '--detach-sign', '--output', join(changed, 'Release.gpg'), join(changed, 'Release'));
    await appendFile(join(changed, 'Release'), 'Origin: someone else\n');
    // Packages changed and a plain Release made to match it, but InRelease (which only the key can make) is the old one.
    const swapped = await aptRepository(at('swapped'));
    await sign(good, '--clearsign', '--output', join(swapped, 'InRelease'), join(swapped, 'Release'));
    await writeFile(join(swapped, 'Packages'), 'Package: x\n');
    const release = await realProcesses.capture(['apt-ftparchive', 'release', swapped], { timeoutMs: 60_000 });
    await writeFile(join(swapped, 'Release'), release.stdout);
    expect(release.stdout).to.contain(createHash('sha256').update('Package: x\n').digest('hex'));
    const local = await aptRepository(at('local'));

    const signed = (name: string, path: string) => ({ name, url: pathToFileURL(path).href, keyring: good.keyring });
    const config = await serviceConfig(
      dir,
      [
        signed('inrelease', inRelease),
        signed('detached', detached),
        signed('none', none),
        signed('stranger', stranger),
        signed('changed', changed),
        signed('swapped', swapped),
        { name: 'local', url: pathToFileURL(local).href },
      ],
      key,
    );
    const run = await runCli(['rebuilder', '--config', config, '--once'], { withOut: false });
    expect(run.exitCode, run.stderr).to.equal(3);
    const status = JSON.parse(await readFile(join(dir, 'publish', 'status.json'), 'utf8')) as Status;
    const polls = Object.fromEntries(status.repositories.map((r) => [r.name, r.lastPoll?.error ?? 'ok']));
    expect(polls['inrelease']).to.equal('ok');
    expect(polls['detached']).to.equal('ok');
    expect(polls['local']).to.equal('ok');
    expect(polls['none']).to.equal(
      'none: the repository is not signed (no InRelease, no Release.gpg); its config names a keyring ("unsigned": true trusts it unsigned)',
    );
    expect(polls['stranger']).to.match(/^stranger: InRelease: the signature is refused: (ERRSIG|NO_PUBKEY) /);
    expect(polls['changed']).to.match(/^changed: Release\.gpg: the signature is refused: BADSIG /);
    expect(polls['swapped']).to.match(
      /^swapped: Packages has sha256 [0-9a-f]{64} \(11 bytes\), but the Release file says/,
    );
    expect(status.repositories.map((r) => [r.name, r.signed]).filter(([, s]) => !s)).to.deep.equal([['local', false]]);
    expect(await readFile(join(dir, 'publish', 'index.html'), 'utf8')).to.contain(
      'unsigned: its indexes are trusted without a signature',
    );
  });

  it('rpm: repomd.xml with a good repomd.xml.asc is read; a changed repomd.xml or a missing .asc is refused', async () => {
    const dir = await tempDir();
    const primary =
      '<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" packages="0"></metadata>\n';
    const repomd =
      '<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo"><data type="primary">' +
      `<checksum type="sha256">${createHash('sha256').update(primary).digest('hex')}</checksum>` +
      '<location href="repodata/primary.xml"/></data></repomd>\n';
    const repos: Record<string, string> = {};
    for (const name of ['good', 'changed', 'missing']) {
      const repo = join(dir, name);
      await mkdir(join(repo, 'repodata'), { recursive: true });
      await writeFile(join(repo, 'repodata', 'primary.xml'), primary);
      await writeFile(join(repo, 'repodata', 'repomd.xml'), repomd);
      await sign(
        good,
        '--armor',
        '--detach-sign',
        '--output',
        join(repo, 'repodata', 'repomd.xml.asc'),
        join(repo, 'repodata', 'repomd.xml'),
      );
      repos[name] = pathToFileURL(repo).href + '/';
    }
    await writeFile(
      join(dir, 'changed', 'repodata', 'repomd.xml'),
      repomd.replace('<repomd ', '<repomd revision="2" '),
    );
    await rm(join(dir, 'missing', 'repodata', 'repomd.xml.asc'));
    const config = join(dir, 'rebuilder.json');
    await writeFile(
      config,
      JSON.stringify({
        repositories: Object.entries(repos).map(([name, url]) => ({ name, format: 'rpm', url, keyring: good.keyring })),
        signingKey: key,
        publish: join(dir, 'publish'),
        state: join(dir, 'state'),
      }),
    );
    const run = await runCli(['rebuilder', '--config', config, '--once'], { withOut: false });
    expect(run.exitCode, run.stderr).to.equal(3);
    const status = JSON.parse(await readFile(join(dir, 'publish', 'status.json'), 'utf8')) as Status;
    const polls = Object.fromEntries(status.repositories.map((r) => [r.name, r.lastPoll?.error ?? 'ok']));
    expect(polls['good']).to.equal('ok');
    expect(polls['changed']).to.match(/^changed: repodata\/repomd\.xml\.asc: the signature is refused: BADSIG /);
    expect(polls['missing']).to.equal(
      'missing: repodata/repomd.xml is not signed (no repodata/repomd.xml.asc); ' +
        'its config names a keyring ("unsigned": true trusts it unsigned)',
    );
  });
});
