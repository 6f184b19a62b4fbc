#!/usr/bin/env node
// Entry point; the CLI is bundled into dist/cli (built by `npm run build` from src/cli).
import('../dist/cli/main.js').then((cli) => cli.main(process.argv)).catch((error) => {
  console.error(`mpv-plex-sync: ${error && error.message ? error.message : error}`);
  process.exitCode = 1;
});
