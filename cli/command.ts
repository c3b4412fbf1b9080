// What every command gets from the composition root, and the one way a run's
// result is turned into reports and stdout.
import type { ProcessRunner } from '../adapters/process.js';
import type { RunResult } from '../reports/model.js';
import { writeReports } from '../reports/write.js';
import { displayPath, type CliEnvironment } from './environment.js';
import type { RunSettings } from './settings.js';

export type CommandContext = Readonly<{
  signal: AbortSignal;
  env: CliEnvironment;
  runner: ProcessRunner;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}>;

export type Command = Readonly<{ help: string; run: (args: string[], ctx: CommandContext) => Promise<number> }>;

/** Writes the reports the settings choose, prints the console view (or the model with --json), returns the exit code. */
export async function publishRun(result: RunResult, settings: RunSettings, ctx: CommandContext, layout: 'package' | 'summary'): Promise<number> {
  const said = await writeReports(
    result,
    { outDir: settings.outDir, shownOutDir: displayPath(settings.outDir, ctx.env.cwd), jobRoot: ctx.env.cwd, quiet: settings.quiet, layout },
    settings.json ? settings.reporters.filter((r) => r !== 'console') : settings.reporters,
  );
  if (settings.json) ctx.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else if (said !== null) ctx.stdout.write(said);
  return result.exitCode;
}

/** Progress lines for multi-package runs (sweep, verify --dir), silent with --quiet or --json. */
export const lineProgress = (settings: RunSettings, ctx: CommandContext) =>
  settings.quiet || settings.json ? () => {} : (line: string) => void ctx.stderr.write(`twinbuild: ${line}\n`);
