// `twinbuild report badge RESULTS --out FILE`: a badge from an existing results.json.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { renderBadge } from '../../reports/badge.js';
import { SCHEMA, type RunResult } from '../../reports/model.js';
import { TwinbuildError, usageError } from '../../core/errors.js';
import { join, resolve } from 'node:path';
import { writeReports } from '../../reports/write.js';
import { formatSweep } from '../../reports/sweep-console.js';
import { copyShardFiles, mergeResults } from '../../suites/merge.js';
import { displayPath } from './check.js';

export const REPORT_HELP = `Usage: twinbuild report badge RESULTS.json --out badge.svg
       twinbuild report merge DIR... --out DIR

badge: writes a small SVG badge ("reproducible | 41/42") from a results.json.
merge: merges the output directories of a sweep's shards (each with its
       results.json) into one report set in --out: results.json, junit.xml,
       index.html, badge.svg, with the shards' diffoscope pages and logs copied
       along. Exit code as the unsharded sweep's (a package in two inputs is exit 2).
`;

export async function readResults(path: string): Promise<RunResult> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new TwinbuildError('config', `cannot read ${path} as JSON: ${(cause as Error).message}`, { cause });
  }
  if ((parsed as { schema?: unknown })?.schema !== SCHEMA) throw new TwinbuildError('config', `${path} is not a twinbuild results file (expected "schema": "${SCHEMA}")`);
  return parsed as RunResult;
}

export async function runReportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { out: { type: 'string' } }, allowPositionals: true, strict: true });
  const [sub, input, ...rest] = positionals;
  if (sub === 'merge') return runMerge(positionals.slice(1), values.out);
  if (sub !== 'badge') throw usageError(`report: unknown subcommand "${sub ?? ''}" (available: badge, merge)`);
  if (!input || rest.length > 0) throw usageError('report badge takes one results.json');
  if (!values.out) throw usageError('report badge needs --out FILE.svg');
  await writeFile(values.out, renderBadge(await readResults(input)) + '\n');
  return 0;
}

async function runMerge(dirs: string[], out: string | undefined): Promise<number> {
  if (dirs.length === 0) throw usageError('report merge takes the shard output directories: report merge DIR... --out DIR');
  if (!out) throw usageError('report merge needs --out DIR');
  const inputs = await Promise.all(dirs.map(async (dir) => ({ dir, result: await readResults(join(dir, 'results.json')) })));
  const merged = mergeResults(inputs);
  const outDir = resolve(out);
  await copyShardFiles(dirs, outDir);
  await writeReports(outDir, merged);
  process.stdout.write(formatSweep(merged, displayPath(outDir), false));
  return merged.exitCode;
}
