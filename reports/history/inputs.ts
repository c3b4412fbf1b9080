// What `report history` reads: results.json files (check, sweep, merged shards),
// directories holding them, and earlier history.json files (the store). Each
// becomes run columns whose links point, from the output directory, at that
// run's own index.html and diffoscope pages.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import fg from 'fast-glob';
import { TwinbuildError, usageError } from '../../core/errors.js';
import { pathHref } from '../escape.js';
import { SCHEMA, SCHEMA_V1, SCHEMA_V2, type RunResult } from '../model.js';
import { upgradeResults } from '../read.js';
import {
  columnFromResults,
  columnsFromHistory,
  HISTORY_SCHEMA,
  isHistory,
  parseHistory,
  type RunColumn,
} from './model.js';

export type InputOptions = Readonly<{
  outDir: string;
  /** The one results.json input's files are below this URL (e.g. its CI job's artifacts), not next to the page. */
  linkBase: string | null;
}>;

const isUrl = (href: string) => /^[a-z][a-z0-9+.-]*:/i.test(href);

type Found = Readonly<{ path: string; fromDirectory: boolean }>;

async function expand(input: string): Promise<Found[]> {
  const info = await stat(input).catch(() => null);
  if (!info) throw usageError(`report history: ${input}: no such file or directory`);
  if (!info.isDirectory()) return [{ path: input, fromDirectory: false }];
  // Note: a sweep keeps each package's result in packages/NAME.json: a package named "results" is not a run.
  const files = (
    await fg('**/results.json', {
      cwd: input,
      onlyFiles: true,
      followSymbolicLinks: false,
      dot: false,
      ignore: ['**/packages/results.json'],
    })
  ).sort();
  if (files.length === 0) throw new TwinbuildError('config', `report history: no results.json under ${input}`);
  return files.map((f) => ({ path: join(input, f), fromDirectory: true }));
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new TwinbuildError('config', `cannot read ${path} as JSON: ${(cause as Error).message.split('\n')[0]}`, {
      cause,
    });
  }
}

function asResults(parsed: unknown, path: string): RunResult {
  const schema = (parsed as { schema?: unknown } | null)?.schema;
  if (schema === SCHEMA) return parsed as RunResult;
  if (schema === SCHEMA_V1 || schema === SCHEMA_V2) return upgradeResults(parsed as RunResult);
  throw new TwinbuildError(
    'config',
    `${path} is neither a twinbuild results file ("schema": "${SCHEMA}", "${SCHEMA_V2}" or "${SCHEMA_V1}") ` +
      `nor a history ("${HISTORY_SCHEMA}")`,
  );
}

const fromOut = (outDir: string, path: string) => pathHref(relative(outDir, path));

function decodedPath(href: string, source: string): string {
  try {
    return href.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw new TwinbuildError(
      'config',
      `${source}: a link that is not a percent-encoded path: ${JSON.stringify(href.slice(0, 80))}`,
    );
  }
}

// Note: a sweep's shard is part of a run, not a run: a directory holding the
// shards beside their merge (twinbuild-out/shard-N and twinbuild-out/merged)
// gives the merged results only; a shard on its own is refused.
function dropShards<T extends Found & { result: RunResult }>(found: readonly T[]): T[] {
  const mergedParents = new Set(found.filter((f) => f.result.shard === null).map((f) => dirname(dirname(f.path))));
  return found.filter((f) => {
    if (f.result.shard === null) return true;
    if (f.fromDirectory && mergedParents.has(dirname(dirname(f.path)))) return false;
    throw new TwinbuildError(
      'config',
      `${f.path} is shard ${f.result.shard.index}/${f.result.shard.total} of a sweep: ` +
        `merge the shards first (twinbuild report merge DIR... --out DIR) and give the ` +
        `merged results.json`,
    );
  });
}

// Every input as run columns, in the order given (buildHistory orders them by time).
export async function readHistoryInputs(inputs: readonly string[], options: InputOptions): Promise<RunColumn[]> {
  const found = (await Promise.all(inputs.map(expand))).flat();
  const parsed = await Promise.all(found.map(async (f) => ({ ...f, json: await readJson(f.path) })));
  const histories = parsed.filter((p) => isHistory(p.json));
  const results = dropShards(
    parsed.filter((p) => !isHistory(p.json)).map((p) => ({ ...p, result: asResults(p.json, p.path) })),
  );
  if (options.linkBase !== null && results.length !== 1) {
    throw usageError(
      `report history: --link-base names where one results.json's pages are; ${results.length} were given`,
    );
  }
  const base =
    options.linkBase === null ? null : options.linkBase.endsWith('/') ? options.linkBase : `${options.linkBase}/`;
  const columns = new Map<string, RunColumn[]>();
  for (const h of histories) {
    const history = parseHistory(h.json, h.path);
    const rebase = (href: string) =>
      isUrl(href) ? href : fromOut(options.outDir, join(dirname(h.path), decodedPath(href, h.path)));
    columns.set(h.path, columnsFromHistory(history, rebase));
  }
  for (const r of results) {
    const dir = dirname(r.path);
    const links =
      base !== null
        ? { report: `${base}index.html`, page: (p: string) => `${base}${pathHref(p)}` }
        : {
            report: existsSync(join(dir, 'index.html')) ? fromOut(options.outDir, join(dir, 'index.html')) : null,
            page: (p: string) => fromOut(options.outDir, join(dir, p)),
          };
    // Note: results written before diagnoses (@1, @2) name no issue types; the page says so.
    const diagnosed = (r.json as { schema?: unknown }).schema === SCHEMA;
    columns.set(r.path, [columnFromResults(r.result, links, diagnosed)]);
  }
  return found.flatMap((f) => columns.get(f.path) ?? []);
}
