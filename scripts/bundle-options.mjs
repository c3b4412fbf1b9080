// esbuild's options for twinbuild's bundle (`npm run compile` bundles tsc's output).
// The bundle is committed: npm installs twinbuild from git with no build step.
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
    // The committed bundle stays readable: esbuild breaks its lines near 120 characters.
    lineLimit: 120,
    // A native addon: loaded from node_modules at run time, where its .node file is.
    external: ['better-sqlite3'],
    // The committed bundle must not depend on where node_modules really is (a
    // worktree may link it): paths in its comments stay as the checkout sees them.
    preserveSymlinks: true,
    // CommonJS dependencies (fast-glob) call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __twinbuildRequire } from 'node:module'; const require = __twinbuildRequire(import.meta.url);",
    },
  };
}
