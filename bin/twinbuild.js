#!/usr/bin/env node
// The bundled CLI (npm run compile); dist/cli/main.js is the same code unbundled.
import { readFileSync } from 'node:fs';

// Note: `--version` is answered here, from package.json, without loading the bundle
// (about 100 ms of a 150 ms run); it is the same answer cli/main.ts gives.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  // When the bundle started loading: --profile splits node's start from the load.
  const loadStartedMs = performance.now();
  const { main } = await import('../dist/bundle/twinbuild.mjs');

  // `twinbuild … | head`, `2>&1 | head`, or a parent that died closes our stdout or
  // stderr early: that is not an error, and must not kill a run (or its clean-up) halfway.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }

  await main(args, { loadStartedMs });
}
