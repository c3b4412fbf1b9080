// Timeouts and signals: the whole build tree dies, the temp root goes, the exit code says why.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { checkArgv, check, CLI, cleanupTemp, fixture, tempDir } from '../helpers.js';

const uniqueSleep = () => String(900_000 + Math.floor(Math.random() * 99_999));

async function processesMatching(pattern: string): Promise<string[]> {
  const found = await realProcesses.capture(['pgrep', '-f', pattern]);
  return found.stdout.split('\n').filter(Boolean);
}

describe('check: timeouts and interruption', function () {
  after(cleanupTemp);

  it('3 on timeout, killing the build and the background child it spawned', async () => {
    const [a, b] = [uniqueSleep(), uniqueSleep()];
    const source = await fixture(`sleep ${a} &\nsetsid sleep ${b} &\nsleep ${a}`);
    const run = await check(source, '--timeout', '1s');
    expect(run.exitCode).to.equal(3);
    expect(run.stdout).to.match(/build timed out after 1s/);
    expect((await run.results()).packages[0]!.error?.code).to.equal('build-timeout');
    expect(await processesMatching(`sleep ${a}`)).to.deep.equal([]);
    expect(await processesMatching(`sleep ${b}`)).to.deep.equal([]);
  });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`${signal} during the builds: exit ${code}, no build process left, temp root removed`, async () => {
      const sleeper = uniqueSleep();
      const tmp = await tempDir('tb-tmp-');
      await chmod(tmp, 0o711);
      const marks = await tempDir('tb-marks-');
      await chmod(marks, 0o777); // the experiment may run as another user
      const out = join(await tempDir('tb-out-'), 'out');
      const source = await fixture(`mktemp "$MARKS/XXXXXX" >/dev/null\nsleep ${sleeper}`);
      const controller = new AbortController();
      const running = realProcesses.run({
        argv: checkArgv(source, '--env', `MARKS=${marks}`, '--out', out),
        env: { ...(process.env as Record<string, string>), TMPDIR: tmp },
        cwd: tmp,
        logFile: join(marks, '..', 'cli.log'),
        signal: controller.signal,
        abortWith: signal,
      });
      let outcome;
      try {
        for (let i = 0; i < 200 && (await readdir(marks)).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
        expect(await readdir(marks)).to.have.length(2);
      } finally {
        controller.abort();
        outcome = await running;
      }
      expect(outcome.exitCode).to.equal(code);
      expect(outcome.signal).to.equal(null); // twinbuild exited by itself, after cleaning up
      expect(await processesMatching(`sleep ${sleeper}`)).to.deep.equal([]);
      expect(await readdir(tmp)).to.deep.equal([]);
      // The reports are written, marked incomplete (see test/reliability/interruption).
      expect(existsSync(join(out, 'results.json'))).to.equal(true);
    });
  }

  it('goes on, and cleans up after SIGTERM, when whoever read its output has gone (`2>&1 | head -c 1`, a dead parent)', async () => {
    const sleeper = uniqueSleep();
    const tmp = await tempDir('tb-tmp-');
    await chmod(tmp, 0o711);
    const marks = await tempDir('tb-marks-');
    await chmod(marks, 0o777);
    const out = join(await tempDir('tb-out-'), 'out');
    const source = await fixture(`mktemp "$MARKS/XXXXXX" >/dev/null\nsleep ${sleeper}`);
    // head exits after one byte: every later write to stdout or stderr meets a closed pipe (EPIPE).
    const script =
      'node "$0" check "$1" --build "sh build.sh" --artifacts "out/**" --env ' +
      '"MARKS=$2" --out "$3" 2>&1 | head -c 1 >/dev/null; sleep 1000000 & wait';
    const controller = new AbortController();
    const shell = realProcesses.run({
      argv: ['sh', '-c', script, CLI, source, marks, out],
      env: { ...(process.env as Record<string, string>), TMPDIR: tmp },
      cwd: tmp,
      logFile: join(marks, '..', 'cli-pipe.log'),
      signal: controller.signal,
    });
    try {
      for (let i = 0; i < 200 && (await readdir(marks)).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await readdir(marks), 'both builds started').to.have.length(2);
      const [pid] = await processesMatching(`check ${source} --build`);
      expect(pid, 'twinbuild is running').to.be.a('string');
      process.kill(Number(pid), 'SIGTERM');
      for (let i = 0; i < 600 && (await processesMatching(`check ${source} --build`)).length > 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(await processesMatching(`check ${source} --build`), 'twinbuild has exited').to.deep.equal([]);
    } finally {
      controller.abort();
      await shell;
    }
    expect(await processesMatching(`sleep ${sleeper}`)).to.deep.equal([]);
    expect(await readdir(tmp)).to.deep.equal([]);
  });
});
