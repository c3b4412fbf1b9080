// `twinbuild report badge|merge|history`: views of existing results.json files.
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { usageError } from '../../core/errors.js';
import { orDidYouMean } from '../../core/suggest.js';
import { renderBadge } from '../../reports/badge.js';
import { readResults } from '../../reports/read.js';
import { DEFAULT_REPORTERS } from '../../reports/registry.js';
import { writeReports } from '../../reports/write.js';
import { copyShardFiles, mergeResults } from '../../suites/merge.js';
import type { Command, CommandContext } from '../command.js';
import { displayPath } from '../environment.js';
import { assertOutDirApartFromInputs, prepareOutDir } from '../out-dir.js';
import { HISTORY_HELP, runHistory } from './report-history.js';

export const REPORT_HELP = `Usage: twinbuild report badge RESULTS.json --out badge.svg
       twinbuild report merge DIR... --out DIR
       twinbuild report history RESULTS_OR_DIRS... --out DIR

badge: writes a small SVG badge ("reproducible | 41/42") from a results.json.
merge: merges the output directories of a sweep's shards (each with its
       results.json) into one report set in --out: results.json, junit.xml,
       index.html, badge.svg, with the shards' diffoscope pages, logs and artifact
       lists copied along. Exit code as the unsharded sweep's (a package in two
       inputs, or an --out that is an input or inside one, is exit 2).
history: every package's verdicts in the recent runs, one page (below).

${HISTORY_HELP}`;

export const reportCommand: Command = {
  help: REPORT_HELP,
  async run(args, ctx) {
    if (args[0] === 'history') return runHistory(args.slice(1), ctx);
    const { values, positionals } = parseArgs({
      args,
      options: { out: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    const [sub, input, ...rest] = positionals;
    if (sub === 'merge') return runMerge(positionals.slice(1), values.out, ctx);
    if (sub === undefined)
      throw usageError(
        'report needs a subcommand: badge (an SVG badge from a results.json), merge (shard outputs into one ' +
          'report set) or history (recent verdicts of every package); see twinbuild report --help',
      );
    if (sub !== 'badge')
      throw usageError(
        `report: unknown subcommand "${sub}"${orDidYouMean(sub, ['badge', 'merge', 'history'])} (available: badge, merge, history)`,
      );
    if (!input || rest.length > 0) throw usageError('report badge takes one results.json');
    if (!values.out) throw usageError('report badge needs --out FILE.svg');
    await writeFile(
      resolve(ctx.env.cwd, values.out),
      renderBadge(await readResults(resolve(ctx.env.cwd, input))) + '\n',
    );
    return 0;
  },
};

async function runMerge(dirs: string[], out: string | undefined, ctx: CommandContext): Promise<number> {
  if (dirs.length === 0)
    throw usageError('report merge takes the shard output directories: report merge DIR... --out DIR');
  if (!out) throw usageError('report merge needs --out DIR');
  const inputs = await Promise.all(
    dirs.map(async (dir) => ({ dir, result: await readResults(join(resolve(ctx.env.cwd, dir), 'results.json')) })),
  );
  const merged = mergeResults(inputs);
  const outDir = resolve(ctx.env.cwd, out);
  const inputDirs = dirs.map((d) => resolve(ctx.env.cwd, d));
  await assertOutDirApartFromInputs(outDir, inputDirs);
  const outLock = await prepareOutDir(outDir);
  try {
    await copyShardFiles(inputDirs, outDir);
    const said = await writeReports(
      merged,
      { outDir, shownOutDir: displayPath(outDir, ctx.env.cwd), jobRoot: ctx.env.cwd, quiet: false, layout: 'summary' },
      DEFAULT_REPORTERS,
    );
    ctx.stdout.write(said ?? '');
    return merged.exitCode;
  } finally {
    outLock.release();
  }
}
