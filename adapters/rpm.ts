// RPM's tools: whether diffoscope can compare RPM headers in depth.
import { open } from 'node:fs/promises';
import type { ProcessRunner } from './process.js';

// Note: the binding must be importable by the Python diffoscope runs on (its
// shebang, /usr/bin/python3 on Debian), not by whatever python3 is first on PATH.
async function interpreterOf(script: string): Promise<string | null> {
  const handle = await open(script, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const buffer = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buffer, 0, 256, 0);
    const match = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(buffer.subarray(0, bytesRead).toString('utf8'));
    if (!match) return null;
    return match[1]!.endsWith('/env') ? (match[2] ?? null) : match[1]!;
  } finally {
    await handle.close();
  }
}

/** rpm's Python binding (Debian python3-rpm) as diffoscope at `diffoscope` would import it; without it RPMs are compared byte by byte. */
export async function diffoscopeHasPythonRpm(runner: ProcessRunner, diffoscope: string): Promise<boolean> {
  const python = (await interpreterOf(diffoscope)) ?? 'python3';
  const outcome = await runner.capture([python, '-c', 'import rpm']).catch(() => null);
  return outcome?.exitCode === 0;
}
