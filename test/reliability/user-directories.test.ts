// Issue 29, items 9–15: hostile inputs from the user's own directories — symlinks
// in a sweep's tree, an --out that is already the user's, special files in the
// source, a TMPDIR with a space, catch-all ignore globs, report merge into itself.
import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileIgnores } from '../../suites/ignore.js';
import { cleanupTemp, runCli, tempDir } from '../helpers.js';
import { REPRODUCIBLE, genericPackage, writeFiles } from '../suites/fixtures.js';

const oneLine = (run: { stderr: string }) => {
  const lines = run.stderr.trim().split('\n');
  expect(lines, run.stderr).to.have.length(1);
  expect(run.stderr).not.to.match(/^\s+at /m);
  return lines[0]!;
};

describe('reliability: hostile inputs from the user’s directories (issue 29, items 9–15)', function () {
  this.timeout(240_000);
  after(cleanupTemp);

  describe('item 14: an ignore glob that matches every path is refused', function () {
    for (const glob of ['*/**', '{**,x}']) {
      it(`exit 2 and one line for "${glob}" (as reported)`, async () => {
        const root = join(await tempDir(), 'repo');
        await genericPackage(root, 'pkgs/a', REPRODUCIBLE);
        await writeFiles(root, {
          'twinbuild.config.json': JSON.stringify({
            defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
            packages: [{ glob: 'pkgs/*' }],
            ignore: [{ artifacts: glob, reason: 'everything' }],
          }),
        });
        const run = await runCli(['sweep', root, '--no-bisect']);
        expect(run.exitCode, run.stderr).to.equal(2);
        expect(oneLine(run)).to.include(`ignore[0].artifacts: "${glob}" would ignore whole packages`);
      });
    }

    it('every catch-all form is refused; globs that name artifacts are not', () => {
      const refused = [
        '**',
        '*/**',
        '{**,x}',
        '**/*',
        '*',
        '**/**',
        '+(**)',
        '@(**)',
        '*/*/**',
        '{*,*/**}',
        '*/*',
        '!(x)',
      ];
      const accepted = ['out/**', '**/*.deb', 'out/*.tar.gz', '**/.*', 'out/umask.txt', '*/*.jar'];
      const compiles = (g: string | string[]) => {
        try {
          compileIgnores([{ artifacts: g, reason: 'r' }], 'c.json');
          return true;
        } catch {
          return false;
        }
      };
      expect(refused.filter(compiles), 'accepted').to.deep.equal([]);
      expect(
        accepted.filter((g) => !compiles(g)),
        'refused',
      ).to.deep.equal([]);
      // Two globs that together match everything are one entry that ignores everything.
      expect(compiles(['*', '*/**'])).to.equal(false);
    });
  });
});
