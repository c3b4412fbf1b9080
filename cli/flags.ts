// The one flag table: every flag of every command, each defined once. A command
// takes the ones it accepts by name, so a flag shared by check, sweep and verify
// means the same everywhere.
import { parseArgs } from 'node:util';
import { orDidYouMean } from '../core/suggest.js';
import type { IsolationChoice } from '../engine/options.js';
import { REPORTER_NAMES } from '../reports/registry.js';
import { PRESETS } from '../suites/presets.js';
import { VARIATION_NAMES } from '../variations/index.js';

export const FLAGS = {
  // How to build one package (check, verify).
  build: { type: 'string' },
  artifacts: { type: 'string', multiple: true },
  preset: { type: 'string' },
  'ignore-scripts': { type: 'boolean' },
  'rpm-reproducible-macros': { type: 'boolean' },
  // debian preset: run the package's tests (check, sweep; default nocheck).
  'with-tests': { type: 'boolean' },
  // How to run (check, sweep, verify).
  vary: { type: 'string', multiple: true },
  // reprotest's: the variations to vary, starting from none (the last one counts); --vary adds to it.
  variations: { type: 'string', multiple: true },
  seed: { type: 'string' },
  env: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  jobs: { type: 'string' },
  out: { type: 'string' },
  isolation: { type: 'string' },
  keep: { type: 'boolean' },
  // The build sandbox (docs/sandbox.md).
  network: { type: 'boolean' },
  'allow-unsandboxed': { type: 'boolean' },
  'max-processes': { type: 'string' },
  'max-memory': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  reporter: { type: 'string', multiple: true },
  'no-bisect': { type: 'boolean' },
  'bisect-budget': { type: 'string' },
  'no-diffoscope': { type: 'boolean' },
  'diffoscope-timeout': { type: 'string' },
  'diffoscope-arg': { type: 'string', multiple: true },
  // check: where the time of one check goes, step by step, on stderr
  profile: { type: 'boolean' },
  // The user's own known issue types, added to twinbuild's catalogue (check, sweep, verify, explain).
  'issue-types': { type: 'string', multiple: true },
  // sweep
  config: { type: 'string' },
  shard: { type: 'string' },
  'changed-since': { type: 'string' },
  baseline: { type: 'string' },
  // verify
  published: { type: 'string', multiple: true },
  buildinfo: { type: 'string' },
  'signing-key': { type: 'string' },
  dir: { type: 'string' },
  // doctor, variations, hook
  install: { type: 'boolean' },
  'pre-push': { type: 'boolean' },
  force: { type: 'boolean' },
  repo: { type: 'string' },
  // rebuilder, layout
  once: { type: 'boolean' },
  worker: { type: 'boolean' },
  status: { type: 'boolean' },
  retry: { type: 'string', multiple: true },
  'rebuilder-key': { type: 'string', multiple: true },
  'sign-key': { type: 'string' },
  threshold: { type: 'string' },
  packages: { type: 'string' },
  expires: { type: 'string' },
} as const;

export type FlagName = keyof typeof FLAGS;

export const ISOLATIONS: readonly IsolationChoice[] = ['auto', 'namespaces', 'sequential'];

const VARY_WORDS = ['all', ...VARIATION_NAMES].flatMap((name) => [`+${name}`, `-${name}`]);

/**
 * The words a flag's value is one of (or, for a comma-separated list, each item):
 * what the parsers accept and what the shell completions offer (scripts/gen-docs.mjs).
 */
export const FLAG_VALUES: Readonly<Partial<Record<FlagName, Readonly<{ words: readonly string[]; list: boolean }>>>> = {
  preset: { words: PRESETS, list: false },
  reporter: { words: REPORTER_NAMES, list: true },
  isolation: { words: ISOLATIONS, list: false },
  vary: { words: VARY_WORDS, list: true },
  variations: { words: VARY_WORDS, list: true },
  packages: { words: ['deb', 'rpm'], list: false },
};

/** The run flags check, sweep and verify share. */
export const RUN_FLAGS = [
  'vary',
  'variations',
  'seed',
  'env',
  'timeout',
  'jobs',
  'out',
  'isolation',
  'network',
  'max-processes',
  'max-memory',
  'keep',
  'json',
  'quiet',
  'reporter',
  'no-bisect',
  'no-diffoscope',
  'diffoscope-timeout',
  'diffoscope-arg',
  'bisect-budget',
  'issue-types',
] as const satisfies readonly FlagName[];

export const RECIPE_FLAGS = [
  'build',
  'artifacts',
  'preset',
  'ignore-scripts',
  'rpm-reproducible-macros',
] as const satisfies readonly FlagName[];

type Table<K extends FlagName> = { [N in K]: (typeof FLAGS)[N] };

// Note: parseArgs takes `--jobs -5` for two flags and says so in three lines;
// a negative number after a flag that takes a value is that flag's value, so its
// own parser refuses it in one line naming the flag.
export const withNegativeValues = (args: readonly string[], names: readonly FlagName[]) =>
  args.flatMap((arg, i) => {
    const flag = arg.startsWith('--') ? (arg.slice(2) as FlagName) : null;
    if (flag && names.includes(flag) && FLAGS[flag].type === 'string' && /^-\d/.test(args[i + 1] ?? ''))
      return [`${arg}=${args[i + 1]}`];
    const previous = args[i - 1] ?? '';
    const taken =
      previous.startsWith('--') &&
      names.includes(previous.slice(2) as FlagName) &&
      FLAGS[previous.slice(2) as FlagName].type === 'string' &&
      /^-\d/.test(arg);
    return taken ? [] : [arg];
  });

/** parseArgs over the named flags only (strict: any other flag is a usage error). */
export function parseFlags<K extends FlagName>(args: string[], names: readonly K[]) {
  const options = Object.fromEntries(names.map((n) => [n, FLAGS[n]])) as Table<K>;
  try {
    return parseArgs({ args: withNegativeValues(args, names), options, allowPositionals: true, strict: true });
  } catch (error) {
    throw oneLine(error, names);
  }
}

/** A flag parse error, one line, for the command's "twinbuild NAME: …" message (code kept: ERR_PARSE_ARGS_*). */
export class FlagError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// Note: Node's parser says "Unknown option '--bulid'. To specify a positional
// argument starting with a '-', place it at the end…" in one breath; a user wants
// the flag and the nearest one this command takes.
export function oneLine(error: unknown, names: readonly string[]): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (
    error instanceof FlagError ||
    !(error instanceof Error) ||
    typeof code !== 'string' ||
    !code.startsWith('ERR_PARSE_ARGS')
  )
    return error;
  const unknown = /^Unknown option '([^']+)'/.exec(error.message);
  if (unknown) {
    const given = unknown[1]!;
    const bare = given.replace(/^-+/, '').replace(/=.*$/, '');
    return new FlagError(code, `unknown option ${given}${orDidYouMean(bare, names, '--')}`);
  }
  // "--out -x": Node's three lines end with the fix; keep it, in one line.
  const ambiguous = /^Option '([^']+)' argument is ambiguous/.exec(error.message);
  if (ambiguous)
    return new FlagError(
      code,
      `option ${ambiguous[1]} argument is ambiguous: did you forget its value? A value starting with a dash is ` +
        `written ${ambiguous[1]}=-XYZ`,
    );
  return new FlagError(code, error.message.split('\n')[0]!.replace(/\.\s*To specify a positional argument.*$/, ''));
}

export type ParsedFlags<K extends FlagName> = ReturnType<typeof parseFlags<K>>['values'];
