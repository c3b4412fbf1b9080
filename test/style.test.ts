// Formatting and lint as a test, so CI enforces them: Prettier owns the layout of
// every code file (.prettierrc.json), typescript-eslint's type-aware rules catch
// the promise bugs an engine of Promise.all and abort signals is prone to.
import { expect } from 'chai';
import { join } from 'node:path';
import { realProcesses } from '../adapters/process.js';
import { REPO_ROOT } from './helpers.js';

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
});
