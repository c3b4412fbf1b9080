// diffoscope: one run on a pair of files, writing its HTML, text and JSON reports.
import { constants } from 'node:os';
import { canUseMountNamespaces } from './namespaces.js';
import type { ProcessRunner, RunOutcome } from './process.js';

export type DiffoscopeRun = Readonly<{
  /** Both paths relative to `cwd`, so the report reads control/… against experiment/…. */
  pair: readonly [string, string];
  cwd: string;
  html: string;
  text: string;
  /** diffoscope's structured report (--json), which the diagnosis reads. */
  json: string;
  logFile: string;
  maxReportBytes: number;
  extraArgs: readonly string[];
  toolPath: string;
  tempDir: string;
  timeoutMs: number;
  signal: AbortSignal;
}>;

// diffoscope starts helpers of its own (diff on two fifos, unpackers): in a pid
// namespace of its own they all die with it, even when twinbuild is killed by SIGKILL.
// Note: bubblewrap, not unshare: its reaper is pid 1, so diffoscope is not, and a
// signal that kills it still kills it (pid 1 ignores what it has no handler for).
const OWN_PID_NAMESPACE = ['bwrap', '--dev-bind', '/', '/', '--unshare-pid', '--die-with-parent', '--'];

/** bubblewrap exits 128 + N when its command died of signal N: said as that signal again. */
function asSignal(outcome: RunOutcome): RunOutcome {
  const code = outcome.exitCode;
  const name = code !== null && code > 128 ? Object.entries(constants.signals).find(([, n]) => n === code - 128) : null;
  return name ? { ...outcome, exitCode: null, signal: name[0] as NodeJS.Signals } : outcome;
}

/** Exit 0: no differences; 1: differences (or out of disk, which the caller checks); else a failure. */
export async function runDiffoscope(runner: ProcessRunner, request: DiffoscopeRun): Promise<RunOutcome> {
  const isolated = await canUseMountNamespaces(runner);
  const outcome = await runner.run({
    argv: [
      ...(isolated ? OWN_PID_NAMESPACE : []),
      'diffoscope',
      '--html',
      request.html,
      '--text',
      request.text,
      '--json',
      request.json,
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
  return isolated ? asSignal(outcome) : outcome;
}
