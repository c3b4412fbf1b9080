// glibc's locale tools: whether a locale loads, and compiling one into a private directory.
import type { CaptureOutcome, ProcessRunner } from './process.js';

// One shell asks for every name, all at once: a process started from twinbuild costs
// far more than the shell's own fork (node's spawns are most of a check's fixed CPU).
// Each line is "INDEX CHARMAP", one short write, so lines never mix.
const CHARMAPS =
  'i=0; for name; do i=$((i + 1)); ' +
  '(printf "%s %s\\n" "$i" "$(LC_ALL=$name locale charmap 2>/dev/null)") & done; wait';

/** The charset glibc reports under LC_ALL=NAME (ASCII's when it does not load), for each name in order. */
export async function localeCharmaps(runner: ProcessRunner, names: readonly string[], path: string): Promise<string[]> {
  if (names.length === 0) return [];
  const { stdout } = await runner.capture(['/bin/sh', '-c', CHARMAPS, 'twinbuild-locales', ...names], {
    env: { PATH: path },
  });
  const shown = new Map(stdout.split('\n').map((line) => [line.split(' ')[0], line.slice(line.indexOf(' ') + 1)]));
  return names.map((_, i) => (shown.get(String(i + 1)) ?? '').trim());
}

export function compileLocale(
  runner: ProcessRunner,
  input: string,
  charset: string,
  dest: string,
): Promise<CaptureOutcome> {
  return runner.capture(['localedef', '-i', input, '-f', charset, dest], { timeoutMs: 60_000 });
}
