// The words that rerun one package, as its user wrote them (results.json's
// recipe.rerun; a report appends `--seed N`). check and verify: the user's own
// command line with any --seed taken out. A package of a sweep: `twinbuild check
// SOURCE`, its config entry's keys as the flags check takes for them, then the
// sweep's own flags that mean the same for check (never ROOT, --config, --shard,
// --changed-since, --baseline, --jobs or --out, which is the sweep's report).
import { parseArgs } from 'node:util';
import type { SweepPackage } from '../suites/discovery.js';
import { displayPath } from './environment.js';
import { FLAGS, withNegativeValues, type FlagName } from './flags.js';

/** One option with its value, or one positional, in the order the user gave them. */
type Part = Readonly<{ flag: string | null; words: readonly string[] }>;

// Note: a positional that starts with "-" was given after "--"; "./-x" names the same path without it.
const positional = (word: string) => (word.startsWith('-') ? `./${word}` : word);

function partsOf(args: readonly string[], names: readonly FlagName[]): Part[] {
  const normalised = withNegativeValues(args, names);
  const options = Object.fromEntries(names.map((n) => [n, FLAGS[n]]));
  const { tokens } = parseArgs({ args: normalised, options, allowPositionals: true, strict: false, tokens: true });
  return tokens.flatMap((t): Part[] => {
    if (t.kind === 'positional') return [{ flag: null, words: [positional(t.value)] }];
    if (t.kind !== 'option') return [];
    const separate = !t.inlineValue && t.value !== undefined;
    return [{ flag: t.name, words: normalised.slice(t.index, t.index + (separate ? 2 : 1)) }];
  });
}

/** check or verify: the user's words after the command name, less --seed. */
export function commandRerun(command: 'check' | 'verify', args: readonly string[], names: readonly FlagName[]) {
  const kept = partsOf(args, names).filter((p) => p.flag !== 'seed');
  return ['twinbuild', command, ...kept.flatMap((p) => p.words)];
}

/** Sweep flags that do not carry over to one package's check. */
const SWEEP_ONLY = new Set(['seed', 'config', 'shard', 'changed-since', 'baseline', 'jobs', 'out']);

const asList = (v: string | readonly string[] | undefined): readonly string[] =>
  v === undefined ? [] : typeof v === 'string' ? [v] : v;
// `--flag VALUE`, or `--flag=VALUE` when the value starts with a dash (as parseArgs needs it).
const flag = (name: string, value: string) => (value.startsWith('-') ? [`--${name}=${value}`] : [`--${name}`, value]);

/** One package of a sweep: `twinbuild check SOURCE`, its config entry as flags, the sweep's shared flags. */
export function sweepPackageRerun(
  pkg: SweepPackage,
  sweepArgs: readonly string[],
  names: readonly FlagName[],
  cwd: string,
): string[] {
  const sweep = partsOf(sweepArgs, names).filter((p) => p.flag !== null && !SWEEP_ONLY.has(p.flag));
  const r = pkg.recipe;
  // As in the sweep: --vary replaces the entry's vary, and the entry's timeout beats --timeout.
  const sweepVaries = sweep.some((p) => p.flag === 'vary' || p.flag === 'variations');
  const shared = sweep.filter((p) => !(p.flag === 'timeout' && r.timeout !== undefined));
  const entry = [
    ...(r.preset !== undefined ? flag('preset', r.preset) : []),
    ...(r.build !== undefined ? flag('build', r.build) : []),
    ...asList(r.artifacts).flatMap((glob) => flag('artifacts', glob)),
    ...(sweepVaries ? [] : asList(r.vary).map((spec) => `--vary=${spec}`)),
    ...(r.timeout !== undefined ? flag('timeout', r.timeout) : []),
    ...Object.entries(r.env ?? {}).flatMap(([name, value]) => flag('env', `${name}=${value}`)),
    ...(r.rpmReproducibleMacros ? ['--rpm-reproducible-macros'] : []),
  ];
  return ['twinbuild', 'check', positional(displayPath(pkg.source, cwd)), ...entry, ...shared.flatMap((p) => p.words)];
}
