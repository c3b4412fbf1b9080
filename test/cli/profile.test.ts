// check --profile: one check broken into its steps on stderr; --version without the bundle.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { describe as describeCommand } from '../../cli/profile.js';
import { CLI, cleanupTemp, fixture, REPO_ROOT, runCli } from '../helpers.js';

// "   start    took  step" rows: two numbers (the second may be blank) and a label.
const rows = (stderr: string) =>
  stderr
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d*)\s\s(.+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ start: Number(m[1]), took: m[2] === '' ? null : Number(m[2]), label: m[3]! }));

describe('check --profile', function () {
  after(cleanupTemp);

  it('lists node start, module load, every phase, each process started and the reports, in order', async () => {
    const source = await fixture('echo hi > out/a.txt');
    const run = await runCli([
      'check',
      source,
      '--build',
      'sh build.sh',
      '--artifacts',
      'out/**',
      '--quiet',
      '--profile',
    ]);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^reproducible: pkg/);
    expect(run.stderr).to.match(
      /^twinbuild profile: ms since node started \(\d+ ms in all; node's own CPU \d+ ms\)\n/m,
    );
    const steps = rows(run.stderr);
    const labels = steps.map((s) => s.label);
    for (const expected of ['node start', 'module load', 'phase prepare', 'phase build', 'phase compare', 'reports'])
      expect(labels, run.stderr).to.include(expected);
    expect(
      labels.some((l) => l.startsWith('run: unshare') && l.includes('enter.sh')),
      run.stderr,
    ).to.equal(true);
    expect(labels.filter((l) => l.endsWith('build started'))).to.have.length(2);
    // Sorted by start; each phase starts after the one before it.
    expect(steps.map((s) => s.start)).to.deep.equal([...steps.map((s) => s.start)].sort((a, b) => a - b));
    const at = (label: string) => steps.find((s) => s.label === label)!.start;
    expect(at('phase prepare')).to.be.below(at('phase build'));
    expect(at('phase build')).to.be.below(at('phase compare'));
    expect(at('phase compare')).to.be.below(at('reports'));
  });

  it('is a check flag only: sweep refuses it as unknown (exit 2)', async () => {
    const run = await runCli(['sweep', '.', '--profile']);
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.match(/--profile/);
  });

  it('names a spawned command by its programs and first operands, paths shortened', () => {
    expect(describeCommand(['/usr/bin/chown', '-R', '1:1', '/tmp/twinbuild-1-x/control'])).to.equal(
      'chown 1:1 control',
    );
    expect(describeCommand(['cc', '-shared', '-o', '/a/b.so', '/a/b.c'])).to.equal('cc b.so b.c');
  });
});

describe('twinbuild --version', function () {
  it("answers from package.json, as main's --version does", async () => {
    const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const fast = await realProcesses.capture(['node', CLI, '--version']);
    const viaMain = await realProcesses.capture([
      'node',
      '--input-type=module',
      '-e',
      `const { main } = await import(${JSON.stringify(join(REPO_ROOT, 'dist', 'cli', 'main.js'))}); await main(['--version']);`,
    ]);
    expect(fast).to.include({ exitCode: 0, stdout: version });
    expect(viaMain).to.include({ exitCode: 0, stdout: version });
    expect((await realProcesses.capture(['node', CLI, '-V'])).stdout).to.equal(version);
  });
});
