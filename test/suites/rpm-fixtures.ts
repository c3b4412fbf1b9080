// RPM fixtures: the tiny noarch spec kept in test/fixtures/rpm/tinyhello, a
// source RPM made from it with the real rpmbuild -bs, and an "official" binary build.
import { machine } from 'node:os';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { REPO_ROOT } from '../helpers.js';

export const TINYHELLO = join(REPO_ROOT, 'test', 'fixtures', 'rpm', 'tinyhello');
export const TINYHELLO_RPM = 'RPMS/noarch/tinyhello-1.0-1.noarch.rpm';

/** Builds tinyhello-1.0-1.src.rpm into `top`/SRPMS and returns its path. */
export async function makeSourceRpm(top: string, specDir = TINYHELLO): Promise<string> {
  const made = await realProcesses.capture([
    'rpmbuild',
    '-bs',
    '--nodeps',
    '--define',
    `_topdir ${top}`,
    '--define',
    `_sourcedir ${specDir}`,
    join(specDir, 'tinyhello.spec'),
  ]);
  if (made.exitCode !== 0) throw new Error(`rpmbuild -bs failed: ${made.stderr}`);
  return join(top, 'SRPMS', 'tinyhello-1.0-1.src.rpm');
}

// An official build's header values, not the %changelog date (1704067200): a rebuild must take them from the published header.
export const OFFICIAL_TIME = '1700000000';
export const OFFICIAL_HOST = 'koji-builder.example.org';

/** rpmbuild -bb of `specDir` into `top` as a distribution's builder would (its macros, host name and time); the .rpm's path. */
export async function makeOfficialRpm(top: string, specDir = TINYHELLO): Promise<string> {
  const made = await realProcesses.capture(
    [
      'sh',
      '-c',
      `SOURCE_DATE_EPOCH="$1" rpmbuild -bb --nodeps --target "$2" --define "_topdir ` +
        `$3" --define "_sourcedir $4" --define "_buildhost $5" --define ` +
        `'use_source_date_epoch_as_buildtime 1' --define ` +
        `'clamp_mtime_to_source_date_epoch 1' "$4/tinyhello.spec"`,
      'sh',
      OFFICIAL_TIME,
      machine(),
      top,
      specDir,
      OFFICIAL_HOST,
    ],
    { timeoutMs: 120_000 },
  );
  if (made.exitCode !== 0) throw new Error(`rpmbuild -bb failed: ${made.stderr}`);
  return join(top, TINYHELLO_RPM);
}
