// -V/--version, help for help, and "did you mean" for mistyped option values and top-level options.
import { expect } from 'chai';
import { join } from 'node:path';
import { cleanupTemp, EXAMPLES, runCli } from '../helpers.js';
import { VERSION } from '../../core/paths.js';

const cli = (...args: string[]) => runCli(args, { withOut: false });

describe('cli: version, help for help, and typos', function () {
  after(cleanupTemp);

  for (const flag of ['-V', '--version']) {
    it(`${flag} prints the version on stdout and exits 0`, async () => {
      const run = await cli(flag);
      expect(run.exitCode, run.stderr).to.equal(0);
      expect(run.stdout).to.equal(VERSION);
    });
  }

  it('the main help names -V', async () => {
    expect((await cli('--help')).stdout).to.match(/"twinbuild -V" \(--version\)/);
  });

  for (const args of [
    ['help', '--help'],
    ['help', '-h'],
  ]) {
    it(`twinbuild ${args.join(' ')} prints the main help and exits 0`, async () => {
      const run = await cli(...args);
      expect(run.exitCode, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^Usage: twinbuild <command> \[options\]$/m);
      expect(run.stderr).to.equal('');
    });
  }

  it('--versoin: unknown option, did you mean --version (exit 2, one line)', async () => {
    const run = await cli('--versoin');
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.match(/^twinbuild: unknown option --versoin; did you mean --version\? .*$/);
    expect(run.stderr).not.to.include('\n');
  });

  const valueCases: readonly [string[], string][] = [
    [
      ['--isolation', 'namespace'],
      'twinbuild: --isolation expects auto, namespaces or sequential, got "namespace"; did you mean namespaces?',
    ],
    [
      ['--reporter', 'junitt'],
      'twinbuild: --reporter expects json, junit, html, badge or console, got "junitt"; did you mean junit?',
    ],
    [['--reporter', 'html,pdf'], 'twinbuild: --reporter expects json, junit, html, badge or console, got "pdf"'],
  ];
  for (const [extra, said] of valueCases) {
    it(`check ${extra.join(' ')}: exit 2, "${said.slice(11, 60)}…"`, async () => {
      const run = await runCli([
        'check',
        join(EXAMPLES, 'reproducible'),
        '--build',
        'true',
        '--artifacts',
        'x',
        ...extra,
      ]);
      expect(run.exitCode).to.equal(2);
      expect(run.stderr).to.equal(said);
    });
  }
});
