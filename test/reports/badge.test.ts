import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { check, cleanupTemp, EXAMPLES, runCli, tempDir } from '../helpers.js';

describe('twinbuild report badge', function () {
  after(cleanupTemp);

  it('writes a well-formed SVG badge with the reproducible count', async () => {
    const run = await check(join(EXAMPLES, 'reproducible'));
    const svg = join(await tempDir(), 'badge.svg');
    const made = await runCli(['report', 'badge', join(run.out, 'results.json'), '--out', svg], { withOut: false });
    expect(made.exitCode, made.stderr).to.equal(0);
    const text = await readFile(svg, 'utf8');
    expect(text).to.include('reproducible: 1/1');
    expect(text).to.include('#2e7d32');
    expect((await realProcesses.capture(['xmllint', '--noout', svg])).exitCode).to.equal(0);
  });

  it('exits 2 with a message for a file that is not a results.json', async () => {
    const bogus = join(await tempDir(), 'x.json');
    await writeFile(bogus, '{"hello": 1}');
    const run = await runCli(['report', 'badge', bogus, '--out', join(await tempDir(), 'b.svg')], { withOut: false });
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.match(/is not a twinbuild results file/);
  });
});
