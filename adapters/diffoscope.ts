// diffoscope: one run on a pair of files, writing its HTML and text reports.
import { canUseMountNamespaces } from './namespaces.js';
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

// diffoscope starts helpers of its own (diff on two fifos, unpackers): in a pid
// namespace of its own they all die with it, even when twinbuild is killed by SIGKILL.
const OWN_PID_NAMESPACE = (uid: number) => [
  'unshare',
  ...(uid === 0 ? [] : ['--user', '--map-current-user']),
  '--pid',
  '--fork',
  '--kill-child',
  '--',
];

/** Exit 0: no differences; 1: differences (or out of disk, which the caller checks); else a failure. */
export async function runDiffoscope(runner: ProcessRunner, request: DiffoscopeRun): Promise<RunOutcome> {
  const uid = process.getuid?.() ?? 0;
  const prefix = (await canUseMountNamespaces(runner, uid)) ? OWN_PID_NAMESPACE(uid) : [];
  return runner.run({
    argv: [
      ...prefix,
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
