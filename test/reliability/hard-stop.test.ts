// SIGKILL of twinbuild itself (a CI runner's hard stop): the build, its namespace
// and its disorderfs die with it (parent-death signals), and the temp root it
// could not remove is listed by doctor and removed by the next check or by clean,
// while roots in use or not twinbuild's are left alone.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { currentOwner, OWNER_FILE } from '../../engine/prepare/owner.js';
import { checkArgv, cleanupTemp, fixture, runCli, tempDir } from '../helpers.js';

const unique = () => String(800_000 + Math.floor(Math.random() * 99_999));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pids(pattern: string): Promise<string[]> {
  return (await realProcesses.capture(['pgrep', '-f', pattern])).stdout.split('\n').filter(Boolean);
}
const mountsUnder = async (dir: string) =>
  (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.includes(dir));
const roots = async (tmp: string) => (await readdir(tmp)).filter((n) => n.startsWith('twinbuild-'));

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 30_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await ok()) return Date.now() - started;
    await pause(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts a check sleeping under disorderfs with its own TMPDIR, and SIGKILLs twinbuild once the build runs. */
async function killDuringBuild(): Promise<{ tmp: string; sleeper: string; root: string }> {
  const sleeper = unique();
  const source = await fixture(`sleep ${sleeper}`);
  const tmp = await tempDir('tb-tmp-');
  await chmod(tmp, 0o711);
  const out = join(await tempDir('tb-out-'), `out-${sleeper}`);
  const done = realProcesses.run({
    argv: checkArgv(source, '--vary=+fileordering', '--out', out),
    env: { ...(process.env as Record<string, string>), TMPDIR: tmp },
    cwd: tmp,
    logFile: join(tmp, '..', `cli-${sleeper}.log`),
  });
  await waitFor(
    'the build under disorderfs',
    async () => (await pids(`sleep ${sleeper}`)).length === 2 && (await pids(`disorderfs.*${tmp}`)).length > 0,
  );
  const [pid] = await pids(`twinbuild.js check .* --out ${out}`);
  expect(pid, 'twinbuild is running').to.be.a('string');
  process.kill(Number(pid), 'SIGKILL');
  expect((await done).signal).to.equal('SIGKILL');
  const [root] = await roots(tmp);
  expect(root, 'the killed run could not remove its temp root').to.be.a('string');
  return { tmp, sleeper, root: join(tmp, root!) };
}

async function expectNothingRunning(tmp: string, sleeper: string): Promise<void> {
  await waitFor(
    'the build, disorderfs and mounts to go',
    async () =>
      (await pids(`sleep ${sleeper}`)).length === 0 &&
      (await pids(`disorderfs.*${tmp}`)).length === 0 &&
      (await pids(`enter.sh.*${tmp}`)).length === 0 &&
      (await mountsUnder(tmp)).length === 0,
    5_000,
  );
}

describe('reliability: SIGKILL of twinbuild (hard stop)', function () {
  this.timeout(180_000);
  after(cleanupTemp);

  it(
    'during a build with disorderfs mounted: build, namespace and disorderfs die ' +
      'within seconds; doctor lists the root, the next check removes it',
    async () => {
      const { tmp, sleeper, root } = await killDuringBuild();
      await expectNothingRunning(tmp, sleeper);

      const doctor = await runCli(['doctor'], { withOut: false, env: { TMPDIR: tmp } });
      expect(doctor.stdout).to.match(
        new RegExp(`STALE +${root} \\(twinbuild pid \\d+ is gone, [\\d.]+ (B|KiB|MiB)\\)`),
      );
      expect(existsSync(root), 'doctor only lists').to.equal(true);

      const next = await runCli(
        ['check', await fixture('echo same > out/a'), '--build', 'sh build.sh', '--artifacts', 'out/**', '--vary=-all'],
        { env: { TMPDIR: tmp } },
      );
      expect(next.exitCode, next.stderr).to.equal(0);
      expect(next.stderr).to.contain(`removed a stale temp root ${root}`);
      expect(await roots(tmp)).to.deep.equal([]);
    },
  );

  it(
    'twinbuild clean removes a stale root and leaves one in use, one whose pid was ' +
      'reused by a live process only in name, and one without a marker',
    async () => {
      const { tmp, sleeper, root } = await killDuringBuild();
      await expectNothingRunning(tmp, sleeper);
      const me = await currentOwner();
      // In use: owned by this (live) test process.
      const inUse = join(tmp, 'twinbuild-inuse');
      await mkdir(inUse);
      await writeFile(join(inUse, OWNER_FILE), JSON.stringify(me));
      // The same pid with another start time: a dead twinbuild whose pid was reused.
      const reused = join(tmp, 'twinbuild-reused');
      await mkdir(join(reused, 'control'), { recursive: true });
      await writeFile(join(reused, OWNER_FILE), JSON.stringify({ ...me, start: String(Number(me.start) - 1) }));
      const unmarked = join(tmp, 'twinbuild-unmarked');
      await mkdir(unmarked);
      // Cut short between mkdtemp and a whole marker: named with a dead pid, holding nothing or part of
      // the marker. Removed; but not with anything else in it, nor while a process has that pid.
      const dead = (await realProcesses.capture(['sh', '-c', 'echo $$'])).stdout.trim();
      const [bare, partial, filled, live] = [
        `${dead}-Ab12Cd`,
        `${dead}-Ef34Gh`,
        `${dead}-Ij56Kl`,
        `${process.pid}-Mn78Op`,
      ].map((n) => join(tmp, `twinbuild-${n}`)) as [string, string, string, string];
      for (const dir of [bare, partial, filled, live]) await mkdir(dir);
      await writeFile(join(partial, OWNER_FILE), '{"pid":');
      await mkdir(join(filled, 'control'));

      const clean = await runCli(['clean'], { withOut: false, env: { TMPDIR: tmp } });
      expect(clean.exitCode, clean.stderr).to.equal(0);
      expect(clean.stdout, clean.stdout).to.contain(`removed ${root} (`).and.to.contain(`removed ${reused} (`);
      expect(clean.stdout).to.contain(`left ${inUse} (twinbuild pid ${process.pid} is running)`);
      expect(clean.stdout).to.contain(`left ${unmarked} (no readable owner marker)`);
      const lineOf = (dir: string) => clean.stdout.split('\n').find((l) => l.includes(` ${dir} (`));
      for (const dir of [bare, partial])
        expect(lineOf(dir), clean.stdout)
          .to.match(/^removed .*; twinbuild pid \d+ died before marking it\)$/)
          .and.to.include(`pid ${dead} `);
      for (const dir of [filled, live]) expect(clean.stdout).to.contain(`left ${dir} (no readable owner marker)`);
      expect((await roots(tmp)).sort()).to.deep.equal(
        ['twinbuild-inuse', 'twinbuild-unmarked', `twinbuild-${dead}-Ij56Kl`, `twinbuild-${process.pid}-Mn78Op`].sort(),
      );
      await rm(filled, { recursive: true });
      await rm(live, { recursive: true });

      const again = await runCli(['clean'], { withOut: false, env: { TMPDIR: tmp } });
      expect(again.exitCode).to.equal(0);
      expect(again.stdout).to.contain(`clean: no stale temp roots in ${tmp}`);
    },
  );

  it('clean --help says what it removes and what it never touches', async () => {
    const help = await runCli(['clean', '--help'], { withOut: false });
    expect(help.exitCode).to.equal(0);
    expect(help.stdout).to.contain('Usage: twinbuild clean').and.to.contain('Never touched');
  });
});
