// Interruption in every phase (copy, build, disorderfs mount, diffoscope), a
// second Ctrl-C during clean-up, and builds that hang or leave a daemon that
// ignores SIGTERM: nothing is left running or mounted, the temp root is gone,
// and the reports say the run is incomplete.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import type { RunResult } from '../../reports/model.js';
import { check, CLI, cleanupTemp, fixture, tempDir } from '../helpers.js';

const unique = () => String(900_000 + Math.floor(Math.random() * 99_999));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pids(pattern: string): Promise<string[]> {
  return (await realProcesses.capture(['pgrep', '-f', pattern])).stdout.split('\n').filter(Boolean);
}
async function mountsUnder(dir: string): Promise<string[]> {
  return (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.includes(dir));
}
async function waitFor(what: string, ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await ok()) return;
    await pause(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

type Started = Readonly<{
  tmp: string;
  out: string;
  done: Promise<Awaited<ReturnType<typeof realProcesses.run>>>;
  signal: (name: string) => Promise<void>;
  log: string;
}>;

/** Starts `twinbuild check` with its own TMPDIR; `signal` sends to the twinbuild process itself. */
async function start(source: string, extra: string[], env: Record<string, string> = {}): Promise<Started> {
  const tmp = await tempDir('tb-tmp-');
  await chmod(tmp, 0o711);
  const out = join(await tempDir('tb-out-'), `out-${unique()}`);
  const log = join(await tempDir('tb-log-'), 'cli.log');
  const done = realProcesses.run({
    argv: ['node', CLI, 'check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--out', out, ...extra],
    env: { ...(process.env as Record<string, string>), TMPDIR: tmp, ...env },
    cwd: tmp,
    logFile: log,
  });
  const signal = async (name: string) => {
    const [pid] = await pids(`twinbuild.js check .* --out ${out}`);
    expect(pid, 'twinbuild is running').to.be.a('string');
    await realProcesses.capture(['kill', `-${name}`, pid!]);
  };
  return { tmp, out, done, signal, log };
}

/** What every interrupted run must leave: its exit code, no processes, no mounts, no temp root, incomplete reports. */
async function expectCleanInterruption(run: Started, code: number, markers: readonly string[]): Promise<void> {
  const outcome = await run.done;
  const log = await readFile(run.log, 'utf8');
  expect(outcome.exitCode, log).to.equal(code);
  expect(outcome.signal).to.equal(null); // it exited by itself, after cleaning up
  for (const marker of markers) expect(await pids(marker), `left running: ${marker}`).to.deep.equal([]);
  expect(await pids(`disorderfs.*${run.tmp}`)).to.deep.equal([]);
  expect(await pids(`enter.sh.*${run.tmp}`)).to.deep.equal([]);
  expect(await mountsUnder(run.tmp)).to.deep.equal([]);
  expect(await readdir(run.tmp)).to.deep.equal([]);
  const result = JSON.parse(await readFile(join(run.out, 'results.json'), 'utf8')) as RunResult;
  expect(result.incomplete?.reason).to.equal('interrupted');
  expect(result.exitCode).to.equal(code);
  expect(result.summary.reproducible).to.equal(0);
  expect(await readFile(join(run.out, 'junit.xml'), 'utf8')).to.contain('type="incomplete"');
  expect(await readFile(join(run.out, 'index.html'), 'utf8')).to.contain('Incomplete');
}

/** A package whose build touches $MARK, with 20,000 files: enough that the copy takes a while on any machine. */
async function bulkSource(): Promise<string> {
  const source = await fixture('touch "$MARK"');
  for (let d = 0; d < 40; d++) {
    await mkdir(join(source, 'bulk', String(d)), { recursive: true });
    await Promise.all(
      Array.from({ length: 500 }, (_, f) => writeFile(join(source, 'bulk', String(d), String(f)), `${d}/${f}`)),
    );
  }
  return source;
}

describe('reliability: interruption in every phase', function () {
  this.timeout(180_000);
  after(cleanupTemp);

  it('SIGINT while the source is being copied: 130 and no build ever starts', async () => {
    const source = await bulkSource();
    const mark = join(await tempDir('tb-mark-'), 'built');
    const run = await start(source, ['--vary=-all'], { MARK: mark });
    await waitFor('the workspace', async () => (await readdir(run.tmp)).some((n) => n.startsWith('twinbuild-')));
    await run.signal('INT');
    await expectCleanInterruption(run, 130, []);
    expect(existsSync(mark), 'a build ran after the interruption').to.equal(false);
  });

  it('SIGTERM during a 20,000-file copy: 143 within a few seconds (the copy stops between files)', async () => {
    const source = await bulkSource();
    const mark = join(await tempDir('tb-mark-'), 'built');
    const run = await start(source, ['--vary=-all'], { MARK: mark });
    await waitFor('the copy under way', async () => {
      const [root] = (await readdir(run.tmp)).filter((n) => n.startsWith('twinbuild-'));
      return !!root && existsSync(join(run.tmp, root, 'control', 'pkg', 'bulk'));
    });
    const signalled = performance.now();
    await run.signal('TERM');
    await run.done;
    const stopMs = performance.now() - signalled;
    await expectCleanInterruption(run, 143, []);
    expect(stopMs, 'time from SIGTERM to exit').to.be.below(3000);
    expect(existsSync(mark), 'a build ran after the interruption').to.equal(false);
  });

  it('SIGTERM while artifacts are hashed: 143 and incomplete, never "reproducible"', async () => {
    // 2 × 1,500 links to one 8 MiB file: seconds of hashing for little disk.
    const source = await fixture('head -c 8388608 /dev/zero > big\nfor i in $(seq 1500); do ln big out/f$i; done');
    const run = await start(source, ['--vary=-all', '--jobs', '1']);
    await waitFor('the comparison', async () => (await readFile(run.log, 'utf8')).includes('comparing artifacts'));
    await pause(300);
    const signalled = performance.now();
    await run.signal('TERM');
    await run.done;
    const stopMs = performance.now() - signalled;
    await expectCleanInterruption(run, 143, []);
    expect(await readFile(run.log, 'utf8')).not.to.contain('reproducible');
    expect(stopMs, 'time from SIGTERM to exit (hashing stops between files)').to.be.below(3000);
  });

  it('SIGTERM while disorderfs is mounted: 143, unmounted, daemon gone', async () => {
    const sleeper = unique();
    const source = await fixture(`sleep ${sleeper}`);
    const run = await start(source, ['--vary=-all,+fileordering']);
    await waitFor(
      'the build under disorderfs',
      async () => (await pids(`sleep ${sleeper}`)).length > 0 && (await pids(`disorderfs.*${run.tmp}`)).length > 0,
    );
    await run.signal('TERM');
    await expectCleanInterruption(run, 143, [`sleep ${sleeper}`]);
  });

  it('a second Ctrl-C during clean-up does not cut it short', async () => {
    const sleeper = unique();
    // The sandbox ends a build at once (its pid namespace dies with it), so what makes
    // clean-up last is a temp root of many files to remove: 40,000 per side.
    const source = await fixture(
      `mkdir junk && cd junk && seq 1 40000 | xargs touch && cd ..\nsleep ${sleeper} &\nwait; sleep ${sleeper}`,
    );
    const run = await start(source, ['--vary=-all,+umask']);
    await waitFor('both builds, their files made', async () => (await pids(`sleep ${sleeper}`)).length === 2);
    await run.signal('INT');
    await pause(200);
    await run.signal('INT');
    await expectCleanInterruption(run, 130, [`sleep ${sleeper}`]);
    expect(await readFile(run.log, 'utf8')).to.contain('still cleaning up');
  });

  it('SIGINT while diffoscope runs: 130, diffoscope killed', async () => {
    const sleeper = unique();
    // A diffoscope that takes its time (the injected fault is only its slowness).
    const bin = await tempDir('tb-bin-');
    await chmod(bin, 0o755);
    await writeFile(join(bin, 'diffoscope'), `#!/bin/sh\nexec sleep ${sleeper}\n`, { mode: 0o755 });
    const source = await fixture('umask > out/umask');
    const run = await start(source, ['--vary=-all,+umask', '--no-bisect'], { PATH: `${bin}:${process.env['PATH']}` });
    await waitFor('diffoscope', async () => (await pids(`sleep ${sleeper}`)).length > 0);
    await run.signal('INT');
    await expectCleanInterruption(run, 130, [`sleep ${sleeper}`]);
  });
});

describe('reliability: timeouts', function () {
  this.timeout(120_000);
  after(cleanupTemp);

  it('a build that leaves a double-forked daemon ignoring SIGTERM is killed whole at --timeout: exit 3 with the log tail', async () => {
    const sleeper = unique();
    const source = await fixture(
      [
        'echo starting the daemon',
        `( setsid sh -c "trap '' TERM; sleep ${sleeper}" & ) &`,
        `trap '' TERM`,
        `sleep ${sleeper}`,
      ].join('\n'),
    );
    const run = await check(source, '--timeout', '2s', '--vary=-all');
    expect(run.exitCode, run.stderr).to.equal(3);
    expect(run.stdout)
      .to.match(/build timed out after 2s/)
      .and.to.contain('starting the daemon');
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.error?.code).to.equal('build-timeout');
    expect(pkg.verdict).to.equal('error');
    expect(await pids(`sleep ${sleeper}`)).to.deep.equal([]);
  });
});
