// glibc's locale tools: whether a locale loads, and compiling one into a private directory.
import type { CaptureOutcome, ProcessRunner } from './process.js';

/** The charset glibc reports under LC_ALL=name (ASCII's when the locale does not load). */
export async function localeCharmap(
  runner: ProcessRunner,
  name: string,
  path: string,
  localePath?: string,
): Promise<string> {
  const env = { PATH: path, LC_ALL: name, ...(localePath ? { LOCPATH: localePath } : {}) };
  return (await runner.capture(['locale', 'charmap'], { env })).stdout.trim();
}

export function compileLocale(
  runner: ProcessRunner,
  input: string,
  charset: string,
  dest: string,
): Promise<CaptureOutcome> {
  return runner.capture(['localedef', '-i', input, '-f', charset, dest], { timeoutMs: 60_000 });
}
