// The layers as a test: dependency-cruiser's rules (.dependency-cruiser.cjs) and
// the one rule it cannot see, that only the CLI reads the environment, the
// working directory and argv.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fg from 'fast-glob';
import { realProcesses } from '../adapters/process.js';
import { REPO_ROOT } from './helpers.js';

const LAYERS = ['core', 'adapters', 'variations', 'reports', 'engine', 'attest', 'suites', 'rebuilder', 'cli'];

/** `process.env`, `process.cwd()`, `process.argv` and os.tmpdir() (which reads TMPDIR), code only (comments skipped). */
export function ambientReads(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return [...code.matchAll(/\bprocess\.(env|cwd|argv)\b|\btmpdir\(\)/g)].map((m) => m[0]);
}

describe('architecture', function () {
  this.timeout(120_000);

  it('follows the layer rules: no cycles, no upward imports, only adapters/process.ts spawns', async () => {
    const run = await realProcesses.capture(
      [
        join(REPO_ROOT, 'node_modules', '.bin', 'depcruise'),
        '--config',
        join(REPO_ROOT, '.dependency-cruiser.cjs'),
        '--output-type',
        'err',
        ...LAYERS,
      ],
      {
        timeoutMs: 120_000,
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/root' },
        cwd: REPO_ROOT,
      },
    );
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout + run.stderr).to.match(/no dependency violations found \(\d{2,} modules/);
  });

  it('reads env, cwd and argv only in cli/', async () => {
    const files = await fg(
      LAYERS.filter((l) => l !== 'cli').map((l) => `${l}/**/*.ts`),
      { cwd: REPO_ROOT },
    );
    expect(files.length).to.be.greaterThan(50);
    const offenders: string[] = [];
    for (const file of files) {
      for (const read of ambientReads(await readFile(join(REPO_ROOT, file), 'utf8')))
        offenders.push(`${file}: ${read}`);
    }
    expect(offenders).to.deep.equal([]);
  });

  it('the scan itself sees a read in code and ignores one in a comment', () => {
    expect(
      ambientReads("const a = process.env['X'];\n// process.cwd() in a comment\nconst t = tmpdir();"),
    ).to.deep.equal(['process.env', 'tmpdir()']);
  });
});
