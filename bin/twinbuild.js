#!/usr/bin/env node
// The bundled CLI (npm run build); dist/cli/main.js is the same code unbundled.
const { main } = await import('../dist/bundle/twinbuild.mjs');

// `twinbuild … | head` closes our stdout early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
});

await main(process.argv.slice(2));
