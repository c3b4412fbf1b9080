// `twinbuild explain RESULTS.json`: the diagnosis of an earlier run again, from the
// diffoscope reports beside its results.json (their --json, or the --text of runs
// before twinbuild kept it), with today's catalogue and the user's own types.
// Nothing is rebuilt and nothing is written; --json prints the re-diagnosed model.
import { dirname, resolve } from 'node:path';
import { usageError } from '../../core/errors.js';
import { catalogueFor } from '../../engine/phases/diagnose.js';
import { diagnosePackage } from '../../engine/explain/read-reports.js';
import { renderConsole } from '../../reports/console.js';
import type { PackageResult, RunResult } from '../../reports/model.js';
import { readResults } from '../../reports/read.js';
import type { Command } from '../command.js';
import { displayPath } from '../environment.js';
import { parseFlags } from '../flags.js';

export const EXPLAIN_HELP = `Usage: twinbuild explain RESULTS.json [--issue-types FILE]... [--json]

Diagnoses an earlier run again without rebuilding: for each package that differed,
which known issue types its differences show and what to change (one line each,
"→ title: fix (link)"), read from the diffoscope reports next to RESULTS.json (a
check's or sweep's --out directory). Results of older twinbuild versions (schema
@1, @2) are read too; where no JSON report was kept, the text report is read.

  --issue-types FILE     your own known issue types (repeatable), added to the catalogue
                         (same format as engine/explain/issue-types.json; docs/diagnosis.md)
  --json                 print the re-diagnosed result model instead of the verdicts
  -h, --help             this help

Exit 0 when explained; 2 for bad input (not a results file, a bad --issue-types file).
`;

const differs = (pkg: PackageResult) => pkg.verdict === 'unreproducible' || pkg.verdict === 'mismatch';

export const explainCommand: Command = {
  help: EXPLAIN_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, ['issue-types', 'json']);
    if (positionals.length !== 1) throw usageError('explain takes one results.json: twinbuild explain RESULTS.json');
    const file = resolve(ctx.env.cwd, positionals[0]!);
    const result = await readResults(file);
    const catalogue = await catalogueFor((values['issue-types'] ?? []).map((f) => resolve(ctx.env.cwd, f)));
    const outDir = dirname(file);
    // The real clock while that run ran: its recorded start and end.
    const real = { from: Date.parse(result.startedAt), to: Date.parse(result.finishedAt) };
    const packages = await Promise.all(
      result.packages.map(async (pkg) =>
        differs(pkg) ? { ...pkg, ...(await diagnosePackage(pkg, outDir, catalogue, real)) } : pkg,
      ),
    );
    const explained: RunResult = { ...result, packages };
    if (values.json) ctx.stdout.write(JSON.stringify(explained, null, 2) + '\n');
    else
      ctx.stdout.write(
        renderConsole(explained, {
          outDir: displayPath(outDir, ctx.env.cwd),
          quiet: false,
          layout: result.command === 'check' ? 'package' : 'summary',
        }),
      );
    return 0;
  },
};
