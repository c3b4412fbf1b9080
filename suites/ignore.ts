// Known differences (the config's `ignore` list): a matching difference stays in
// every report, marked ignored with its reason, and no longer fails its package.
// An entry names artifacts; it can never wave a whole package through.
import picomatch from 'picomatch';
import { TwinbuildError } from '../core/errors.js';
import { artifactCounts, type PackageResult } from '../reports/model.js';
import type { IgnoreEntry } from './config.js';

export type IgnoreRule = Readonly<{
  matches: (pkg: string, artifact: string) => boolean;
  variation: string | null;
  reason: string;
}>;

// Paths of every shape (hidden, spaced, with and without an extension), a list per
// depth: a glob matching all of them at some depth names no artifact there (`**`,
// `*`, `*/**`, `{**,x}`, `+(**)`): it waves whole trees through.
const NAMES = ['tb0', '.tb1', 'tb 2', 'tb3.z9', '-tb4', 'TB5.tar.gz'];
const PROBES = Array.from({ length: 8 }, (_, d) =>
  NAMES.map((name, n) => [...Array.from({ length: d }, (_, k) => NAMES[(n + k + 1) % NAMES.length]!), name].join('/')),
);

/** Whether the glob(s) match every path of some depth, whatever its names. */
export function matchesEveryPath(matches: (path: string) => boolean): boolean {
  return PROBES.some((paths) => paths.every(matches));
}

export function compileIgnores(entries: readonly IgnoreEntry[], file: string): IgnoreRule[] {
  return entries.map((entry, i) => {
    const globs = typeof entry.artifacts === 'string' ? [entry.artifacts] : entry.artifacts;
    const artifact = picomatch(globs, { dot: true });
    if (matchesEveryPath(artifact)) {
      throw new TwinbuildError(
        'config',
        `${file}: ignore[${i}].artifacts: "${globs.join(', ')}" would ignore whole packages (it matches every ` +
          'path); name the artifacts that are known to differ',
      );
    }
    const pkg = entry.package ? picomatch(entry.package) : () => true;
    return { matches: (p, a) => pkg(p) && artifact(a), variation: entry.variation ?? null, reason: entry.reason };
  });
}

// Note: a rule with a variation applies only where bisect named that variation
// as the artifact's one cause, so an unexplained difference is never ignored.
export function applyIgnores(pkg: PackageResult, rules: readonly IgnoreRule[]): PackageResult {
  if (rules.length === 0 || pkg.verdict !== 'unreproducible') return pkg;
  const causes = (path: string) =>
    pkg.culprits.filter((c) => c.artifacts.includes(path)).map((c) => c.variations.join('+'));
  const artifacts = pkg.artifacts.map((a) => {
    if (a.status === 'identical') return a;
    const rule = rules.find(
      (r) =>
        r.matches(pkg.name, a.path) &&
        (r.variation === null || (causes(a.path).length === 1 && causes(a.path)[0] === r.variation)),
    );
    return rule ? { ...a, ignored: { reason: rule.reason } } : a;
  });
  const failing = artifacts.filter((a) => a.status !== 'identical' && !a.ignored);
  const known = artifacts.filter((a) => a.ignored).length;
  // Differences past results.json's list limit were never matched against a rule: they still fail.
  const unlisted = artifactCounts(pkg).notIdentical - artifacts.filter((a) => a.status !== 'identical').length;
  return {
    ...pkg,
    artifacts,
    knownDifferences: known,
    verdict: failing.length === 0 && unlisted === 0 ? 'reproducible' : 'unreproducible',
  };
}
