#!/usr/bin/env node
import { main } from '../dist/harness/cli.js';

// `twinbuild … | head` closes our stdout early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
});

await main(process.argv.slice(2));
