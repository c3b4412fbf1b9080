// disorderfs runs with adapters/disorderfs-shim.ts preloaded: extended attributes
// are reported as unsupported inside the experiment's reordered tree (which spares
// every write a security.capability round trip), while the order is still reversed.
import { expect } from 'chai';
import { check, cleanupTemp, fixture, onPath, requireOrSkip } from '../helpers.js';

// Reads an xattr that is not there: "no such attribute" on the host's file system, "not supported" through disorderfs.
const PROBE = `import errno, os
try:
    os.getxattr('src/a', 'user.twinbuild')
    print('present')
except OSError as e:
    print(errno.errorcode[e.errno])`;

describe('variations: fileordering through disorderfs without xattrs', function () {
  this.timeout(180_000);
  after(cleanupTemp);

  it(
    'the experiment sees xattrs as unsupported (ENOTSUP/EOPNOTSUPP), the control as ' +
      'absent (ENODATA); listings are still reversed',
    async function () {
      requireOrSkip(this, (await onPath('disorderfs')) !== undefined, 'disorderfs (scripts/debian-packages.txt)');
      requireOrSkip(this, (await onPath('cc')) !== undefined, 'cc (build-essential) compiles the disorderfs preload');
      const source = await fixture(
        `mkdir -p out && python3 -c "$(cat probe.py)" > out/xattr.txt && ls -U src > out/list.txt`,
        { 'probe.py': PROBE, 'src/a': 'a\n', 'src/b': 'b\n', 'src/c': 'c\n' },
      );
      const run = await check(source, '--vary=-all,+fileordering', '--no-bisect');
      expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
      const pkg = (await run.results()).packages[0]!;
      expect(pkg.variations.find((v) => v.name === 'fileordering')?.status).to.equal('varied');
      expect(
        pkg.artifacts
          .filter((a) => a.status === 'differs')
          .map((a) => a.path)
          .sort(),
      ).to.deep.equal(['out/list.txt', 'out/xattr.txt']);
      const xattr = pkg.diffoscope.find((d) => d.artifact.includes('xattr'))!;
      expect(xattr.excerpt)
        .to.match(/-ENODATA/)
        .and.match(/\+(ENOTSUP|EOPNOTSUPP)/);
    },
  );
});
