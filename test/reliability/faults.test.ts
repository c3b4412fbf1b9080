// Injected faults (a stand-in first on PATH is the fault): diffoscope crashing or
// vanishing mid-run, disorderfs failing to mount, faketime missing. Each is
// reported as what it is, never as reproducible. And two checks at once on the
// same source do not interfere.
import { expect } from 'chai';
import { chmod, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkWithTmp, cleanupTemp, fixture, runCli, tempDir, toolFarm } from '../helpers.js';

/** A PATH whose first directory holds the given stand-in scripts. */
async function pathWith(scripts: Record<string, string>): Promise<{ path: string; bin: string }> {
  const bin = await tempDir('tb-fault-');
  await chmod(bin, 0o755);
  for (const [name, body] of Object.entries(scripts))
    await writeFile(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return { path: `${bin}:${process.env['PATH']}`, bin };
}

describe('reliability: injected faults', function () {
  this.timeout(120_000);
  after(cleanupTemp);

  it('diffoscope crashing: exit 3 (a crashed explanation is an error), the differing file and the crash in every report', async () => {
    const { path } = await pathWith({ diffoscope: 'echo "diffoscope: about to crash" >&2\nkill -SEGV $$' });
    const source = await fixture('umask > out/umask');
    const faulty = await runCli(
      ['check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--vary=-all,+umask', '--no-bisect'],
      { env: { PATH: path } },
    );
    expect(faulty.exitCode, faulty.stderr).to.equal(3);
    const pkg = (await faulty.results()).packages[0]!;
    expect(pkg.verdict).to.equal('error');
    expect(pkg.error?.code).to.equal('diffoscope-failed');
    expect(pkg.artifacts.map((a) => [a.path, a.status])).to.deep.equal([['out/umask', 'differs']]);
    const diff = pkg.diffoscope[0]!;
    expect(diff.status).to.equal('error');
    expect(diff.message).to.match(/diffoscope failed \(SIGSEGV\)/);
    expect(faulty.stdout).to.match(/diffoscope failed/);
    expect(await readFile(join(faulty.out, 'index.html'), 'utf8')).to.contain('diffoscope failed (SIGSEGV)');
  });

  it('diffoscope gone by the time it is needed: the built-in diff explains, and says why', async () => {
    const { bin } = await pathWith({ diffoscope: 'exit 0' });
    const path = `${bin}:${await toolFarm(['diffoscope'])}`; // the stand-in is the only diffoscope
    // Available when the check starts, missing when the files differ: the builds wait
    // until this test has removed the stand-in (a build cannot: the host is read-only to it).
    const source = await fixture(`while [ -e "${bin}/diffoscope" ]; do sleep 0.1; done\numask > out/umask`);
    const running = runCli(
      ['check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--vary=-all,+umask', '--no-bisect'],
      { env: { PATH: path } },
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await rm(join(bin, 'diffoscope'));
    const run = await running;
    expect(run.exitCode, run.stderr).to.equal(1);
    const diff = (await run.results()).packages[0]!.diffoscope[0]!;
    expect(diff.tool).to.equal('builtin');
    expect(diff.message).to.match(/diffoscope not found/);
  });

  it('disorderfs failing to mount: exit 3 naming it, nothing mounted or left behind', async () => {
    const { path } = await pathWith({ disorderfs: 'echo "fuse: device not found, try modprobe fuse" >&2\nexit 1' });
    const source = await fixture('echo a > out/a');
    const tmp = await tempDir('tb-tmp-');
    await chmod(tmp, 0o711);
    const run = await runCli(
      ['check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--vary=-all,+fileordering'],
      { env: { PATH: path, TMPDIR: tmp } },
    );
    expect(run.exitCode, run.stdout + run.stderr).to.equal(3);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.verdict).to.equal('error');
    expect(`${pkg.error?.message}\n${run.stdout}`).to.match(/disorderfs|device not found/);
    expect(await readdir(tmp)).to.deep.equal([]);
    expect((await readFile('/proc/self/mountinfo', 'utf8')).includes(tmp)).to.equal(false);
  });

  it(
    'faketime missing: asked for by name is exit 3 before building; through +all it ' +
      'is skipped, with the reason, in every report',
    async () => {
      const farm = await toolFarm(['faketime']);
      const source = await fixture('echo a > out/a');
      const named = await runCli(
        ['check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--vary=-all,+time'],
        { env: { PATH: farm } },
      );
      expect(named.exitCode).to.equal(3);
      expect(named.stdout + named.stderr).to.match(/time.*faketime/);
      const all = await runCli(
        ['check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--vary=+all', '--no-bisect', '--quiet'],
        { env: { PATH: farm } },
      );
      expect(all.exitCode, all.stderr).to.equal(0);
      const time = (await all.results()).packages[0]!.variations.find((v) => v.name === 'time')!;
      expect(time.status).to.equal('skipped');
      expect(time.reason).to.match(/faketime/);
      expect(await readFile(join(all.out, 'junit.xml'), 'utf8')).to.match(/skipped: [^<]*faketime/);
      expect(await readFile(join(all.out, 'index.html'), 'utf8')).to.match(/faketime/);
      await rm(farm, { recursive: true, force: true });
    },
  );
});

describe('reliability: two checks at once', function () {
  this.timeout(180_000);
  after(cleanupTemp);

  it('on the same source, with disorderfs and build paths varied, do not interfere', async () => {
    const stable = await fixture('sleep 1\necho same > out/a');
    const shifty = await fixture('sleep 1\numask > out/a');
    const variations = '--vary=-all,+fileordering,+build_path,+umask';
    const [a, b, c] = await Promise.all([
      checkWithTmp(stable, variations, '--no-bisect'),
      checkWithTmp(stable, variations, '--no-bisect'),
      checkWithTmp(shifty, variations, '--no-bisect'),
    ]);
    expect([a.exitCode, b.exitCode, c.exitCode], a.stderr + b.stderr + c.stderr).to.deep.equal([0, 0, 1]);
    for (const run of [a, b, c]) expect(await readdir(run.tmp)).to.deep.equal([]);
    const roots = await Promise.all(
      [a, b].map(async (r) => (await r.results()).packages[0]!.builds.control!.command.join(' ')),
    );
    expect(roots[0]).not.to.equal(roots[1]); // separate temp roots and mount paths
  });
});
