// The `mpv-plex-sync` command line. One file per subcommand in commands/.
import { Command, CommanderError } from 'commander';
import { redact } from '../log/redact.js';
import { attachCommand } from './commands/attach.js';
import { registerDemo } from './commands/demo.js';
import { registerDoctor } from './commands/doctor.js';
import { registerInstall } from './commands/install.js';
import { registerLogin } from './commands/login.js';
import { registerQueue } from './commands/queue.js';
import { registerStatus } from './commands/status.js';
import { playCommand } from './commands/play.js';
import { syncCommand } from './commands/sync.js';
import { EXIT_FAILED, EXIT_USAGE, packageVersion } from './context.js';

export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('mpv-plex-sync')
    .description('Plex counts what you watch in mpv: watched at 90 percent, exactly once, with the resume point kept.')
    .version(packageVersion())
    .option('-v, --verbose', 'log details to stderr too')
    .exitOverride()
    .showHelpAfterError();

  program
    .command('attach')
    .description('attach the helper to an mpv IPC socket (the mpv script runs this)')
    .argument('<socket>', "mpv's input-ipc-server path")
    .action(async (socket: string) => {
      process.exitCode = await attachCommand(socket, program.opts());
    });

  program
    .command('play')
    .description('play a Plex item in mpv (a ratingKey, a Plex URL, or a file) and sync it')
    .argument('<target>', 'ratingKey, Plex URL or local file')
    .argument('[mpvArgs...]', 'options for mpv, after --')
    .option('--rating-key <key>', 'the Plex ratingKey, when the target does not say')
    .action(async (target: string, mpvArgs: string[], options: { ratingKey?: string }) => {
      process.exitCode = await playCommand(target, mpvArgs, { ...options, ...program.opts() });
    });

  program
    .command('sync')
    .description('send the queued syncs now')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await syncCommand({ ...options, ...program.opts() });
    });

  registerLogin(program);
  registerInstall(program);
  registerDoctor(program);
  registerDemo(program);
  registerStatus(program);
  registerQueue(program);

  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    const text = redact(error instanceof Error ? error.message : String(error));
    console.error(`mpv-plex-sync: ${text}`);
    process.exitCode = EXIT_FAILED;
  }
}
