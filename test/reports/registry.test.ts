// Reporters are views chosen by name: --reporter picks which run, results.json
// is always written, and an unknown name is a usage error before any build.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { check, cleanupTemp, EXAMPLES, runCli, tempDir } from '../helpers.js';

describe('reports: --reporter', function () {
  this.timeout(120_000);
  after(cleanupTemp);

  it('writes only the chosen reports (plus results.json) and prints the console view only when chosen', async () => {
    const run = await check(join(EXAMPLES, 'reproducible'), '--reporter', 'junit', '--reporter=badge');
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(
      ['results.json', 'junit.xml', 'badge.svg', 'index.html'].map((f) => existsSync(join(run.out, f))),
    ).to.deep.equal([true, true, true, false]);
    expect(run.stdout).to.equal('');

    const withConsole = await check(join(EXAMPLES, 'reproducible'), '--reporter', 'console,html');
    expect(withConsole.exitCode, withConsole.stderr).to.equal(0);
    expect(withConsole.stdout).to.match(/^reproducible: reproducible: 2 artifacts identical/);
    expect(
      ['results.json', 'junit.xml', 'badge.svg', 'index.html'].map((f) => existsSync(join(withConsole.out, f))),
    ).to.deep.equal([true, false, false, true]);
  });

  it("a sweep takes its reporters from the config's `reporters`, and --reporter wins over it", async () => {
    const root = await tempDir();
    await mkdir(join(root, 'p'), { recursive: true });
    await writeFile(join(root, 'p', 'build.sh'), 'mkdir -p out; echo a > out/a\n');
    await writeFile(
      join(root, 'twinbuild.config.json'),
      JSON.stringify({ reporters: ['junit'], packages: [{ path: 'p', build: 'sh build.sh', artifacts: 'out/**' }] }),
    );
    const fromConfig = await runCli(['sweep', root, '--no-bisect']);
    expect(fromConfig.exitCode, fromConfig.stderr).to.equal(0);
    expect(
      ['results.json', 'junit.xml', 'index.html', 'badge.svg'].map((f) => existsSync(join(fromConfig.out, f))),
    ).to.deep.equal([true, true, false, false]);
    expect(fromConfig.stdout).to.equal('');
    const fromFlag = await runCli(['sweep', root, '--no-bisect', '--reporter', 'html']);
    expect(['results.json', 'junit.xml', 'index.html'].map((f) => existsSync(join(fromFlag.out, f)))).to.deep.equal([
      true,
      false,
      true,
    ]);
  });

  it('refuses an unknown reporter with exit 2 and the list of known ones', async () => {
    const run = await check(join(EXAMPLES, 'reproducible'), '--reporter', 'pdf');
    expect(run.exitCode).to.equal(2);
    expect(run.stderr.trim()).to.equal('twinbuild: --reporter expects json, junit, html, badge or console, got "pdf"');
    expect(existsSync(run.out)).to.equal(false);
  });
});
