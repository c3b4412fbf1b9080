// Which catalogue types one artifact's difference shows: each type's rules tried
// on each hunk of diffoscope's report, with the lines that matched as evidence.
// Pure: the values each side was given come in (for rules on a variation's value).
import type { PerSide } from '../../reports/model.js';
import type { IssueType, MatchRule } from './catalogue.js';
import type { Hunk } from './diff-tree.js';
import { needlesFor } from './needles.js';

/** One type seen in one artifact: where, and the changed lines that showed it. */
export type TypeHit = Readonly<{
  type: IssueType;
  artifact: string;
  /** e.g. "data.tar.gz › data.tar › file list". */
  where: readonly string[];
  removed: readonly string[];
  added: readonly string[];
}>;

type Values = PerSide<Readonly<Record<string, string>>>;
type Lines = Readonly<{ removed: string[]; added: string[] }>;

const SHOWN = 3;

const regexCache = new Map<string, RegExp>();
const regex = (source: string) => {
  let r = regexCache.get(source);
  if (!r) regexCache.set(source, (r = new RegExp(source)));
  return r;
};

const byteOrdered = (lines: readonly string[]) =>
  lines.every((l, i) => i === 0 || Buffer.compare(Buffer.from(lines[i - 1]!), Buffer.from(l)) <= 0);

const sameLinesReordered = (hunk: Hunk) => {
  if (hunk.comments.some((c) => /ordering differences only/i.test(c))) return true;
  const sorted = (lines: readonly string[]) => [...lines].sort().join('\n');
  return hunk.removed.length > 0 && sorted(hunk.removed) === sorted(hunk.added);
};

function orderingLines(hunk: Hunk, kind: 'any' | 'collation'): Lines | null {
  if (!sameLinesReordered(hunk)) return null;
  const control = hunk.control.filter(Boolean);
  if (
    kind === 'collation' &&
    !(control.length >= 3 && byteOrdered(control) && !byteOrdered(hunk.experiment.filter(Boolean)))
  )
    return null;
  return { removed: hunk.removed.slice(0, SHOWN), added: hunk.added.slice(0, SHOWN) };
}

// Note: the control's HOME is its build directory: a value another variation gave the same side shows nothing.
function valueLines(hunk: Hunk, variation: string, values: Values): Lines | null {
  const needles = needlesFor(variation, values.control, values.experiment);
  const others = (side: 'control' | 'experiment') =>
    new Set(Object.entries(values[side]).flatMap(([name, value]) => (name === variation ? [] : [value])));
  // A value that shows on the other side's changed lines as well did not make the
  // difference (root owning every member of both sides' file lists).
  const strong = (side: 'control' | 'experiment', otherLines: readonly string[]) =>
    needles[side].filter(
      (n) =>
        n.weight >= 2 && !others(side).has(n.value) && !otherLines.some((l) => new RegExp(n.pattern.source).test(l)),
    );
  const hits = (lines: readonly string[], side: 'control' | 'experiment', otherLines: readonly string[]) => {
    const found = strong(side, otherLines);
    return lines.filter((l) => found.some((n) => new RegExp(n.pattern.source).test(l)));
  };
  const removed = hits(hunk.removed, 'control', hunk.added);
  const added = hits(hunk.added, 'experiment', hunk.removed);
  return removed.length + added.length > 0 ? { removed: removed.slice(0, SHOWN), added: added.slice(0, SHOWN) } : null;
}

type Matched = Readonly<{ line: string; groups: Readonly<Record<string, string | undefined>> }>;

function lineMatches(hunk: Hunk, rule: MatchRule): Lines | null {
  const pattern = regex(rule.line!);
  const pick = (lines: readonly string[]): Matched[] =>
    lines.flatMap((line) => {
      const m = pattern.exec(line);
      return m ? [{ line, groups: m.groups ?? {} }] : [];
    });
  const before = pick(hunk.removed);
  const after = pick(hunk.added);
  if (!rule.differs) {
    return before.length + after.length > 0
      ? { removed: before.slice(0, SHOWN).map((m) => m.line), added: after.slice(0, SHOWN).map((m) => m.line) }
      : null;
  }
  const pairs: [Matched, Matched][] = [];
  if (rule.key) {
    const key = rule.key;
    const byKey = new Map(after.map((m) => [m.groups[key], m]));
    for (const m of before) {
      const other = byKey.get(m.groups[key]);
      if (other) pairs.push([m, other]);
    }
  } else {
    for (let i = 0; i < Math.min(before.length, after.length); i++) pairs.push([before[i]!, after[i]!]);
  }
  const differing = pairs.filter(([a, b]) =>
    rule.differs!.some((g) => a.groups[g] !== undefined && b.groups[g] !== undefined && a.groups[g] !== b.groups[g]),
  );
  if (differing.length === 0) return null;
  return {
    removed: differing.slice(0, SHOWN).map(([a]) => a.line),
    added: differing.slice(0, SHOWN).map(([, b]) => b.line),
  };
}

/** The rule's lines in this hunk, or null when the rule does not hold there. */
function ruleLines(hunk: Hunk, rule: MatchRule, values: Values): Lines | null {
  if (rule.comparison !== undefined && !regex(rule.comparison).test(hunk.comparison)) return null;
  if (rule.file !== undefined && !hunk.path.some((name) => regex(rule.file!).test(name))) return null;
  if (rule.context !== undefined) {
    const context = regex(rule.context);
    if (![...hunk.control, ...hunk.experiment].some((l) => context.test(l))) return null;
  }
  const found: Lines[] = [];
  if (rule.ordering) {
    const lines = orderingLines(hunk, rule.ordering);
    if (!lines) return null;
    found.push(lines);
  }
  if (rule.value) {
    const lines = valueLines(hunk, rule.value, values);
    if (!lines) return null;
    found.push(lines);
  }
  if (rule.line) {
    const lines = lineMatches(hunk, rule);
    if (!lines) return null;
    found.push(lines);
  }
  if (found.length === 0) return { removed: hunk.removed.slice(0, SHOWN), added: hunk.added.slice(0, SHOWN) };
  return found[found.length - 1]!;
}

/** Every type the artifact's hunks show, each once, with the first hunk that showed it. */
export function matchArtifact(
  types: readonly IssueType[],
  artifact: string,
  hunks: readonly Hunk[],
  values: Values,
): TypeHit[] {
  const hits: TypeHit[] = [];
  for (const type of types) {
    const seen: { where: readonly string[]; removed: string[]; added: string[] }[] = [];
    for (const hunk of hunks) {
      for (const rule of type.match) {
        const lines = ruleLines(hunk, rule, values);
        if (lines) seen.push({ where: hunk.path.slice(1), removed: lines.removed, added: lines.added });
      }
    }
    if (seen.length === 0) continue;
    hits.push({
      type,
      artifact,
      where: seen[0]!.where,
      removed: seen.flatMap((s) => s.removed).slice(0, SHOWN),
      added: seen.flatMap((s) => s.added).slice(0, SHOWN),
    });
  }
  return hits;
}
