// `attach <socket>`, exactly as the mpv script starts the helper with every mpv
// (mpv-scripts/plex-sync/helper-launch.ts). mpv's first file may wait for that process to answer
// where to resume (issue 20), so it takes the shortest way in: bin/mpv-plex-sync.js is CommonJS
// and requires this module's own build (dist/helper/start.cjs) without Node's ES module loader,
// the command line parser or the other subcommands; and the helper is its one-file build
// (dist/helper/attach.cjs), run through V8's code cache (code-cache.ts). Every other form (an
// option, --help, another command) goes through the command line (main.ts, bundled in dist/cli/).
import { fileURLToPath } from 'node:url';
import { redact } from '../log/redact.js';
import { codeCacheDir, requireWithCodeCache } from './code-cache.js';
import type * as HelperBuild from './helper-build.js';
import { EXIT_FAILED } from './exit-codes.js';

/** How long after attaching its mpv a helper writes the code cache: its first answer is in by then. */
const CACHE_AFTER_ATTACH_MS = 1_000;

/** Whether argv (node, bin, ...) is the script's own form of attach. */
export function isScriptAttach(argv: readonly string[]): boolean {
  const socket = argv[3];
  return argv.length === 4 && argv[2] === 'attach' && socket !== undefined && socket !== '' && !socket.startsWith('-');
}

export async function runScriptAttach(socket: string): Promise<void> {
  // Until the build has loaded, no secret is registered: this file's own redact covers that.
  let redactText = redact;
  try {
    // Beside this file's build: dist/helper/start.cjs and dist/helper/attach.cjs.
    const helper = requireWithCodeCache<typeof HelperBuild>(fileURLToPath(new URL('attach.cjs', import.meta.url)), cacheDirOrNone());
    redactText = helper.exports.redact;
    // The cache is written by a helper that serves, once its first answer is compiled (a second
    // after it attached, or at its exit if sooner), never on that answer's way. A process that
    // only handed mpv to a running helper, or stopped at an error, compiled too little: V8 would
    // go on taking its cache, and compiling the rest at every start.
    let serving = false;
    process.once('exit', () => {
      if (serving) helper.saveCache();
    });
    const onServing = (): void => {
      serving = true;
      setTimeout(helper.saveCache, CACHE_AFTER_ATTACH_MS).unref();
    };
    process.exitCode = await helper.exports.attachCommand(socket, { onServing });
  } catch (error) {
    // As main.ts says a failure: one redacted line.
    console.error(`mpv-plex-sync: ${redactText(error instanceof Error ? error.message : String(error))}`);
    process.exitCode = EXIT_FAILED;
  }
}

/** Where the code cache lives; none (run uncached) without a home to put it in, which attach then explains. */
function cacheDirOrNone(): string | null {
  try {
    return codeCacheDir();
  } catch {
    return null;
  }
}
