// The one flag table: every flag of every command, each defined once. A command
// takes the ones it accepts by name, so a flag shared by check, sweep and verify
// means the same everywhere.
import { parseArgs } from 'node:util';

export const FLAGS = {
  // How to build one package (check, verify).
  build: { type: 'string' },
  artifacts: { type: 'string', multiple: true },
  preset: { type: 'string' },
  // How to run (check, sweep, verify).
  vary: { type: 'string', multiple: true },
  seed: { type: 'string' },
  env: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  jobs: { type: 'string' },
  out: { type: 'string' },
  isolation: { type: 'string' },
  keep: { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  reporter: { type: 'string', multiple: true },
  'no-bisect': { type: 'boolean' },
  'no-diffoscope': { type: 'boolean' },
  'diffoscope-timeout': { type: 'string' },
  'diffoscope-arg': { type: 'string', multiple: true },
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
  retry: { type: 'string', multiple: true },
  'rebuilder-key': { type: 'string', multiple: true },
  threshold: { type: 'string' },
  expires: { type: 'string' },
} as const;

export type FlagName = keyof typeof FLAGS;

/** The run flags check, sweep and verify share. */
export const RUN_FLAGS = [
  'vary', 'seed', 'env', 'timeout', 'jobs', 'out', 'isolation', 'keep', 'json', 'quiet', 'reporter', 'no-bisect', 'no-diffoscope', 'diffoscope-timeout', 'diffoscope-arg',
] as const satisfies readonly FlagName[];

export const RECIPE_FLAGS = ['build', 'artifacts', 'preset'] as const satisfies readonly FlagName[];

type Table<K extends FlagName> = { [N in K]: (typeof FLAGS)[N] };

// Note: parseArgs takes `--jobs -5` for two flags and says so in three lines;
// a negative number after a flag that takes a value is that flag's value, so its
// own parser refuses it in one line naming the flag.
const withNegativeValues = (args: readonly string[], names: readonly FlagName[]) =>
  args.flatMap((arg, i) => {
    const flag = arg.startsWith('--') ? (arg.slice(2) as FlagName) : null;
    if (flag && names.includes(flag) && FLAGS[flag].type === 'string' && /^-\d/.test(args[i + 1] ?? '')) return [`${arg}=${args[i + 1]}`];
    const previous = args[i - 1] ?? '';
    const taken = previous.startsWith('--') && names.includes(previous.slice(2) as FlagName) && FLAGS[previous.slice(2) as FlagName].type === 'string' && /^-\d/.test(arg);
    return taken ? [] : [arg];
  });

/** parseArgs over the named flags only (strict: any other flag is a usage error). */
export function parseFlags<K extends FlagName>(args: string[], names: readonly K[]) {
  const options = Object.fromEntries(names.map((n) => [n, FLAGS[n]])) as Table<K>;
  return parseArgs({ args: withNegativeValues(args, names), options, allowPositionals: true, strict: true });
}

export type ParsedFlags<K extends FlagName> = ReturnType<typeof parseFlags<K>>['values'];
