// `twinbuild report history`: many runs' results.json (or an earlier history.json)
// → one page of every package's recent verdicts, and history.json.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { usageError } from '../../core/errors.js';
import { readHistoryInputs } from '../../reports/history/inputs.js';
import { buildHistory, DEFAULT_WINDOW, FLAP_CHANGES } from '../../reports/history/model.js';
import { writeHistory } from '../../reports/history/write.js';
import type { CommandContext } from '../command.js';
import { displayPath } from '../environment.js';

export const HISTORY_HELP = `twinbuild report history RESULTS_OR_DIRS... --out DIR [--runs N] [--link-base URL]

Writes DIR/index.html (self-contained: no script, no network) and DIR/history.json:
every package × the latest N runs (default ${DEFAULT_WINDOW}), oldest on the left, each
cell a colour and a letter (R reproducible, U unreproducible, E error, V verified,
M mismatch, · no result), linked to that run's report (≠: its diffoscope page).
A regression (passed in the package's previous run, not now) is marked ↓ in the
run it happened, a fix ↑; a package whose verdict changed ${FLAP_CHANGES} or more times in
these runs is flagged "flapping". Filters (not passing now, regressed, flapping,
changed) work without JavaScript. A chart shows the share of reproducible
packages per run, and a table the packages per known issue type (the runs'
diagnoses: its fix and documentation link, how many packages, which).

Inputs, in any order (runs are ordered by their recorded start time; a run
given twice counts once):
  results.json     of a check, a sweep, or merged shards (twinbuild report merge);
                   a lone shard is refused: merge the shards first
  DIR              every results.json below it (shards beside their merged
                   results, as in twinbuild-out/, are left out)
  history.json     an earlier output of this command: the store. Give it with
                   tonight's results.json and --out writes the next one.

--runs N           how many of the latest runs to keep (default ${DEFAULT_WINDOW})
--link-base URL    the one results.json input's report and diffoscope pages are
                   below URL (e.g. a CI job's artifacts), not next to the file

Exit 0 when written; 2 for bad input (no results, unreadable JSON) with one line.
`;

function parseRuns(text: string | undefined): number {
  if (text === undefined) return DEFAULT_WINDOW;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1)
    throw usageError(`report history: --runs must be a whole number of at least 1, not "${text}"`);
  return n;
}

export async function runHistory(args: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { out: { type: 'string' }, runs: { type: 'string' }, 'link-base': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length === 0)
    throw usageError(
      'report history takes results.json files, directories holding them or a history.json: report history RESULTS_OR_DIRS... --out DIR',
    );
  if (!values.out) throw usageError('report history needs --out DIR');
  const window = parseRuns(values.runs);
  const outDir = resolve(ctx.env.cwd, values.out);
  const columns = await readHistoryInputs(
    positionals.map((p) => resolve(ctx.env.cwd, p)),
    { outDir, linkBase: values['link-base'] ?? null },
  );
  const history = buildHistory(columns, window);
  await writeHistory(history, outDir);
  const shown = displayPath(outDir, ctx.env.cwd);
  ctx.stdout.write(
    `history: ${history.packages.length} packages × ${history.runs.length} runs, ` +
      `${history.packages.filter((p) => p.flapping).length} flapping → ${shown}/index.html, ${shown}/history.json\n`,
  );
  return 0;
}
