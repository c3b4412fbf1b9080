// Parsers for flag and config values: each returns a typed value or throws a usage error (exit 2).
import { isAbsolute } from 'node:path';
import { TwinbuildError, usageError } from '../core/errors.js';
import { orDidYouMean } from '../core/suggest.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The longest duration accepted (--timeout, --diffoscope-timeout, a config
 * timeout): 7 days. Node's timers overflow above 2^31-1 ms (about 24.8 days)
 * and then fire after 1 ms.
 */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;
/** The shortest: 1 ms. Anything shorter would round to 0, which means "no timeout" to a timer. */
export const MIN_DURATION_MS = 1;

/** `30m`, `90s`, `1h`, `500ms`, or a bare number of seconds; from 1ms to 168h. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw usageError(`${flag} expects a duration like 30m, 90s or 1h, got "${text}"`);
  const ms = Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000);
  if (ms <= 0) throw usageError(`${flag} must be positive`);
  if (ms < MIN_DURATION_MS) throw usageError(`${flag} must be at least 1ms, got "${text}"`);
  if (ms > MAX_DURATION_MS) throw usageError(`${flag} must be at most 168h (7 days), got "${text}"`);
  return Math.round(ms);
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** A size like 512M, 16G or 1048576 (bytes), at least 1 MiB. */
export function parseSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMGT]?)i?B?$/i.exec(text.trim());
  if (!match) throw usageError(`${flag} expects a size like 512M or 16G, got "${text}"`);
  const bytes = Math.round(Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toUpperCase()] ?? 1));
  if (bytes < 1024 ** 2) throw usageError(`${flag} must be at least 1M, got "${text}"`);
  return bytes;
}

/** One of a fixed set of words (--isolation, --reporter, --packages…); a typo gets "did you mean". */
export function parseChoice<T extends string>(text: string, flag: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  const listed = choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}` : choices.join('');
  throw usageError(`${flag} expects ${listed}, got "${text.slice(0, 100)}"${orDidYouMean(text, choices)}`);
}

export function parsePositiveInt(text: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw usageError(`${flag} expects a whole number from 1 to ${max}, got "${text}"`);
  return Number(text);
}

/**
 * The most bytes one build command, variable value or artifact glob may hold:
 * 64 KiB. The kernel refuses any single exec argument or variable over 128 KiB
 * (E2BIG) and all of them together over about 2 MB, which would fail only after
 * the setup.
 */
export const MAX_VALUE_BYTES = 64 * 1024;
/** The most bytes the build command and all variables may hold together: 1 MiB. */
export const MAX_TOTAL_VALUE_BYTES = 1024 * 1024;

/** Refuses a value too big to pass to a build (exit 2), naming what it is. */
export function checkValueSize(value: string, what: string): string {
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_VALUE_BYTES)
    throw usageError(`${what} is ${bytes} bytes; at most ${MAX_VALUE_BYTES} (64 KiB) are allowed`);
  return value;
}

// Note: patterns are relative to the build directory; one that is absolute or
// climbs out with `..` would compare files twinbuild does not own.
export function validateArtifactGlob(pattern: string): string {
  checkValueSize(pattern, `artifact glob "${pattern.slice(0, 40)}…"`);
  const segments = pattern.split('/');
  if (isAbsolute(pattern) || segments.includes('..') || pattern.startsWith('~')) {
    throw new TwinbuildError(
      'glob-escapes-tree',
      `artifact glob "${pattern}" escapes the build tree; use a pattern relative to the source, like "out/**"`,
    );
  }
  if (pattern.trim() === '') throw usageError('artifact glob is empty');
  return pattern;
}

export function parseEnvAssignment(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(text.slice(0, eq)))
    throw usageError(`--env expects NAME=VALUE, got "${text.slice(0, 200)}"`);
  checkValueSize(text.slice(eq + 1), `--env ${text.slice(0, eq)}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** The longest package name: it names a directory (at most 255 bytes) with room for suffixes. */
export const MAX_NAME_CHARS = 200;

/** A package name must be usable as one directory name: no "/", no NUL, not too long. */
export function validatePackageName(name: string, where: string): string {
  if (name.length > MAX_NAME_CHARS || Buffer.byteLength(name) > MAX_NAME_CHARS) {
    throw new TwinbuildError(
      'config',
      `${where}: package name is ${name.length} characters long; at most ${MAX_NAME_CHARS} are allowed`,
    );
  }
  if (name === '' || name === '.' || name === '..' || /[/\u0000]/.test(name)) {
    throw new TwinbuildError(
      'config',
      `${where}: package name "${name.replace(/\u0000/g, '\\0')}" cannot name a directory (no "/", NUL, "." or "..")`,
    );
  }
  return name;
}
