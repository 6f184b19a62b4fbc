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
  import('../dist/cli/entry.js').then((cli) => cli.run(process.argv)).catch(fail);
}
