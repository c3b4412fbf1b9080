// The sweep engine: checks many packages under one p-limit bound, writes each
// result to disk as it finishes (memory stays flat), and builds one report set
// from those files, also when Ctrl-C stopped it half-way.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { runCheck } from '../engine/run-package.js';
import { isTwinbuildError } from '../core/errors.js';
import type { CheckOptions } from '../engine/options.js';
import type { ProcessRunner } from '../adapters/process.js';
import { BISECT_NOT_RUN, type PackageResult } from '../reports/model.js';
import { applyIgnores, type IgnoreRule } from './ignore.js';

export type SweepItem = Readonly<{ options: CheckOptions }>;

export type SweepProgress = (line: string) => void;

export type SweepOutcome = Readonly<{ packages: PackageResult[]; notFinished: string[] }>;

const resultFile = (outDir: string, name: string) => join(outDir, 'packages', `${encodeURIComponent(name)}.json`);

/** A package that could not be checked at all (e.g. a requested variation is unavailable) is an error result. */
function errorResult(options: CheckOptions, code: string, message: string): PackageResult {
  return {
    name: options.name, source: options.source, verdict: 'error', error: { code, message }, variations: [], isolation: 'sequential', buildPath: 'shared',
    builds: { control: null, experiment: null }, artifacts: [], culprits: [], nondeterministic: false, bisect: BISECT_NOT_RUN('the check did not run'), diffoscope: [], timings: {},
  };
}

export async function runSweep(
  items: readonly SweepItem[],
  settings: Readonly<{ outDir: string; jobs: number; ignores: readonly IgnoreRule[]; check?: (options: CheckOptions, signal: AbortSignal) => Promise<PackageResult> }>,
  deps: Readonly<{ runner: ProcessRunner; signal: AbortSignal; progress: SweepProgress }>,
): Promise<SweepOutcome> {
  await mkdir(join(settings.outDir, 'packages'), { recursive: true });
  const limit = pLimit(settings.jobs);
  const finished: { name: string; verdict: string }[] = [];
  const notFinished: string[] = [];
  const started = performance.now();
  await Promise.all(
    items.map(({ options }) =>
      limit(async () => {
        if (deps.signal.aborted) return void notFinished.push(options.name);
        let result: PackageResult;
        try {
          const check = settings.check ?? ((o: CheckOptions, signal: AbortSignal) => runCheck(o, { runner: deps.runner, signal, progress: () => {} }));
          result = applyIgnores(await check(options, deps.signal), settings.ignores);
        } catch (error) {
          if (deps.signal.aborted) return void notFinished.push(options.name);
          if (!isTwinbuildError(error)) throw error;
          result = errorResult(options, error.code, error.message);
        }
        await writeFile(resultFile(settings.outDir, options.name), JSON.stringify(result));
        finished.push({ name: options.name, verdict: result.verdict });
        deps.progress(`[${finished.length}/${items.length}] ${options.name}: ${result.verdict} (${((performance.now() - started) / 1000).toFixed(1)}s)`);
      }),
    ),
  );
  // Read back in the order given, so reports do not depend on finishing order.
  const done = new Set(finished.map((f) => f.name));
  const packages: PackageResult[] = [];
  for (const { options } of items) {
    if (done.has(options.name)) packages.push(JSON.parse(await readFile(resultFile(settings.outDir, options.name), 'utf8')) as PackageResult);
  }
  return { packages, notFinished: items.map((i) => i.options.name).filter((n) => notFinished.includes(n)) };
}
