// `twinbuild layout`: the unsigned root layout for apt-transport-in-toto, checked
// by in-toto's own model (the signed, end-to-end use is test/e2e/apt-intoto.test.ts).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { loadSigningKey } from '../../attest/keys.js';
import { cleanupTemp, runCli, tempDir } from '../helpers.js';

describe('twinbuild layout', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await tempDir();
    for (const who of ['a', 'b'])
      expect((await runCli(['keygen', '--out', join(dir, who)], { withOut: false })).exitCode).to.equal(0);
  });
  after(cleanupTemp);
  const layout = (...args: string[]) => runCli(['layout', ...args], { withOut: false });

  it('two rebuilder keys, threshold 2: the rebuild step and the MATCH inspection, which in-toto loads and validates', async () => {
    const out = join(dir, 'root.layout');
    const run = await layout(
      '--rebuilder-key',
      join(dir, 'a.pub.json'),
      '--rebuilder-key',
      join(dir, 'b.pub.json'),
      '--threshold',
      '2',
      '--expires',
      '2099-01-01',
      '--out',
      out,
    );
    expect(run.exitCode, run.stderr).to.equal(0);
    const ids = await Promise.all(['a', 'b'].map(async (k) => (await loadSigningKey(join(dir, k))).keyid));
    const { signed, signatures } = JSON.parse(await readFile(out, 'utf8')) as {
      signed: {
        expires: string;
        keys: Record<string, { keyid: string }>;
        steps: { name: string; threshold: number; pubkeys: string[]; expected_products: string[][] }[];
        inspect: { name: string; expected_materials: string[][] }[];
      };
      signatures: unknown[];
    };
    expect(signatures).to.deep.equal([]);
    expect(signed.expires).to.equal('2099-01-01T00:00:00Z');
    expect(Object.keys(signed.keys).sort()).to.deep.equal([...ids].sort());
    for (const id of ids) expect(signed.keys[id]!.keyid).to.equal(id);
    expect(signed.steps).to.have.length(1);
    expect(signed.steps[0]).to.deep.include({
      name: 'rebuild',
      threshold: 2,
      pubkeys: ids,
      expected_products: [
        ['CREATE', '*.deb'],
        ['DISALLOW', '*.deb'],
      ],
    });
    expect(signed.inspect[0]).to.deep.include({
      name: 'verify-reprobuilds',
      expected_materials: [
        ['MATCH', '*.deb', 'WITH', 'PRODUCTS', 'FROM', 'rebuild'],
        ['DISALLOW', '*.deb'],
      ],
    });
    const checked = await realProcesses.capture(
      [
        '/usr/bin/python3',
        '-c',
        'import sys\nfrom in_toto.models.metadata import Metablock\nm = ' +
          'Metablock.load(sys.argv[1])\nm.signed.validate()\nprint(m.signed.steps[0].thresh' +
          'old, len(m.signed.keys))',
        out,
      ],
      { timeoutMs: 30_000 },
    );
    expect(checked.exitCode, checked.stderr).to.equal(0);
    expect(checked.stdout.trim()).to.equal('2 2');
  });

  it('--packages rpm: the same steps over *.rpm, which in-toto loads and validates; another kind is exit 2', async () => {
    const out = join(dir, 'rpm.layout');
    const run = await layout('--rebuilder-key', join(dir, 'a.pub.json'), '--packages', 'rpm', '--out', out);
    expect(run.exitCode, run.stderr).to.equal(0);
    const { signed } = JSON.parse(await readFile(out, 'utf8')) as {
      signed: { steps: { expected_products: string[][] }[]; inspect: { expected_materials: string[][] }[] };
    };
    expect(signed.steps[0]!.expected_products).to.deep.equal([
      ['CREATE', '*.rpm'],
      ['DISALLOW', '*.rpm'],
    ]);
    expect(signed.inspect[0]!.expected_materials).to.deep.equal([
      ['MATCH', '*.rpm', 'WITH', 'PRODUCTS', 'FROM', 'rebuild'],
      ['DISALLOW', '*.rpm'],
    ]);
    const checked = await realProcesses.capture(
      [
        '/usr/bin/python3',
        '-c',
        'import sys\nfrom in_toto.models.metadata import Metablock\nMetablock.load(sys.argv[1]).signed.validate()',
        out,
      ],
      { timeoutMs: 30_000 },
    );
    expect(checked.exitCode, checked.stderr).to.equal(0);
    const bad = await layout(
      '--rebuilder-key',
      join(dir, 'a.pub.json'),
      '--packages',
      'apk',
      '--out',
      join(dir, 'apk.layout'),
    );
    expect(bad.exitCode).to.equal(2);
    expect(bad.stderr.trim()).to.equal('twinbuild: --packages expects deb or rpm, got "apk"');
  });

  it('a threshold above the keys, a key twice, a past expiry, a bad key or --sign-key, an existing file: exit 2, one line', async () => {
    const out = join(dir, 'other.layout');
    await writeFile(join(dir, 'not-a-key.json'), '{"keytype":"rsa"}');
    await writeFile(join(dir, 'exists.layout'), 'keep me');
    const cases: [string[], RegExp][] = [
      [
        ['--rebuilder-key', join(dir, 'a.pub.json'), '--threshold', '2', '--out', out],
        /--threshold must be from 1 to the number of rebuilder keys \(1\), got 2/,
      ],
      [
        ['--rebuilder-key', join(dir, 'a.pub.json'), '--rebuilder-key', join(dir, 'a.pub.json'), '--out', out],
        /the same rebuilder key is given twice/,
      ],
      [
        ['--rebuilder-key', join(dir, 'a.pub.json'), '--expires', '2001-01-01', '--out', out],
        /--expires 2001-01-01 is in the past/,
      ],
      [['--rebuilder-key', join(dir, 'not-a-key.json'), '--out', out], /is not an ed25519 public key/],
      [['--rebuilder-key', join(dir, 'a.pub.json'), '--out', join(dir, 'exists.layout')], /exists; not overwriting it/],
      [['--out', out], /layout needs at least one --rebuilder-key/],
      [
        ['--rebuilder-key', join(dir, 'a.pub.json'), '--sign-key', join(dir, 'not-a-key.json'), '--out', out],
        /sign-key|not-a-key\.json/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await layout(...args);
      expect(run.exitCode, args.join(' ')).to.equal(2);
      expect(run.stderr).to.match(message);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
    }
    expect(await readFile(join(dir, 'exists.layout'), 'utf8')).to.equal('keep me');
  });
});
