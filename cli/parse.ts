// Parsers for flag and config values: each returns a typed value or throws a usage error (exit 2).
import { isAbsolute } from 'node:path';
import { TwinbuildError, usageError } from '../core/errors.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `30m`, `90s`, `1h`, `500ms`, or a bare number of seconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw usageError(`${flag} expects a duration like 30m, 90s or 1h, got "${text}"`);
  const ms = Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000);
  if (ms <= 0) throw usageError(`${flag} must be positive`);
  return Math.round(ms);
}

export function parsePositiveInt(text: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) throw usageError(`${flag} expects a whole number from 1 to ${max}, got "${text}"`);
  return Number(text);
}

// Note: patterns are relative to the build directory; one that is absolute or
// climbs out with `..` would compare files twinbuild does not own.
export function validateArtifactGlob(pattern: string): string {
  const segments = pattern.split('/');
  if (isAbsolute(pattern) || segments.includes('..') || pattern.startsWith('~')) {
    throw new TwinbuildError('glob-escapes-tree', `artifact glob "${pattern}" escapes the build tree; use a pattern relative to the source, like "out/**"`);
  }
  if (pattern.trim() === '') throw usageError('artifact glob is empty');
  return pattern;
}

export function parseEnvAssignment(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(text.slice(0, eq))) throw usageError(`--env expects NAME=VALUE, got "${text}"`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}
