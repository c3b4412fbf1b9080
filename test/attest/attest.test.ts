// Canonical JSON and keys against the real peer: python's securesystemslib
// (Debian's, as in-toto uses it), plus the keygen command.
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { canonicalJson, type Canonical } from '../../attest/canonical-json.js';
import { realProcesses } from '../../adapters/process.js';
import { cleanupTemp, onPath, requireOrSkip, runCli, tempDir } from '../helpers.js';

const PYTHON = '/usr/bin/python3';
const python = (code: string, ...args: string[]) => realProcesses.capture([PYTHON, '-c', code, ...args]);
const hasSecuresystemslib = async () => (await python('import securesystemslib')).exitCode === 0;

describe('attest: canonical JSON and ed25519 keys (securesystemslib as the reference)', function () {
  after(cleanupTemp);

  it('encodes like securesystemslib.formats.encode_canonical, hostile strings included', async function () {
    requireOrSkip(this, await hasSecuresystemslib(), 'python3-securesystemslib (apt-get install in-toto)');
    const values: Canonical[] = [
      { b: 1, a: [true, false, null], é: 'ü', z: { y: '"quoted" \\back\\slash', x: '' } },
      ['line\nbreak', 'tab\t', '\u0001control', 'emoji ✓ 𝄞', '</script>', -42, 0],
      { _type: 'link', materials: {}, 'return-value': 0, nested: [[{ k: 'v' }]] },
    ];
    for (const value of values) {
      const file = join(await tempDir(), 'value.json');
      await writeFile(file, JSON.stringify(value));
      const reference = await python(
        'import json,sys; from securesystemslib.formats import encode_canonical; ' +
          'sys.stdout.write(encode_canonical(json.load(open(sys.argv[1]))))',
        file,
      );
      expect(reference.exitCode, reference.stderr).to.equal(0);
      expect(canonicalJson(value)).to.equal(reference.stdout);
    }
    expect(() => canonicalJson(1.5)).to.throw(/integers only/);
  });

  it('keygen: writes the key files (private 0600), prints the keyid securesystemslib computes, never overwrites', async function () {
    const dir = await tempDir();
    const prefix = join(dir, 'rebuilder');
    const made = await runCli(['keygen', '--out', prefix], { withOut: false });
    expect(made.exitCode, made.stderr).to.equal(0);
    const keyid = /^keyid ([0-9a-f]{64})$/m.exec(made.stdout)?.[1];
    expect(made.stdout)
      .to.match(/^keyid [0-9a-f]{64}$/m)
      .and.include(`private key ${prefix} (keep it secret)`);
    expect((await stat(prefix)).mode & 0o777).to.equal(0o600);
    // The three files hold one ed25519 key pair.
    const privateKey = createPrivateKey(await readFile(prefix, 'utf8'));
    expect(privateKey.asymmetricKeyType).to.equal('ed25519');
    const publicPem = await readFile(`${prefix}.pub`, 'utf8');
    expect(publicPem).to.equal(createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }));
    const rawPublic = (createPublicKey(publicPem).export({ format: 'der', type: 'spki' }) as Buffer)
      .subarray(-32)
      .toString('hex');
    const pubJson = await readFile(`${prefix}.pub.json`, 'utf8');
    const meta = {
      keyid_hash_algorithms: ['sha256', 'sha512'],
      keytype: 'ed25519',
      keyval: { public: rawPublic },
      scheme: 'ed25519',
    };
    // Keys in sorted order, no spaces: securesystemslib's canonical form of this plain-ASCII object.
    expect(pubJson).to.equal(JSON.stringify(meta) + '\n');
    // The keyid is the sha256 of that canonical JSON, as securesystemslib defines it.
    expect(keyid).to.equal(createHash('sha256').update(JSON.stringify(meta)).digest('hex'));
    const before = await readFile(prefix, 'utf8');
    const again = await runCli(['keygen', '--out', prefix], { withOut: false });
    expect(again.exitCode).to.equal(2);
    expect(again.stderr).to.match(/exists; not overwriting a key/);
    expect(await readFile(prefix, 'utf8')).to.equal(before);
    // Last, the real peer: securesystemslib reads the .pub.json and computes the same keyid.
    requireOrSkip(this, await hasSecuresystemslib(), 'python3-securesystemslib (apt-get install in-toto)');
    const reference = await python(
      'import sys; from securesystemslib.interface import import_ed25519_publickey_from_file as f; print(f(sys.argv[1])["keyid"])',
      `${prefix}.pub.json`,
    );
    expect(reference.stdout.trim(), reference.stderr).to.equal(keyid);
  });

  it('refuses a signing key that is not ed25519, with exit 2', async function () {
    const dir = await tempDir();
    const rsa = join(dir, 'rsa.pem');
    requireOrSkip(this, (await onPath('openssl')) !== undefined, 'openssl');
    const made = await realProcesses.capture([
      'openssl',
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:1024',
      '-out',
      rsa,
    ]);
    expect(made.exitCode, made.stderr).to.equal(0);
    const source = join(dir, 'src');
    await writeFile(join(dir, 'published.bin'), 'x');
    await realProcesses.capture([
      'sh',
      '-c',
      `mkdir -p '${source}' && printf 'mkdir -p out; printf x > out/published.bin\\n' > '${source}/build.sh'`,
    ]);
    const run = await runCli([
      'verify',
      source,
      '--build',
      'sh build.sh',
      '--artifacts',
      'out/*',
      '--published',
      join(dir, 'published.bin'),
      '--signing-key',
      rsa,
      '--quiet',
    ]);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(2);
    expect(run.stderr).to.match(/holds a rsa key; twinbuild signs with ed25519/);
  });
});
