// Check options, normalised once at the edge into a frozen object.
import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import type { VarySpec } from '../variations/spec.js';
import { TwinbuildError, usageError } from '../core/errors.js';

export type IsolationChoice = 'auto' | 'namespaces' | 'sequential';

export type CheckOptions = Readonly<{
  /** A source directory, or a Debian `.dsc` file (with `dsc`). */
  source: string;
  name: string;
  preset: 'generic' | 'debian' | 'npm';
  build: string;
  /** Globs relative to the side's directory: the source itself, or its parent when `subdir` is set. */
  artifacts: readonly string[];
  /** Put the source in this subdirectory of the side's directory (debian: `../*.deb` stays inside). */
  subdir: string | null;
  dsc: boolean;
  vary: VarySpec;
  seed: number;
  jobs: number;
  timeoutMs: number;
  outDir: string;
  /** Extra variables for both sides. */
  env: Readonly<Record<string, string>>;
  isolation: IsolationChoice;
  diffoscope: Readonly<{ enabled: boolean; timeoutMs: number; maxReportBytes: number; extraArgs: readonly string[] }>;
  /** Name the variations that cause a difference (probe builds); on by default. */
  bisect: boolean;
  keep: boolean;
  json: boolean;
  quiet: boolean;
}>;

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

export const defaultJobs = () => Math.max(1, availableParallelism());

export const freezeOptions = (options: CheckOptions): CheckOptions =>
  Object.freeze({
    ...options,
    artifacts: Object.freeze([...options.artifacts]),
    env: Object.freeze({ ...options.env }),
    diffoscope: Object.freeze({ ...options.diffoscope, extraArgs: Object.freeze([...options.diffoscope.extraArgs]) }),
  });

export const DEFAULT_DIFFOSCOPE = Object.freeze({ enabled: true, timeoutMs: 5 * 60_000, maxReportBytes: 20 * 1024 * 1024, extraArgs: Object.freeze([]) });
