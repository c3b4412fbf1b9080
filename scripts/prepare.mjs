#!/usr/bin/env node
// npm's `prepare`: runs after `npm install` in a clone, before `npm pack`, and when
// npm installs twinbuild from a git URL. It builds (tsc + bundle) when the build
// tools are installed, keeps a bundle that is already built, and otherwise says
// how to install instead of failing with "tsc: not found".
//
// Note: npm prepares a git dependency by running `npm install` in its clone;
// under `npm install --global` that inner install inherits --global (npm 10 and
// 11), so the devDependencies are never installed and the clone is linked into
// the global prefix. No prepare script can repair that from inside, so a global
// install from git uses the `dist` branch (scripts/git-dist.mjs), which has no
// build step.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE } from './bundle-options.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const installed = (name) => {
  try {
    createRequire(join(root, 'package.json')).resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
};

if (installed('typescript') && installed('esbuild')) {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  process.exit(build.status ?? 1);
} else if (existsSync(join(root, BUNDLE))) {
  console.error(`twinbuild: ${BUNDLE} is already built`);
} else {
  const global = process.env['npm_config_global'] === 'true';
  console.error(
    global
      ? "twinbuild: npm cannot build twinbuild's sources during a global install from " +
          'git (npm passes --global to the preparation, so tsc is never installed). ' +
          'Install the built branch instead: npm install --global ' +
          '\'git+https://…/twinbuild.git#dist\' (README "Install").'
      : 'twinbuild: cannot build: typescript and esbuild (devDependencies) are not installed; run npm ci first.',
  );
  process.exit(1);
}
