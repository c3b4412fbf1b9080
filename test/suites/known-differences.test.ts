// Issue 19, item 8: a package that passes only because its differences are
// ignored keeps the verdict "reproducible" (exit 0, as before) but carries
// knownDifferences, and every view says so beside the verdict — a dashboard can
// tell it from a true pass.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { cleanupTemp, runCli, tempDir } from '../helpers.js';
import { LEAKS_UMASK, REPRODUCIBLE, genericPackage, writeFiles } from './fixtures.js';

describe('a pass with only ignored differences is told apart from a true pass (issue 19, item 8)', function () {
  this.timeout(240_000);
  after(cleanupTemp);

  it('results.json, console, HTML, JUnit and badge each show the ignored difference', async () => {
    const root = join(await tempDir(), 'repo');
    await genericPackage(root, 'pkgs/leaky', `${LEAKS_UMASK}\n${REPRODUCIBLE}`);
    await genericPackage(root, 'pkgs/clean', REPRODUCIBLE);
    await writeFiles(root, {
      'twinbuild.config.json': JSON.stringify({
        defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
        packages: [{ glob: 'pkgs/*' }],
        ignore: [{ artifacts: 'out/umask.txt', package: 'pkgs-leaky', reason: 'upstream bug #123' }],
      }),
    });
    const run = await runCli(['sweep', root, '--no-bisect', '--vary=-all,+umask'], { timeoutMs: 200_000 });
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    const result = await run.results();
    const byName = Object.fromEntries(result.packages.map((p) => [p.name, p]));
    expect([byName['pkgs-leaky']!.verdict, byName['pkgs-leaky']!.knownDifferences]).to.deep.equal(['reproducible', 1]);
    expect([byName['pkgs-clean']!.verdict, byName['pkgs-clean']!.knownDifferences]).to.deep.equal(['reproducible', 0]);
    expect(run.stdout).to.match(/^reproducible \(1 known difference ignored\): pkgs-leaky: out\/umask\.txt$/m);
    expect(run.stdout).not.to.match(/pkgs-clean/);
    const html = await readFile(join(run.out, 'index.html'), 'utf8');
    expect(html).to.match(/>reproducible \(1 known difference ignored\)</);
    expect(html).to.match(/pkgs-clean<\/a><\/td><td class="verdict-reproducible">reproducible</);
    const junit = await readFile(join(run.out, 'junit.xml'), 'utf8');
    expect(junit).to.match(/name="twinbuild.verdict" value="reproducible \(1 known difference ignored\)"/);
    expect(await readFile(join(run.out, 'badge.svg'), 'utf8')).to.contain(
      '<title>reproducible: 2/2 (1 ignored)</title>',
    );
  });
});
