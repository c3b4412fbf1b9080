// What every command gets from the composition root, and the one way a run's
// result is turned into reports and stdout.
import type { ProcessRunner } from '../adapters/process.js';
import type { RunResult } from '../reports/model.js';
import { TwinbuildError } from '../core/errors.js';
import { REPORTERS } from '../reports/registry.js';
import { writeReports } from '../reports/write.js';
import { displayPath, type CliEnvironment } from './environment.js';
import type { RunSettings } from './settings.js';
import type { Profile, StartMarks } from './profile.js';

export type CommandContext = Readonly<{
  signal: AbortSignal;
  env: CliEnvironment;
  runner: ProcessRunner;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  /** When node started loading twinbuild and when main ran (check --profile). */
  startMarks: StartMarks;
  /** Set by check --profile: what times its steps. */
  profile?: Profile;
}>;

/** `work`, timed as a step of the profile when there is one. */
export const profiled = <T>(ctx: CommandContext, label: string, work: () => Promise<T>): Promise<T> =>
  ctx.profile ? ctx.profile.time(label, work) : work();

export type Command = Readonly<{ help: string; run: (args: string[], ctx: CommandContext) => Promise<number> }>;

/** Writes the reports the settings choose, prints the console view (or the model with --json), returns the exit code. */
export async function publishRun(
  result: RunResult,
  settings: RunSettings,
  ctx: CommandContext,
  layout: 'package' | 'summary',
): Promise<number> {
  const context = {
    outDir: settings.outDir,
    shownOutDir: displayPath(settings.outDir, ctx.env.cwd),
    jobRoot: ctx.env.cwd,
    quiet: settings.quiet,
    layout,
  };
  const chosen = settings.json ? settings.reporters.filter((r) => r !== 'console') : settings.reporters;
  let said: string | null;
  try {
    said = await writeReports(result, context, chosen);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== 'ENOSPC' && code !== 'EDQUOT' && code !== 'EROFS' && code !== 'EACCES') throw cause;
    // The verdict is known: it still reaches the console, and the failed write makes it exit 3.
    ctx.stdout.write(
      settings.json ? JSON.stringify(result, null, 2) + '\n' : REPORTERS.console.render(result, context),
    );
    throw new TwinbuildError(
      'reports-unwritable',
      `could not write the reports to ${context.shownOutDir}: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (settings.json) ctx.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else if (said !== null) ctx.stdout.write(said);
  return result.exitCode;
}

/** Progress lines for multi-package runs (sweep, verify --dir), silent with --quiet or --json. */
export const lineProgress = (settings: RunSettings, ctx: CommandContext) =>
  settings.quiet || settings.json ? () => {} : (line: string) => void ctx.stderr.write(`twinbuild: ${line}\n`);

/** The notes the settings carry (reprotest options read loosely), on stderr, unless --quiet or --json. */
export function sayNotes(settings: RunSettings, ctx: CommandContext): void {
  if (settings.quiet || settings.json) return;
  for (const note of settings.notes) ctx.stderr.write(`twinbuild: note: ${note}\n`);
}
