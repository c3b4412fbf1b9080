#!/usr/bin/env node
// Bundles the CLI into one file. Node 20 loads execa and fast-glob as a few
// hundred small ES modules (≈200 ms of a 0.6 s check); one file loads in ~30 ms.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/bundle/twinbuild.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // A native addon: loaded from node_modules at run time, where its .node file is.
  external: ['better-sqlite3'],
  // CommonJS dependencies (fast-glob) call require() for Node built-ins.
  banner: { js: "import { createRequire as __twinbuildRequire } from 'node:module'; const require = __twinbuildRequire(import.meta.url);" },
});
