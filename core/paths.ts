// Where twinbuild's own files are, whether running from dist/ or from the bundle.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'twinbuild') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('twinbuild: cannot find its own package.json');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
export const VERSION: string = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version;
/** Runs first inside each build's namespaces (see the script's header). */
export const ENTER_SCRIPT = join(PACKAGE_ROOT, 'adapters', 'enter.sh');
