// Issue 19, item 17: the console on a dumb terminal, after Ctrl-C, for an empty
// failing log, and for a config that is not JSON — each from a real run.
import { expect } from 'chai';
import { chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import {
  checkArgv,
  check,
  cleanupTemp,
  EXAMPLES,
  fixture,
  onPath,
  requireOrSkip,
  runCli,
  tempDir,
} from '../helpers.js';

const ERASE = '\r\x1b[2K';

/** `check` of the reproducible example on a pseudo-terminal (util-linux script), with TERM set; what the terminal showed. */
async function onTerminal(term: string): Promise<string> {
  const out = join(await tempDir('tb-out-'), 'out');
  const typescript = join(await tempDir('tb-tty-'), 'typescript');
  const command = checkArgv(join(EXAMPLES, 'reproducible'), '--no-bisect', '--out', out)
    .map((a) => `'${a}'`)
    .join(' ');
  const run = await realProcesses.capture(['script', '-qec', command, typescript], {
    timeoutMs: 120_000,
    env: { ...(process.env as Record<string, string>), TERM: term },
  });
  expect(run.exitCode, run.stderr).to.equal(0);
  return readFile(typescript, 'utf8');
}

describe('console habits (issue 19, item 17)', function () {
  this.timeout(240_000);
  after(cleanupTemp);

  it('TERM=dumb on a terminal gets plain progress lines, never "\\r\\e[2K" (which it does get with TERM=xterm)', async function () {
    requireOrSkip(this, (await onPath('script')) !== undefined, 'script (util-linux) for a pseudo-terminal');
    const dumb = await onTerminal('dumb');
    expect(dumb).to.contain('twinbuild: building');
    expect(dumb).not.to.contain(ERASE);
    expect(await onTerminal('xterm')).to.contain(ERASE);
  });

  it('after Ctrl-C the log says the builds stopped, not "finished in"', async () => {
    const tmp = await tempDir('tb-tmp-');
    await chmod(tmp, 0o711);
    const marks = await tempDir('tb-marks-');
    await chmod(marks, 0o777); // the experiment may run as another user
    const logDir = await tempDir('tb-log-');
    const out = join(await tempDir('tb-out-'), 'out');
    const source = await fixture(
      `mktemp "$MARKS/XXXXXX" >/dev/null\nsleep ${900_000 + Math.floor(Math.random() * 99_999)}`,
    );
    const controller = new AbortController();
    const running = realProcesses.run({
      argv: checkArgv(source, '--env', `MARKS=${marks}`, '--out', out),
      env: { ...(process.env as Record<string, string>), TMPDIR: tmp },
      cwd: tmp,
      logFile: join(logDir, 'cli.log'),
      signal: controller.signal,
      abortWith: 'SIGINT',
    });
    try {
      for (let i = 0; i < 200 && (await readdir(marks)).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await readdir(marks)).to.have.length(2);
    } finally {
      controller.abort();
      expect((await running).exitCode).to.equal(130);
    }
    const log = await readFile(join(logDir, 'cli.log'), 'utf8');
    expect(log).to.match(/control build stopped \(interrupted\) after/);
    expect(log).not.to.match(/build finished in/);
  });

  it('a build that fails with an empty log: "the log is empty", not "last 1 lines … |"', async () => {
    const run = await check(await fixture('exit 1'));
    expect(run.exitCode).to.equal(3);
    expect(run.stdout).to.match(/the control build's log is empty/);
    expect(run.stdout).not.to.match(/last 1 lines/);
    expect(run.stdout).not.to.match(/^\s+\|\s*$/m);
  });

  it('a config that is not JSON is reported by line and column', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'twinbuild.config.json'), '{\n  "packages": [\n    { "path": "a", }\n  ]\n}\n');
    const run = await runCli(['sweep', root]);
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.match(/not valid JSON: .* at line 3, column 20/);
    expect(run.stderr).not.to.match(/position \d+/);
  });
});
