// The commands that rerun one package's check exactly (its variations, its seed),
// and each culprit alone (`--vary=-all,+locales --seed N`); for verify, the
// verify command, which takes no --seed and varies nothing. They are the words the
// user wrote (recipe.rerun) plus --seed; results written before those were recorded
// get a command rebuilt from the recipe instead.
import type { Culprit, PackageResult } from './model.js';

const PLAIN = /^[A-Za-z0-9_/.,+=:@%^-]+$/;

/** One argument as POSIX sh reads it back: plain words bare, anything else in single quotes. */
export const shellQuote = (arg: string) => (PLAIN.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

// --vary options (which also enable their variation), limited to `names` when given.
function optionActions(pkg: PackageResult, names: ReadonlySet<string> | null): string[] {
  return Object.entries(pkg.recipe?.varyOptions ?? {})
    .filter(([name]) => names === null || names.has(name))
    .flatMap(([name, options]) =>
      Object.entries(options).flatMap(([option, values]) =>
        values.length === 0 ? [`${name}.${option}=`] : values.map((v) => `${name}.${option}+=${v}`),
      ),
    );
}

// Everything but --vary and --seed; null for a result written before recipes were recorded.
function baseArgs(pkg: PackageResult): string[] | null {
  const recipe = pkg.recipe;
  if (!recipe) return null;
  const args = ['twinbuild', pkg.verify ? 'verify' : 'check', pkg.source];
  for (const file of pkg.verify?.published ?? []) args.push('--published', file);
  if (pkg.verify?.buildinfo) args.push('--buildinfo', pkg.verify.buildinfo);
  if (recipe.preset !== 'generic') args.push('--preset', recipe.preset);
  args.push('--build', recipe.build);
  for (const glob of recipe.artifacts) args.push('--artifacts', glob);
  // verify puts what the buildinfo pinned into the environment itself.
  const pinned = pkg.verify?.pinned ?? {};
  for (const [name, value] of Object.entries(recipe.env))
    if (pinned[name] !== value) args.push('--env', `${name}=${value}`);
  if (recipe.isolation !== 'auto') args.push('--isolation', recipe.isolation);
  return args;
}

const line = (args: readonly string[]) => args.map(shellQuote).join(' ');

/** The command that reruns this package's check (or verify) as it ran, or null when the result does not say how. */
export function replayCommand(pkg: PackageResult, seed: number): string | null {
  const rerun = pkg.recipe?.rerun;
  if (rerun) return line(pkg.verify ? rerun : [...rerun, '--seed', String(seed)]);
  const base = baseArgs(pkg);
  if (!base || pkg.verify) return base && line(base);
  const varied = pkg.variations.filter((v) => v.status === 'varied').map((v) => v.name);
  // Every variation enabled (varied, or skipped as unavailable here): the default, so no --vary.
  const everything = pkg.variations.length > 0 && pkg.variations.every((v) => v.status !== 'pinned');
  const actions = everything
    ? optionActions(pkg, null)
    : ['-all', ...varied.map((n) => `+${n}`), ...optionActions(pkg, new Set(varied))];
  return line([...base, ...(actions.length > 0 ? [`--vary=${actions.join(',')}`] : []), '--seed', String(seed)]);
}

/** The command that varies only this culprit's variations, with the same seed (so the same values). */
export function culpritReplayCommand(pkg: PackageResult, culprit: Culprit, seed: number): string | null {
  if (pkg.verify) return null;
  // Note: a later --vary's -all disables what the user's words enabled, and keeps the options they set.
  const rerun = pkg.recipe?.rerun;
  const only = `--vary=-all,${culprit.variations.map((n) => `+${n}`).join(',')}`;
  if (rerun) return line([...rerun, only, '--seed', String(seed)]);
  const base = baseArgs(pkg);
  if (!base) return null;
  const actions = [
    '-all',
    ...culprit.variations.map((n) => `+${n}`),
    ...optionActions(pkg, new Set(culprit.variations)),
  ];
  return line([...base, `--vary=${actions.join(',')}`, '--seed', String(seed)]);
}
