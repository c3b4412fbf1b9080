// Reads a results.json (for report merge, --baseline, report badge and explain): the
// current schema as it is, an @1 or @2 file upgraded to @3's shape (its optional keys
// become null, its diagnoses empty), anything else refused with a clear message.
import { readFile } from 'node:fs/promises';
import { TwinbuildError } from '../core/errors.js';
import {
  SCHEMA,
  SCHEMA_V1,
  SCHEMA_V2,
  type ArtifactResult,
  type DiffResult,
  type PackageResult,
  type RunResult,
} from './model.js';

type Loose<T> = { [K in keyof T]?: T[K] };

const upgradeArtifact = (a: Loose<ArtifactResult>): ArtifactResult =>
  ({
    ...a,
    linkTarget: a.linkTarget ?? null,
    escapedName: a.escapedName ?? false,
    node: a.node ?? null,
    ignored: a.ignored ?? null,
  }) as ArtifactResult;

const upgradePackage = (p: Loose<PackageResult>): PackageResult =>
  ({
    ...p,
    verify: p.verify ?? null,
    recipe: upgradeRecipe(p.recipe),
    artifacts: (p.artifacts ?? []).map(upgradeArtifact),
    bisect: upgradeBisect(p.bisect),
    knownDifferences: p.knownDifferences ?? (p.artifacts ?? []).filter((a) => a.ignored).length,
    artifactSummary: p.artifactSummary ?? null,
    notCopied: p.notCopied ?? [],
    phaseStarts: p.phaseStarts ?? null,
    diffoscope: (p.diffoscope ?? []).map(upgradeDiff),
    diagnoses: p.diagnoses ?? [],
    unclassified: p.unclassified ?? [],
    ruledOut: p.ruledOut ?? [],
  }) as PackageResult;
// Results written before recipes kept the user's own words.
const upgradeRecipe = (r: PackageResult['recipe'] | undefined) => (r ? { ...r, rerun: r.rerun ?? null } : null);
// Results written before diffoscope's JSON report was kept (@1, @2): the text report is read instead.
const upgradeDiff = (d: Loose<DiffResult>): DiffResult => ({ ...d, json: d.json ?? null }) as DiffResult;
// Results written before bisect recorded evidence, suspects, a budget and what it explains.
const upgradeBisect = (b: Loose<PackageResult['bisect']> | undefined) =>
  b && {
    ...b,
    difference: b.difference ?? 'artifacts',
    evidence: b.evidence ?? [],
    suspected: b.suspected ?? [],
    budget: b.budget ?? null,
  };

/** An @1 or @2 result in @3's shape: the same facts, every key present (no diagnoses yet: `twinbuild explain` adds them). */
export function upgradeResults(parsed: Loose<RunResult> & { schema: string }): RunResult {
  return {
    ...parsed,
    schema: SCHEMA,
    packages: (parsed.packages ?? []).map(upgradePackage),
    shard: parsed.shard ?? null,
    baseline: parsed.baseline ?? null,
    incomplete: parsed.incomplete ?? null,
    nothingChecked: parsed.nothingChecked ?? null,
  } as RunResult;
}

export async function readResults(path: string): Promise<RunResult> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new TwinbuildError('config', `cannot read ${path} as JSON: ${(cause as Error).message}`, { cause });
  }
  const schema = (parsed as { schema?: unknown } | null)?.schema;
  if (schema === SCHEMA) {
    const run = parsed as RunResult;
    const packages = run.packages.map(
      (p) =>
        ({
          ...p,
          bisect: upgradeBisect(p.bisect)!,
          recipe: upgradeRecipe(p.recipe),
          notCopied: p.notCopied ?? [],
          phaseStarts: p.phaseStarts ?? null,
        }) as PackageResult,
    );
    return { ...run, packages };
  }
  if (schema === SCHEMA_V1 || schema === SCHEMA_V2) return upgradeResults(parsed as RunResult);
  throw new TwinbuildError(
    'config',
    `${path} is not a twinbuild results file (expected "schema": "${SCHEMA}", "${SCHEMA_V2}" or "${SCHEMA_V1}")`,
  );
}
