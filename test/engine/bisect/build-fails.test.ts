// When only the experiment build fails, bisect names the variations that make it
// fail (real builds): a culprit when one exists, no culprit for a build that
// fails even with nothing varied, and no bisect when the control fails too.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { check, cleanupTemp, fixture } from '../../helpers.js';
import { NEEDS_HOME, ONLY_ONCE, lockDir } from './failing-builds.js';

describe('bisect: which variations make the experiment build fail (real builds)', function () {
  const locks: string[] = [];
  after(async () => {
    await cleanupTemp();
    await Promise.all(locks.map((l) => rm(l, { recursive: true, force: true })));
  });

  it('names home as what makes the build fail, in results.json, the console and JUnit; the verdict stays error', async () => {
    const run = await check(await fixture(NEEDS_HOME));
    expect(run.exitCode, run.stderr + run.stdout).to.equal(3);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.verdict).to.equal('error');
    expect(pkg.error).to.deep.equal({ code: 'build-failed', message: 'experiment build failed (exit 1)' });
    expect(pkg.bisect).to.deep.include({ status: 'done', difference: 'build-fails', reason: null });
    expect(pkg.nondeterministic).to.equal(false);
    expect(pkg.culprits.map((c) => ({ variations: c.variations, artifacts: c.artifacts }))).to.deep.equal([
      { variations: ['home'], artifacts: [] },
    ]);
    const confirming = pkg.bisect.probes.find((p) => p.id === pkg.culprits[0]!.probe);
    expect(confirming).to.deep.include({ variations: ['home'], status: 'fails' });
    expect(pkg.bisect.probes.find((p) => p.id === 'none')).to.deep.include({ status: 'same' });
    // A probe that builds is "same" whatever its bytes; only home's absence fails.
    for (const p of pkg.bisect.probes)
      expect(p.status, p.variations.join(',')).to.equal(p.variations.includes('home') ? 'fails' : 'same');
    const said = `experiment build failed (exit 1); it fails when home is varied (confirmed by probe ${confirming!.id})`;
    expect(run.stdout).to.include(`error: pkg: ${said}`);
    expect(run.stdout).to.match(/bisect: \d+ probe builds in \d+ rounds/);
    const junit = await readFile(join(run.out, 'junit.xml'), 'utf8');
    expect(junit).to.include(`<error message="${said}" type="build-failed">`);
  });

  it('names the confirming build when home is the only variation', async () => {
    const run = await check(await fixture(NEEDS_HOME), '--vary=-all,+home');
    expect(run.exitCode, run.stderr + run.stdout).to.equal(3);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.culprits.map((c) => [c.variations, c.probe])).to.deep.equal([[['home'], 'experiment']]);
    expect(run.stdout).to.include('it fails when home is varied (confirmed by the experiment build)');
  });

  it('blames no variation when a rebuild with nothing varied fails too', async () => {
    const lock = await lockDir();
    locks.push(lock);
    const run = await check(await fixture(ONLY_ONCE), '--env', `TB_LOCK=${lock}`);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(3);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.builds.control?.exitCode).to.equal(0);
    expect(pkg.verdict).to.equal('error');
    expect(pkg.nondeterministic).to.equal(true);
    expect(pkg.bisect).to.deep.include({ status: 'nondeterministic', difference: 'build-fails', flapping: [] });
    expect(pkg.culprits).to.deep.equal([]);
    expect(pkg.bisect.probes.find((p) => p.id === 'none')).to.deep.include({ status: 'fails' });
    expect(run.stdout).to.include(
      'experiment build failed (exit 1); it fails even with nothing varied (a rebuild with nothing varied fails too',
    );
    expect(run.stdout).to.include('so no variation is blamed');
  });

  it('does not bisect when the control fails too, nor with --no-bisect', async () => {
    const both = await check(await fixture('echo broken >&2\nexit 1'));
    expect(both.exitCode).to.equal(3);
    const pkg = (await both.results()).packages[0]!;
    expect(pkg.bisect).to.deep.include({ status: 'not-run', probes: [], difference: 'artifacts' });
    expect(both.stdout).to.not.include('it fails');
    const off = await check(await fixture(NEEDS_HOME), '--no-bisect');
    expect(off.exitCode).to.equal(3);
    expect((await off.results()).packages[0]!.bisect).to.deep.include({ status: 'not-run', probes: [] });
    expect(off.stdout).to.include('error: pkg: experiment build failed (exit 1)\n');
  });
});
