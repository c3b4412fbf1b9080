// `report merge`: shard outputs (each a results.json with its diffoscope pages
// and logs) into one report set with the verdicts an unsharded sweep would give.
import { cp, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TwinbuildError, usageError } from '../core/errors.js';
import { exitCodeFor, summarise, type BaselineComparison, type RunResult } from '../reports/model.js';
import { baselineExitCode } from './baseline.js';

// Every directory a results.json points into: diffoscope pages, logs, per-package
// results, full artifact lists past the list limit (artifactSummary.file), verify's links.
const KEPT_DIRS = ['diffoscope', 'logs', 'packages', 'artifacts', 'links'];

function mergeBaselines(parts: readonly BaselineComparison[]): BaselineComparison {
  const all = (key: Exclude<keyof BaselineComparison, 'file'>) => [...new Set(parts.flatMap((p) => p[key]))].sort();
  return {
    file: parts[0]!.file,
    regressions: all('regressions'),
    fixed: all('fixed'),
    stillBroken: all('stillBroken'),
    new: all('new'),
    removed: all('removed'),
  };
}

export function mergeResults(inputs: readonly { dir: string; result: RunResult }[]): RunResult {
  if (inputs.length === 0) throw usageError('report merge needs at least one directory');
  const owner = new Map<string, string>();
  for (const { dir, result } of inputs) {
    for (const pkg of result.packages) {
      const other = owner.get(pkg.name);
      if (other)
        throw new TwinbuildError(
          'config',
          `package "${pkg.name}" is in both ${other} and ${dir}: merge the shards of one sweep, each once`,
        );
      owner.set(pkg.name, dir);
    }
  }
  const packages = inputs
    .flatMap((i) => i.result.packages)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const baselines = inputs.map((i) => i.result.baseline).filter((b): b is BaselineComparison => b !== null);
  const baseline = baselines.length === inputs.length ? mergeBaselines(baselines) : null;
  const notFinished = inputs.flatMap((i) => i.result.incomplete?.notFinished ?? []);
  const first = inputs[0]!.result;
  return {
    ...first,
    command: `${first.command} (merged from ${inputs.length})`,
    startedAt: inputs.map((i) => i.result.startedAt).sort()[0]!,
    finishedAt: inputs
      .map((i) => i.result.finishedAt)
      .sort()
      .pop()!,
    packages,
    summary: summarise(packages),
    exitCode: Math.max(
      baseline ? baselineExitCode(baseline, packages) : exitCodeFor(packages),
      inputs.some((i) => i.result.incomplete) ? 3 : 0,
    ),
    shard: null,
    baseline,
    incomplete: inputs.some((i) => i.result.incomplete) ? { reason: 'a shard was interrupted', notFinished } : null,
    nothingChecked: packages.length === 0 ? (first.nothingChecked ?? 'no shard checked a package') : null,
  };
}

/** Copies each shard's diffoscope pages, logs, per-package results and artifact lists next to the merged reports, so links keep working. */
export async function copyShardFiles(dirs: readonly string[], outDir: string): Promise<void> {
  for (const dir of dirs) {
    for (const sub of KEPT_DIRS) {
      if (await stat(join(dir, sub)).catch(() => null))
        await cp(join(dir, sub), join(outDir, sub), { recursive: true, force: true });
    }
  }
}
