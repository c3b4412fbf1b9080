// RPM fixtures: the tiny noarch spec kept in test/fixtures/rpm/tinyhello, and a
// source RPM made from it with the real rpmbuild -bs.
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { REPO_ROOT } from '../helpers.js';

export const TINYHELLO = join(REPO_ROOT, 'test', 'fixtures', 'rpm', 'tinyhello');
export const TINYHELLO_RPM = 'RPMS/noarch/tinyhello-1.0-1.noarch.rpm';

/** Builds tinyhello-1.0-1.src.rpm into `top`/SRPMS and returns its path. */
export async function makeSourceRpm(top: string, specDir = TINYHELLO): Promise<string> {
  const made = await realProcesses.capture(['rpmbuild', '-bs', '--nodeps', '--define', `_topdir ${top}`, '--define', `_sourcedir ${specDir}`, join(specDir, 'tinyhello.spec')]);
  if (made.exitCode !== 0) throw new Error(`rpmbuild -bs failed: ${made.stderr}`);
  return join(top, 'SRPMS', 'tinyhello-1.0-1.src.rpm');
}
