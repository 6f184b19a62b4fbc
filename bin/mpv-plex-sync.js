#!/usr/bin/env node
// Entry point. CommonJS (bin/package.json), so that the mpv script's attach, which mpv's first
// file may wait for, starts without Node's ES module loader (src/cli/script-attach.ts). Every
// other command is the bundled command line in dist/cli (built by `npm run build`).
'use strict';
const fail = (error) => {
  console.error(`mpv-plex-sync: ${error && error.message ? error.message : error}`);
  process.exitCode = 1;
};
let start = null;
try {
  start = require('../dist/helper/start.cjs');
} catch (error) {
  fail(error);
}

if (start === null) {
  // Not built: said above.
} else if (start.isScriptAttach(process.argv)) {
  void start.runScriptAttach(process.argv[3]);
} else {
  // A reader that stops early (`--help | head`) closes the pipe: stop quietly, as other tools do.
  process.stdout.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  import('../dist/cli/main.js').then((cli) => cli.main(process.argv)).catch(fail);
}
