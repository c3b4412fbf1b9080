// The words that rerun a package: the user's own, less --seed in any form, order and
// quoting kept; for a package of a sweep, its config entry as flags and the sweep's
// flags a check shares.
import { expect } from 'chai';
import { commandRerun, sweepPackageRerun } from '../../cli/rerun.js';
import { RECIPE_FLAGS, RUN_FLAGS, type FlagName } from '../../cli/flags.js';

const CHECK: readonly FlagName[] = [...RUN_FLAGS, ...RECIPE_FLAGS, 'with-tests'];
const SWEEP: readonly FlagName[] = [...RUN_FLAGS, 'config', 'shard', 'changed-since', 'baseline', 'with-tests'];

describe('cli/rerun', () => {
  it("keeps the user's words in their order and takes out --seed, written either way", () => {
    expect(commandRerun('check', ['.', '--preset', 'debian', '--seed', '42', '--keep'], CHECK)).to.deep.equal([
      'twinbuild',
      'check',
      '.',
      '--preset',
      'debian',
      '--keep',
    ]);
    expect(commandRerun('check', ['--seed=7', '--vary=-time', 'src'], CHECK)).to.deep.equal([
      'twinbuild',
      'check',
      '--vary=-time',
      'src',
    ]);
  });

  it('leaves "--seed" inside another flag\'s value alone, and names a dashed SOURCE without "--"', () => {
    expect(commandRerun('check', ['--build=--seed 3', '--env', 'A=--seed', '--', '-src'], CHECK)).to.deep.equal([
      'twinbuild',
      'check',
      '--build=--seed 3',
      '--env',
      'A=--seed',
      './-src',
    ]);
  });

  it("gives a sweep's package its config entry as flags, then the sweep's flags a check shares", () => {
    const pkg = {
      name: 'leaky',
      source: '/work/repo/pkgs/leaky',
      recipe: {
        build: 'sh build.sh',
        artifacts: ['out/**', '-odd/*'],
        vary: '-time',
        timeout: '5m',
        env: { GREETING: 'hello world' },
      },
    };
    const args = [
      '.',
      '--config',
      'c.json',
      '--jobs',
      '2',
      '--out',
      'o',
      '--seed',
      '7',
      '--timeout',
      '1m',
      '--no-bisect',
    ];
    expect(sweepPackageRerun(pkg, args, SWEEP, '/work')).to.deep.equal([
      'twinbuild',
      'check',
      'repo/pkgs/leaky',
      '--build',
      'sh build.sh',
      '--artifacts',
      'out/**',
      '--artifacts=-odd/*',
      '--vary=-time',
      '--timeout',
      '5m',
      '--env',
      'GREETING=hello world',
      '--no-bisect',
    ]);
    // The sweep's --vary replaces the entry's; with no timeout of its own, the sweep's applies.
    const plain = { ...pkg, recipe: { build: 'make', vary: '-time' } };
    expect(sweepPackageRerun(plain, ['--vary=-all,+umask', '--timeout', '1m'], SWEEP, '/elsewhere')).to.deep.equal([
      'twinbuild',
      'check',
      '/work/repo/pkgs/leaky',
      '--build',
      'make',
      '--vary=-all,+umask',
      '--timeout',
      '1m',
    ]);
  });
});
