// `twinbuild report badge RESULTS --out FILE`: a badge from an existing results.json.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { renderBadge } from '../../reports/badge.js';
import { SCHEMA, type RunResult } from '../../reports/model.js';
import { TwinbuildError, usageError } from '../errors.js';

export const REPORT_HELP = `Usage: twinbuild report badge RESULTS.json --out badge.svg

Writes a small SVG badge ("reproducible | 41/42") from a results.json.
(twinbuild report merge comes with sweeps.)
`;

async function readResults(path: string): Promise<RunResult> {
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
  if (sub !== 'badge') throw usageError(`report: unknown subcommand "${sub ?? ''}" (available: badge)`);
  if (!input || rest.length > 0) throw usageError('report badge takes one results.json');
  if (!values.out) throw usageError('report badge needs --out FILE.svg');
  await writeFile(values.out, renderBadge(await readResults(input)) + '\n');
  return 0;
}
