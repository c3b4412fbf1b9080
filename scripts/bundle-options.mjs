// The one set of esbuild options for twinbuild's bundle, shared by `npm run build`
// (which bundles tsc's output) and scripts/prepare.mjs (which bundles the
// TypeScript sources directly when tsc is not installed).
export const BUNDLE = 'dist/bundle/twinbuild.mjs';

/** esbuild options bundling `entry` (dist/cli/main.js or cli/main.ts) into BUNDLE. */
export function bundleOptions(entry) {
  return {
    entryPoints: [entry],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    // A native addon: loaded from node_modules at run time, where its .node file is.
    external: ['better-sqlite3'],
    // CommonJS dependencies (fast-glob) call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __twinbuildRequire } from 'node:module'; const require = __twinbuildRequire(import.meta.url);",
    },
  };
}
