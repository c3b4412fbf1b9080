#!/usr/bin/env node
// The bundled CLI (npm run build); dist/cli/main.js is the same code unbundled.
const { main } = await import('../dist/bundle/twinbuild.mjs');

// `twinbuild … | head`, `2>&1 | head`, or a parent that died closes our stdout or
// stderr early: that is not an error, and must not kill a run (or its clean-up) halfway.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

await main(process.argv.slice(2));
