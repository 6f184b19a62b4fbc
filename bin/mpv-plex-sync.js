#!/usr/bin/env node
// Entry point; the CLI is bundled into dist/cli (built by `npm run build` from src/cli/entry.ts).
import('../dist/cli/entry.js').then((cli) => cli.run(process.argv)).catch((error) => {
  console.error(`mpv-plex-sync: ${error && error.message ? error.message : error}`);
  process.exitCode = 1;
});
