// `mpv-plex-sync serve`: the helper in the foreground, staying while no mpv is attached. It is
// what the systemd user unit runs (`install --service`): every mpv then finds a warm helper and
// asks it by file, starting no process. A helper that an mpv started before may hold the place:
// serve waits until it has exited, then takes it.
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { PrivateDirError } from '../../config/private-dir.js';
import { flushLogs } from '../../log/logger.js';
import { platform } from '../../platform/index.js';
import { commandContext, EXIT_FAILED } from '../context.js';
import { examplesText } from '../examples.js';
import { complain, say } from '../output.js';

/** How often a serve that found another helper looks again. */
const WAIT_FOR_PLACE_MS = 2_000;

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the helper in the foreground and keep it running (what install --service starts)')
    .addHelpText(
      'after',
      examplesText([
        ['mpv-plex-sync serve', 'until Ctrl+C; every mpv started meanwhile uses it'],
        ['mpv-plex-sync -v serve', 'and log what it does to the terminal too'],
        ['mpv-plex-sync install --service', 'run it as a systemd user service instead'],
      ]),
    )
    .action(async () => {
      process.exitCode = await serveCommand(program.opts());
    });
}

async function serveCommand(options: { verbose?: boolean }): Promise<number> {
  const context = commandContext({ verbose: options.verbose ?? false });
  // Loaded here, as attach does: the other commands never need it.
  const { Helper } = await import('../../helper/helper.js');
  let told = false;
  for (;;) {
    const helper = new Helper({ paths: context.paths, config: context.config, log: context.log, version: context.version, idleExitMs: null, takeAttachRequests: true });
    let started: boolean;
    try {
      started = await helper.start();
    } catch (error) {
      if (!(error instanceof PrivateDirError)) throw error;
      complain(error.message);
      return EXIT_FAILED;
    }
    if (started) {
      const priorityProblem = platform.lowerPriority();
      if (priorityProblem) context.log.warn(priorityProblem);
      const stop = () => void helper.stop().then(flushLogs).then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      context.log.info('serving: the helper stays while no mpv is attached');
      say(`mpv-plex-sync helper serving (control socket ${context.paths.controlSocket})`);
      await helper.untilExit();
      return 0;
    }
    if (!told) {
      context.log.info('another helper runs; serving once it has exited');
      say('another mpv-plex-sync helper runs (started by an mpv); serving once it has exited');
      told = true;
    }
    await sleep(WAIT_FOR_PLACE_MS);
  }
}
