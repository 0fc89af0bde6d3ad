#!/usr/bin/env node
// Thin launcher: the CLI lives in host/cli and is compiled to dist/ by `npm run build`
// (which `npm ci` runs through the `prepare` script).
import { main } from '../dist/host/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    console.error(err instanceof Error ? `neurite: ${err.message}` : err);
    process.exitCode = 1;
  },
);
