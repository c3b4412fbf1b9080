// git, for --changed-since and the pre-push hook.
import type { CaptureOutcome, ProcessRunner } from './process.js';

export function git(runner: ProcessRunner, repo: string, args: readonly string[]): Promise<CaptureOutcome> {
  return runner.capture(['git', '-C', repo, ...args]);
}
