// Issue 17, item 11: with nothing varied (--vary=-all) identical builds are a
// determinism check, not a reproducibility test, and every view says so;
// results.json keeps the verdict "reproducible" and the exit code stays 0.
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { check, cleanupTemp, fixture, runCli } from '../helpers.js';

const NOTE = 'nothing varied: a determinism check, not a reproducibility test';

describe('check --vary=-all: called a determinism check in every view', function () {
  after(cleanupTemp);

  it('console, badge, HTML and JUnit say "deterministic"; results.json says "reproducible"; exit 0', async () => {
    const source = await fixture('echo a > out/a');
    const run = await runCli(['check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--vary=-all']);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stdout).to.match(new RegExp(`^deterministic: pkg: 1 artifact identical \\(${NOTE}\\)$`, 'm'));
    expect(run.stdout).not.to.match(/^reproducible/m);
    const results = await run.results();
    expect(results.packages[0]!.verdict).to.equal('reproducible');
    expect(results.exitCode).to.equal(0);
    const badge = await readFile(join(run.out, 'badge.svg'), 'utf8');
    expect(badge).to.contain('<title>deterministic: 1/1</title>');
    expect(badge).not.to.contain('reproducible');
    const html = await readFile(join(run.out, 'index.html'), 'utf8');
    expect(html).to.contain('<title>twinbuild: 1/1 deterministic</title>');
    expect(html).to.contain(`1 deterministic (${NOTE})`);
    expect(html).to.match(/<h2>pkg — <span class="verdict-reproducible">deterministic<\/span><\/h2>/);
    expect(html).to.contain('<strong>Determinism check</strong>');
    const junit = await readFile(join(run.out, 'junit.xml'), 'utf8');
    expect(junit).to.match(/<property name="twinbuild.check" value="determinism"\/>/);
    expect(junit).to.contain('name="determinism check (nothing varied)"');
    expect(junit).to.contain(NOTE);
  });

  it('--quiet keeps the word: one line, "deterministic"', async () => {
    const run = await check(await fixture('echo a > out/a'), '--vary=-all');
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stdout).to.equal(`deterministic: pkg: 1 artifact identical (${NOTE})`);
  });

  it('a check that varied something is still called reproducible everywhere', async () => {
    const run = await check(await fixture('echo a > out/a'), '--vary=-all,+umask');
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stdout).to.equal('reproducible: pkg: 1 artifact identical');
    expect(await readFile(join(run.out, 'badge.svg'), 'utf8')).to.contain('<title>reproducible: 1/1</title>');
    expect(await readFile(join(run.out, 'index.html'), 'utf8')).not.to.match(/deterministic|Determinism/);
    expect(await readFile(join(run.out, 'junit.xml'), 'utf8')).not.to.contain('determinism');
  });

  it('a sweep with nothing varied sums up as deterministic', async () => {
    const source = await fixture('echo a > out/a');
    await writeFile(
      join(source, '..', 'twinbuild.config.json'),
      JSON.stringify({ packages: [{ path: 'pkg', build: 'sh build.sh', artifacts: ['out/**'] }] }),
    );
    const run = await runCli(['sweep', join(source, '..'), '--quiet', '--vary=-all']);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stdout).to.equal(`1/1 deterministic (${NOTE}), 0 unreproducible, 0 error`);
    expect(await readFile(join(run.out, 'badge.svg'), 'utf8')).to.contain('<title>deterministic: 1/1</title>');
  });
});
