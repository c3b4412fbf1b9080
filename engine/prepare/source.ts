// Puts a private copy of the package's source where a build (or a bisect probe)
// will run: a copy of the directory, or a Debian source package extracted with
// dpkg-source, or a source RPM copied for rpmbuild --rebuild. The user's source
// is only ever read. Returns the special files left out of the copy.
import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { TwinbuildError } from '../../core/errors.js';
import type { NotCopied } from '../../reports/model.js';
import type { PackageOptions } from '../options.js';
import { extractDebianSource } from '../../adapters/dpkg.js';
import type { ProcessRunner } from '../../adapters/process.js';
import { copySource } from './workspace.js';

export async function placeSource(
  options: PackageOptions,
  sideDir: string,
  runner: ProcessRunner,
  exclude: readonly string[],
  signal?: AbortSignal,
): Promise<NotCopied[]> {
  const dest = options.subdir ? join(sideDir, options.subdir) : sideDir;
  await mkdir(sideDir, { recursive: true });
  if (!options.dsc) return copySource(options.source, dest, exclude, signal);
  if (options.source.endsWith('.src.rpm')) {
    await mkdir(dest, { recursive: true });
    await copyFile(options.source, join(dest, basename(options.source)));
    return [];
  }
  const outcome = await extractDebianSource(runner, options.source, dest);
  if (outcome.exitCode !== 0) {
    throw new TwinbuildError(
      'workspace',
      `dpkg-source could not extract ${options.source}: ${(outcome.stderr || outcome.stdout).trim().split('\n').pop() ?? ''}`,
    );
  }
  return [];
}
