// What bin/mpv-plex-sync.js runs. `attach <socket>`, exactly as the mpv script starts the helper
// with every mpv (mpv-scripts/plex-sync/helper-launch.ts), goes straight to the attach command:
// mpv's first file waits for that process to answer where to resume (issue 20), and the command
// line parser (commander) and the other subcommands' registration are not needed for it. Every
// other form (an option, --help, another command) goes through main.ts.
import { redact } from '../log/redact.js';
import { EXIT_FAILED } from './context.js';

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
    const { attachCommand } = await import('./commands/attach.js');
    process.exitCode = await attachCommand(argv[3] as string, {});
  } catch (error) {
    // As main.ts says a failure: one redacted line.
    console.error(`mpv-plex-sync: ${redact(error instanceof Error ? error.message : String(error))}`);
    process.exitCode = EXIT_FAILED;
  }
}
