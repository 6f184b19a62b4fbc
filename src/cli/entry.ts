// What bin/mpv-plex-sync.js runs. `attach <socket>`, exactly as the mpv script starts the helper
// with every mpv (mpv-scripts/plex-sync/helper-launch.ts), goes straight to the attach command:
// mpv's first file waits for that process to answer where to resume (issue 20), and the command
// line parser (commander) and the other subcommands' registration are not needed for it. Every
// other form (an option, --help, another command) goes through main.ts.
//
// That attach runs the helper's one-file CommonJS build (dist/helper/attach.cjs, made by
// scripts/build.mjs from the same sources as these chunks) through V8's code cache
// (code-cache.ts): a cold helper's first answer is mostly Node compiling its code.
// So this module imports nothing of the helper's: what it imported would be loaded twice, as
// ES module chunks and in that build.
import { fileURLToPath } from 'node:url';
import type { attachCommand } from './commands/attach.js';
import { codeCacheDir, requireWithCodeCache } from './code-cache.js';

/** The helper's CommonJS build, beside this bundle's dir (dist/cli → dist/helper). */
const HELPER_BUILD = fileURLToPath(new URL('../helper/attach.cjs', import.meta.url));

/** Whether argv (node, bin, ...) is the script's own form of attach. */
export function isScriptAttach(argv: readonly string[]): boolean {
  const socket = argv[3];
  return argv.length === 4 && argv[2] === 'attach' && socket !== undefined && socket !== '' && !socket.startsWith('-');
}

export async function run(argv: readonly string[]): Promise<void> {
  if (!isScriptAttach(argv)) {
    const { main } = await import('./main.js');
    return main(argv);
  }
  try {
    const helper = requireWithCodeCache<{ attachCommand: typeof attachCommand }>(HELPER_BUILD, codeCacheDir());
    process.once('exit', helper.saveCache);
    process.exitCode = await helper.exports.attachCommand(argv[3] as string, {});
  } catch (error) {
    // As main.ts says a failure: one redacted line.
    const [{ redact }, { EXIT_FAILED }] = await Promise.all([import('../log/redact.js'), import('./context.js')]);
    console.error(`mpv-plex-sync: ${redact(error instanceof Error ? error.message : String(error))}`);
    process.exitCode = EXIT_FAILED;
  }
}

