// How the builds are kept apart: each in a private mount namespace at one shared
// path, or (where namespaces are not allowed) one after the other.
import { TwinbuildError } from '../../core/errors.js';
import { canUseMountNamespaces } from '../../adapters/namespaces.js';
import type { ProcessRunner } from '../../adapters/process.js';
import type { Isolation } from '../build/build.js';
import type { PackageOptions } from '../options.js';

export async function chooseIsolation(options: PackageOptions, runner: ProcessRunner): Promise<Isolation> {
  if (options.isolation === 'sequential') return 'sequential';
  const cache = options.cacheDir ? { dir: options.cacheDir, toolPath: options.toolPath } : null;
  const ok = await canUseMountNamespaces(runner, undefined, cache);
  if (!ok && options.isolation === 'namespaces') {
    throw new TwinbuildError('variation-unavailable', '--isolation namespaces: mount namespaces are not allowed here');
  }
  return ok ? 'namespaces' : 'sequential';
}
