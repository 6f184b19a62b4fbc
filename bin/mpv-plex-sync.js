#!/usr/bin/env node
// Entry point; the CLI lives in dist/src/cli (built by `npm run build`).
import('../dist/src/cli/main.js').then((cli) => cli.main(process.argv)).catch((error) => {
  console.error(`mpv-plex-sync: ${error && error.message ? error.message : error}`);
  process.exitCode = 1;
});
