// Formatting and lint as a test, so CI enforces them: Prettier owns the layout of
// every code file (.prettierrc.json), typescript-eslint's type-aware rules catch
// the promise bugs an engine of Promise.all and abort signals is prone to.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../adapters/process.js';
import { REPO_ROOT } from './helpers.js';

/** Prettier wraps at 120; this catches the strings and comments it cannot wrap. */
const MAX_LINE = 140;
const bin = (name: string) => join(REPO_ROOT, 'node_modules', '.bin', name);
const run = (argv: string[], input?: string) =>
  realProcesses.capture(argv, {
    timeoutMs: 300_000,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/root' },
    cwd: REPO_ROOT,
    ...(input === undefined ? {} : { input }),
  });

describe('style', function () {
  this.timeout(300_000);

  it('every code file is formatted by Prettier (fix: npx prettier --write .)', async () => {
    const result = await run([bin('prettier'), '--check', '.']);
    expect(result.exitCode, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.include('All matched files use Prettier code style');
  });

  it('ESLint with the type-aware rules finds nothing (fix: npx eslint . --fix, then by hand)', async () => {
    const result = await run([bin('eslint'), '--max-warnings', '0', '.']);
    expect(result.exitCode, result.stdout + result.stderr).to.equal(0);
  });

  it('the linter does fail on a floating promise and a non-exhaustive switch', async () => {
    const probe = [
      'export async function save(): Promise<void> {}',
      'export function caller(): void {',
      '  save();',
      '}',
      "export function name(kind: 'a' | 'b'): string {",
      '  switch (kind) {',
      "    case 'a':",
      "      return 'A';",
      '  }',
      "  return '?';",
      '}',
      '',
    ].join('\n');
    const result = await run([bin('eslint'), '--stdin', '--stdin-filename', 'lint-probe.ts'], probe);
    expect(result.exitCode).to.equal(1);
    expect(result.stdout).to.include('@typescript-eslint/no-floating-promises');
    expect(result.stdout).to.include('@typescript-eslint/switch-exhaustiveness-check');
  });

  it('no line of our own code is longer than 140 characters (the generated bundle and JSON data aside)', async () => {
    const listed = await run(['git', 'ls-files', '-z']);
    expect(listed.exitCode, listed.stderr).to.equal(0);
    const code = listed.stdout
      .split('\0')
      .filter((path) => /\.(ts|mts|js|mjs|cjs|py|sh)$/.test(path) || path === '.ci/run')
      .filter((path) => !path.startsWith('dist/'));
    expect(code.length, 'no code files listed').to.be.greaterThan(50);
    const long: string[] = [];
    for (const path of code) {
      const lines = (await readFile(join(REPO_ROOT, path), 'utf8')).split('\n');
      lines.forEach((line, index) => {
        if (line.length > MAX_LINE) long.push(`${path}:${index + 1} (${line.length})`);
      });
    }
    expect(long, 'split these lines').to.deep.equal([]);
  });
});
