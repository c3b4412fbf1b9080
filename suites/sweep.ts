// The sweep engine: runs many packages through the engine under one p-limit
// bound, writes each result to disk as it finishes (memory stays flat), and
// builds one report set from those files, also when Ctrl-C stopped it half-way.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { isTwinbuildError } from '../core/errors.js';
import type { PackageOptions } from '../engine/options.js';
import { EXPERIMENT } from '../engine/reference.js';
import { errorPackageResult, runPackage, type EngineDeps } from '../engine/run-package.js';
import type { PackageResult } from '../reports/model.js';
import { applyIgnores, type IgnoreRule } from './ignore.js';

export type SweepProgress = (line: string) => void;

export type SweepOutcome = Readonly<{ packages: PackageResult[]; notFinished: string[] }>;

/** How one package is run: by default a check (control against a varied experiment). */
export type RunOne = (options: PackageOptions, deps: EngineDeps) => Promise<PackageResult>;

const checkPackage: RunOne = (options, deps) => runPackage({ options, reference: EXPERIMENT }, deps);

const resultFile = (outDir: string, name: string) => join(outDir, 'packages', `${encodeURIComponent(name)}.json`);

export async function runSweep(
  items: readonly PackageOptions[],
  settings: Readonly<{ outDir: string; jobs: number; ignores: readonly IgnoreRule[]; runOne?: RunOne }>,
  deps: Readonly<{ runner: EngineDeps['runner']; signal: AbortSignal; progress: SweepProgress }>,
): Promise<SweepOutcome> {
  await mkdir(join(settings.outDir, 'packages'), { recursive: true });
  const limit = pLimit(settings.jobs);
  const runOne = settings.runOne ?? checkPackage;
  const finished: { name: string; verdict: string }[] = [];
  const notFinished: string[] = [];
  const started = performance.now();
  await Promise.all(
    items.map((options) =>
      limit(async () => {
        if (deps.signal.aborted) return void notFinished.push(options.name);
        let result: PackageResult;
        try {
          result = applyIgnores(
            await runOne(options, { runner: deps.runner, signal: deps.signal, progress: () => {} }),
            settings.ignores,
          );
        } catch (error) {
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the signal can abort during an await
          if (deps.signal.aborted) return void notFinished.push(options.name);
          if (!isTwinbuildError(error)) throw error;
          result = errorPackageResult(options, error.code, error.message);
        }
        await writeFile(resultFile(settings.outDir, options.name), JSON.stringify(result));
        finished.push({ name: options.name, verdict: result.verdict });
        deps.progress(
          `[${finished.length}/${items.length}] ${options.name}: ${result.verdict} (${((performance.now() - started) / 1000).toFixed(1)}s)`,
        );
      }),
    ),
  );
  // Read back in the order given, so reports do not depend on finishing order.
  const done = new Set(finished.map((f) => f.name));
  const packages: PackageResult[] = [];
  for (const options of items) {
    if (done.has(options.name))
      packages.push(JSON.parse(await readFile(resultFile(settings.outDir, options.name), 'utf8')) as PackageResult);
  }
  return { packages, notFinished: items.map((i) => i.name).filter((n) => notFinished.includes(n)) };
}
