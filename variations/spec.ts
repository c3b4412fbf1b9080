// Parses reprotest-compatible --vary specs: comma-separated actions, each split at
// its leftmost operator. `+name` / bare `name` enable, `-name` disables, `@name`
// resets, `all` stands for every variation, `name.option=v|+=v|-=v` sets options.
import { TwinbuildError } from '../core/errors.js';
import { orDidYouMean } from '../core/suggest.js';
import { findVariation, VARIATION_NAMES } from './index.js';

export type VarySpec = Readonly<{
  /** Enabled variations, in registry order. */
  enabled: readonly string[];
  /** Named by the user (not only through `all`): unavailable ones are an error, not a skip. */
  explicit: readonly string[];
  options: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}>;

const OPERATOR = /(\+=|-=|=|\+|-|@)/;

function badSpec(action: string, why: string): TwinbuildError {
  return new TwinbuildError('bad-spec', `invalid --vary action "${action}": ${why}`);
}

// Applies the given specs, in order, to the default (every variation enabled).
export function parseVarySpecs(specs: readonly string[]): VarySpec {
  const enabled = new Set(VARIATION_NAMES);
  const explicit = new Set<string>();
  const options = new Map<string, Map<string, string[]>>();
  const actions = specs
    .flatMap((spec) => spec.split(','))
    .map((a) => a.trim())
    .filter(Boolean);

  for (const action of actions) {
    const match = OPERATOR.exec(action);
    const [attr, op, operand] = match
      ? [
          action.slice(0, match.index).trim(),
          match[1] as string,
          action.slice(match.index + (match[1] as string).length).trim(),
        ]
      : ['', '+', action];
    if (attr === '') {
      if (!operand) throw badSpec(action, 'missing a variation name');
      if (op !== '+' && op !== '-' && op !== '@')
        throw badSpec(action, `"${op}" needs an option, e.g. environment.variables+=FOO=bar`);
      if (operand !== 'all' && !findVariation(operand)) throw unknown(operand, action);
      const names = operand === 'all' ? VARIATION_NAMES : [operand];
      for (const name of names) {
        if (op === '-') {
          enabled.delete(name);
          explicit.delete(name);
        } else {
          enabled.add(name);
          if (op === '@') options.delete(name);
          if (operand !== 'all' && op === '+') explicit.add(name);
        }
      }
      continue;
    }
    const [name, option, ...rest] = attr.split('.');
    const variation = name ? findVariation(name) : undefined;
    if (!name || !variation) throw unknown(name ?? attr, action);
    if (!option || rest.length > 0) throw badSpec(action, `expected ${name}.OPTION${op}VALUE`);
    if (!variation.options?.includes(option)) {
      throw badSpec(
        action,
        `${name} has no option "${option}"${variation.options?.length ? ` (options: ${variation.options.join(', ')})` : ''}`,
      );
    }
    if (op !== '=' && op !== '+=' && op !== '-=')
      throw badSpec(action, `use ${name}.${option}=VALUE, +=VALUE or -=VALUE`);
    if (!operand && op !== '=') throw badSpec(action, 'missing a value');
    const perVariation = options.get(name) ?? new Map<string, string[]>();
    const current = perVariation.get(option) ?? [];
    perVariation.set(
      option,
      op === '='
        ? operand
          ? [operand]
          : []
        : op === '+='
          ? [...current.filter((v) => v !== operand), operand]
          : current.filter((v) => v !== operand),
    );
    options.set(name, perVariation);
    // Setting an option implicitly enables the variation, as in reprotest.
    enabled.add(name);
    explicit.add(name);
  }

  return Object.freeze({
    enabled: VARIATION_NAMES.filter((n) => enabled.has(n)),
    explicit: VARIATION_NAMES.filter((n) => explicit.has(n)),
    options: Object.freeze(
      Object.fromEntries([...options].map(([n, opts]) => [n, Object.freeze(Object.fromEntries(opts))])),
    ),
  });
}

function unknown(name: string, action: string): TwinbuildError {
  return new TwinbuildError(
    'unknown-variation',
    `unknown variation "${name}" in --vary "${action}` +
      `"${orDidYouMean(name, [...VARIATION_NAMES, 'all'])} (known: ` +
      `${VARIATION_NAMES.join(', ')})`,
  );
}

/** Nothing varied, nothing requested: verify's rebuild, every variation pinned as the control. */
export const NOTHING_VARIED: VarySpec = Object.freeze({
  enabled: Object.freeze([]),
  explicit: Object.freeze([]),
  options: Object.freeze({}),
});
