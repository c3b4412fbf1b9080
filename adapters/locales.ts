// glibc's locale tools: whether a locale loads, and compiling one into a private directory.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { delimiter } from 'node:path';
import { findExecutable, type CaptureOutcome, type ProcessRunner } from './process.js';
import { readCached, writeCached } from './user-cache.js';

// One shell asks for every name, all at once: a process started from twinbuild costs
// far more than the shell's own fork (node's spawns are most of a check's fixed CPU).
// Each line is "INDEX CHARMAP", one short write, so lines never mix.
const CHARMAPS =
  'i=0; for name; do i=$((i + 1)); ' +
  '(printf "%s %s\\n" "$i" "$(LC_ALL=$name locale charmap 2>/dev/null)") & done; wait';

/** A charset's name as glibc matches it: "UTF-8", "utf8" and "UTF8" are one. */
export const charsetKey = (charset: string) => charset.replace(/[^a-z0-9]/gi, '').toLowerCase();

/** Whether each name loads: glibc reports the name's own charset under it, not ASCII's. */
export const loadsAs = (names: readonly string[], shown: readonly string[]): boolean[] =>
  names.map((name, i) => charsetKey(shown[i] ?? '') === charsetKey(name.split('.')[1] ?? 'UTF-8'));

/** Names of the kept answers in twinbuild's cache dir. */
export const LOCALES_CACHE_NAME = /^locales-[0-9a-f]{32}\.txt$/;

// Where glibc finds installed locales, and the program that asks it: a change to any
// (a locale generated or removed, glibc upgraded) names another file.
const LOCALE_FILES = ['/usr/lib/locale/locale-archive', '/usr/lib/locale'];

// An answer in which every name loads holds until the machine reboots or what it was
// read from changes: the file is named by the boot id, the uid, the names, the PATH,
// where `locale` is on it, and that program's and glibc's locale files' identity and
// times. Any other answer is never kept. Note: the effectiveness probe still shows,
// in every check, whether the experiment's locale reached the build.
async function keptAnswerName(names: readonly string[], path: string): Promise<string | null> {
  const boot = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => null);
  const program = findExecutable('locale', path.split(delimiter).filter(Boolean));
  if (!boot || !program) return null;
  const seen = await Promise.all(
    [program, ...LOCALE_FILES].map((file) =>
      stat(file, { bigint: true })
        .then((s) => `${file} ${s.dev} ${s.ino} ${s.size} ${s.mtimeNs} ${s.ctimeNs}`)
        .catch(() => `${file} -`),
    ),
  );
  const key = createHash('sha256')
    .update([boot.trim(), String(process.getuid?.() ?? 0), path, ...names, ...seen].join('\0'))
    .digest('hex');
  return `locales-${key.slice(0, 32)}.txt`;
}

/**
 * The charset glibc reports under LC_ALL=NAME (ASCII's when it does not load), for
 * each name in order; with a cache dir, an answer where every name loads is kept there.
 */
export async function localeCharmaps(
  runner: ProcessRunner,
  names: readonly string[],
  path: string,
  cacheDir: string | null = null,
): Promise<string[]> {
  if (names.length === 0) return [];
  const kept = cacheDir ? await keptAnswerName(names, path) : null;
  const cached = cacheDir && kept ? await readCached(cacheDir, kept) : null;
  const fromCache = cached?.toString('utf8').split('\n').slice(0, names.length);
  if (fromCache && fromCache.length === names.length && loadsAs(names, fromCache).every(Boolean)) return fromCache;
  const { stdout } = await runner.capture(['/bin/sh', '-c', CHARMAPS, 'twinbuild-locales', ...names], {
    env: { PATH: path },
  });
  const shown = new Map(stdout.split('\n').map((line) => [line.split(' ')[0], line.slice(line.indexOf(' ') + 1)]));
  const charmaps = names.map((_, i) => (shown.get(String(i + 1)) ?? '').trim());
  if (cacheDir && kept && loadsAs(names, charmaps).every(Boolean))
    await writeCached(cacheDir, kept, charmaps.join('\n') + '\n').catch(() => false);
  return charmaps;
}

export function compileLocale(
  runner: ProcessRunner,
  input: string,
  charset: string,
  dest: string,
): Promise<CaptureOutcome> {
  return runner.capture(['localedef', '-i', input, '-f', charset, dest], { timeoutMs: 60_000 });
}
