// diffoscope: one run on a pair of files, writing its HTML and text reports.
import type { ProcessRunner, RunOutcome } from './process.js';

export type DiffoscopeRun = Readonly<{
  /** Both paths relative to `cwd`, so the report reads control/… against experiment/…. */
  pair: readonly [string, string];
  cwd: string;
  html: string;
  text: string;
  logFile: string;
  maxReportBytes: number;
  extraArgs: readonly string[];
  toolPath: string;
  tempDir: string;
  timeoutMs: number;
  signal: AbortSignal;
}>;

/** Exit 0: no differences; 1: differences (or out of disk, which the caller checks); else a failure. */
export function runDiffoscope(runner: ProcessRunner, request: DiffoscopeRun): Promise<RunOutcome> {
  return runner.run({
    argv: [
      'diffoscope',
      '--html',
      request.html,
      '--text',
      request.text,
      '--max-report-size',
      String(request.maxReportBytes),
      '--no-progress',
      ...request.extraArgs,
      // Note: after `--` a file named like an option (`--help`) is still a file.
      '--',
      ...request.pair,
    ],
    env: { PATH: request.toolPath, LC_ALL: 'C.UTF-8', TMPDIR: request.tempDir },
    cwd: request.cwd,
    logFile: request.logFile,
    timeoutMs: request.timeoutMs,
    signal: request.signal,
  });
}
