// A build's set-up steps run in one shell: in order, arguments exactly as given,
// stopping at the first step that fails.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../../adapters/process.js';
import { ENTER_FAILED, stepsScript } from '../../../engine/build/build.js';
import { cleanupTemp, tempDir } from '../../helpers.js';

const PATH = process.env['PATH'] ?? '/usr/bin:/bin';
const run = (script: string) => realProcesses.capture(['/bin/sh', '-c', script, 'twinbuild-setup']);

describe('set-up steps in one shell (engine/build/build.ts)', function () {
  after(cleanupTemp);

  it('runs the steps in order, each argument as it is (quotes, spaces, $, newlines, globs)', async () => {
    const dir = await tempDir();
    const file = join(dir, "it's a file");
    const odd = `a 'quoted' "word" $HOME \`id\` *\nsecond line`;
    const script = stepsScript(
      [
        { description: 'write', argv: ['/bin/sh', '-c', 'printf "%s" "$1" > "$2"', 'step', odd, file] },
        { description: 'append', argv: ['sh', '-c', 'printf "|%s" "$1" >> "$2"', 'step', 'two', file] },
      ],
      PATH,
    );
    const outcome = await run(script);
    expect(outcome.exitCode, outcome.stderr).to.equal(0);
    expect(await readFile(file, 'utf8')).to.equal(`${odd}|two`);
  });

  it('stops at the first step that fails, exit 125, and says which', async () => {
    const dir = await tempDir();
    const script = stepsScript(
      [
        { description: 'fail on purpose', argv: ['false'] },
        { description: 'never', argv: ['touch', join(dir, 'ran')] },
      ],
      PATH,
    );
    const outcome = await run(script);
    expect(outcome.exitCode).to.equal(ENTER_FAILED);
    expect(outcome.stderr).to.include('set-up step failed: fail on purpose');
    expect((await realProcesses.capture(['ls', '-A', dir])).stdout).to.equal('');
  });

  it("finds each program on twinbuild's PATH, not the shell's", async () => {
    const script = stepsScript([{ description: 'where', argv: ['true'] }], PATH);
    expect(script.startsWith("'/")).to.equal(true); // an absolute path
  });
});
