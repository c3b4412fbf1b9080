// Debian's tools: extracting a source package, asking which versions are installed.
import type { CaptureOutcome, ProcessRunner } from './process.js';

// Note: a large source (hundreds of MB of tarballs) takes minutes to unpack; capture's 10 s default would cut it short.
export function extractDebianSource(runner: ProcessRunner, dsc: string, dest: string): Promise<CaptureOutcome> {
  return runner.capture(['dpkg-source', '--no-copy', '-x', '--', dsc, dest], { timeoutMs: 1_800_000 });
}

// Note: names come from a .buildinfo (untrusted input): after `--` none can be read as an option.
export async function installedVersions(runner: ProcessRunner, names: readonly string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const query = await runner.capture(['dpkg-query', '-W', '-f=${Package} ${Version}\\n', '--', ...names]);
  return new Map(
    query.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]),
  );
}
