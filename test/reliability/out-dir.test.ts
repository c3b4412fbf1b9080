// Issue 17, item 6: one run at a time writes to an output directory (a lock,
// released on every way out), and a reused one holds only this run's reports.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import type { RunResult } from '../../reports/model.js';
import { CLI, cleanupTemp, fixture, runCli, tempDir } from '../helpers.js';

const LOCK = '.twinbuild.lock';
const BUILD = ['--build', 'sh build.sh', '--artifacts', 'out/**', '--quiet'];
const checkInto = (source: string, out: string, ...extra: string[]) =>
  runCli(['check', source, ...BUILD, '--out', out, ...extra], { withOut: false });

describe('reliability: the output directory belongs to one run', function () {
  after(cleanupTemp);

  it('two checks at once with the same --out: the second is exit 2 naming the first, the first reports alone', async () => {
    const source = await fixture('echo "run $RUN"\nsleep 3\necho a > out/a');
    const out = join(await tempDir('tb-out-'), 'out');
    const [a, b] = await Promise.all(['A', 'B'].map((run) => checkInto(source, out, '--env', `RUN=${run}`)));
    const [winner, loser] = a!.exitCode === 0 ? [a!, b!] : [b!, a!];
    expect([winner.exitCode, loser.exitCode], `${a!.stderr}\n${b!.stderr}`).to.deep.equal([0, 2]);
    expect(loser.stderr.trim().split('\n')).to.have.length(1);
    expect(loser.stderr).to.match(
      new RegExp(
        `^twinbuild: another twinbuild run is writing to ${out} \\(pid \\d+\\); wait for it or choose another --out$`,
      ),
    );
    // Everything in OUT comes from the one run that held it.
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult;
    expect(results.packages[0]!.verdict).to.equal('reproducible');
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).not.to.match(/<failure|<error/);
    expect(await readFile(join(out, 'badge.svg'), 'utf8')).to.contain('reproducible: 1/1');
    const log = await readFile(join(out, 'logs', 'pkg', 'control.log'), 'utf8');
    expect(log.match(/^run [AB]$/gm), log).to.have.length(1);
    expect(await readdir(out)).not.to.include(LOCK);
  });

  it('a lock left by a run that died (SIGKILL) is taken over', async () => {
    const source = await fixture('echo a > out/a');
    const out = join(await tempDir('tb-out-'), 'out');
    await mkdir(out);
    const pidMax = Number(await readFile('/proc/sys/kernel/pid_max', 'utf8'));
    await writeFile(join(out, LOCK), `${pidMax + 1}\n`); // no process can have this pid
    const run = await checkInto(source, out);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(await readdir(out)).not.to.include(LOCK);
  });

  it('a lock held by a live process is refused, and left as it was', async () => {
    const source = await fixture('echo a > out/a');
    const out = join(await tempDir('tb-out-'), 'out');
    await mkdir(out);
    await writeFile(join(out, LOCK), `${process.pid}\n`);
    const run = await checkInto(source, out);
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.equal(
      `twinbuild: another twinbuild run is writing to ${out} (pid ${process.pid}); wait for it or choose another --out`,
    );
    expect(await readFile(join(out, LOCK), 'utf8')).to.equal(`${process.pid}\n`);
    expect(await readdir(out)).to.deep.equal([LOCK]);
  });

  it('the lock is released when the build fails (exit 3) and when interrupted (SIGTERM, 143)', async () => {
    const failing = await fixture('exit 1');
    const out = join(await tempDir('tb-out-'), 'out');
    const failed = await checkInto(failing, out);
    expect(failed.exitCode).to.equal(3);
    expect(await readdir(out)).not.to.include(LOCK);

    const marks = await tempDir('tb-marks-');
    await chmod(marks, 0o777); // the experiment may run as another user
    const sleeping = await fixture(`mktemp "$MARKS/XXXXXX" >/dev/null\nsleep 600`);
    const controller = new AbortController();
    const running = realProcesses.run({
      argv: ['node', CLI, 'check', sleeping, ...BUILD, '--env', `MARKS=${marks}`, '--out', out],
      env: process.env as Record<string, string>,
      cwd: marks,
      logFile: join(out, '..', 'cli.log'),
      signal: controller.signal,
      abortWith: 'SIGTERM',
    });
    let outcome;
    try {
      for (let i = 0; i < 200 && (await readdir(marks)).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await readdir(out)).to.include(LOCK);
    } finally {
      controller.abort();
      outcome = await running;
    }
    expect(outcome.exitCode).to.equal(143);
    expect(await readdir(out)).not.to.include(LOCK);
  });

  it("a reused --out keeps no stale diffoscope pages or logs, and nothing of the user's is removed", async () => {
    const flapping = await fixture('date +%N > out/a');
    const out = join(await tempDir('tb-out-'), 'out');
    const first = await checkInto(flapping, out, '--no-bisect');
    expect(first.exitCode, first.stderr).to.equal(1);
    expect(existsSync(join(out, 'diffoscope'))).to.equal(true);
    await writeFile(join(out, 'notes.txt'), 'mine\n');
    await writeFile(join(out, 'results.json.4242.1.tmp'), 'half a file from a killed run');
    const steady = join(await tempDir('tb-src-'), 'other');
    await cp(await fixture('echo a > out/a'), steady, { recursive: true });
    const second = await checkInto(steady, out);
    expect(second.exitCode, second.stderr).to.equal(0);
    expect((await readdir(out)).sort()).to.deep.equal([
      '.twinbuild-out',
      'badge.svg',
      'index.html',
      'junit.xml',
      'logs',
      'notes.txt',
      'results.json',
    ]);
    expect(await readdir(join(out, 'logs'))).to.deep.equal(['other']);
  });

  it('an --out that twinbuild did not make, holding a logs/ of its own, is refused (exit 2) with nothing changed', async () => {
    const source = await fixture('echo a > out/a');
    const out = await tempDir('tb-users-');
    await mkdir(join(out, 'logs'));
    await writeFile(join(out, 'logs', 'mine.log'), "the user's own log\n");
    await mkdir(join(out, 'diffoscope'));
    const run = await checkInto(source, out);
    expect(run.exitCode, run.stderr).to.equal(2);
    expect(run.stderr).to.match(/already holds diffoscope, logs that twinbuild did not write/);
    expect(await readFile(join(out, 'logs', 'mine.log'), 'utf8')).to.equal("the user's own log\n");
    expect((await readdir(out)).sort()).to.deep.equal(['diffoscope', 'logs']);
  });
});
