// `mpv-plex-sync continue`: what Plex's home screen shows as Continue Watching (the items in
// progress, then the next episodes of the shows being watched), numbered as `play --continue N`
// plays them, each with how far it is and how long is left. --json prints the same as data.
import type { Command } from 'commander';
import { loadClientIdentifier } from '../../config/client-id.js';
import { ConfigError } from '../../config/config.js';
import { PlexServers } from '../../plex/servers.js';
import { PlayError } from '../../play/play-plan.js';
import { continueOnServers, serversToAsk } from '../../play/found-targets.js';
import { commandContext, EXIT_FAILED } from '../context.js';
import { examplesText } from '../examples.js';
import { continueLines } from '../found-lines.js';
import { complain, paint, printJson, say } from '../output.js';

export function registerContinue(program: Command): void {
  program
    .command('continue')
    .description("list Plex's Continue Watching (play one with: play --continue N)")
    .option('--server <name>', 'the saved server to ask; default: every saved server')
    .option('--json', 'print the list as JSON')
    .addHelpText(
      'after',
      examplesText([
        ['mpv-plex-sync continue', 'what Continue Watching holds, on every saved server'],
        ['mpv-plex-sync continue --json', 'the list as JSON'],
        ['mpv-plex-sync play --continue 2', 'play its second item'],
      ]),
    )
    .action(async (options: { server?: string; json?: boolean }) => {
      process.exitCode = await continueCommand({ ...options, ...program.opts() });
    });
}

export async function continueCommand(options: { server?: string; json?: boolean; verbose?: boolean }): Promise<number> {
  try {
    const context = commandContext({ verbose: options.verbose ?? false });
    const servers = new PlexServers({ config: context.config, clientIdentifier: loadClientIdentifier(context.paths.clientIdFile), version: context.version });
    const asked = await serversToAsk(servers, options.server ?? null);
    const { found, failures } = await continueOnServers(asked);
    for (const failure of failures) complain(failure);
    if (options.json) {
      printJson(found.map((entry, at) => ({ number: at + 1, server: entry.server.serverName, ...entry.item })));
      return failures.length > 0 ? EXIT_FAILED : 0;
    }
    const where = asked.length === 1 ? ` on '${asked[0]?.serverName ?? ''}'` : '';
    if (found.length === 0) {
      say(`Nothing to continue${where}: nothing is in progress, and no show has a next episode.`);
      return failures.length > 0 ? EXIT_FAILED : 0;
    }
    say(paint('bold', `Continue Watching${where}`));
    for (const line of continueLines(found, { withServer: asked.length > 1 })) say(line);
    say(paint('dim', 'Play one with: mpv-plex-sync play --continue N'));
    return failures.length > 0 ? EXIT_FAILED : 0;
  } catch (error) {
    if (error instanceof PlayError || error instanceof ConfigError) {
      complain(error.message);
      return EXIT_FAILED;
    }
    throw error;
  }
}
