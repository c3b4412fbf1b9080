#!/usr/bin/env node
// npm's `prepare`: runs after `npm install` in a clone, before `npm pack`, and when
// npm installs twinbuild from a git URL (`npm install --global git+https://…`).
//
// Note: for a git URL, npm clones the repository and runs `npm install` in it so
// that `prepare` has the devDependencies. Under `--global` that inner install
// inherits the global flag (npm 10 and 11): it installs nothing into the clone,
// and `tsc` is "not found". So when the build tools are missing, this script
// installs what the bundle needs itself: the runtime dependencies from
// package-lock.json and the locked esbuild (in a directory of its own), and
// bundles the TypeScript sources directly (esbuild strips the types; type
// checking is the developers' `npm run build` and `npm test`). Nothing generated
// is committed to git.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE, bundleOptions } from './bundle-options.mjs';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
process.chdir(root);

const installed = (name) => {
  try {
    createRequire(join(root, 'package.json')).resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
};

function run(argv) {
  console.error(`twinbuild prepare: ${argv.join(' ')}`);
  const result = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// --global=false: the inherited global flag is the reason we are here.
const NPM_QUIET = ['--global=false', '--no-audit', '--no-fund', '--loglevel=error'];

if (installed('typescript') && installed('esbuild')) {
  run(['npm', 'run', 'build']);
} else if (existsSync(BUNDLE)) {
  console.error(`twinbuild prepare: no build tools; ${BUNDLE} is already built`);
} else {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
  const esbuildVersion = lock.packages['node_modules/esbuild'].version;
  const tools = join(root, '.prepare-tools');
  // --ignore-scripts: no recursion into this prepare, and no native builds the bundle does not need.
  run(['npm', 'ci', '--omit=dev', '--ignore-scripts', ...NPM_QUIET]);
  run(['npm', 'install', '--prefix', tools, '--no-save', '--no-package-lock', ...NPM_QUIET, `esbuild@${esbuildVersion}`]);
  const { build } = await import(pathToFileURL(createRequire(join(tools, 'node_modules', 'x.js')).resolve('esbuild')).href);
  await build(bundleOptions('cli/main.ts'));
  rmSync(tools, { recursive: true, force: true });
  console.error(`twinbuild prepare: bundled the sources into ${BUNDLE} with esbuild ${esbuildVersion}`);
}
