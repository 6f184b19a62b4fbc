// `mpv-plex-sync server [NAME]`: lists the saved servers, or makes NAME the default one, the
// server a ratingKey (`play 101`) and a local file are looked up on first. It changes one key of
// config.json and nothing else; a running helper reads the change before its next playback.
import type { Command } from 'commander';
import { loadConfig, readConfigObject, saveConfig, type Config } from '../../config/config.js';
import { appPaths } from '../../config/paths.js';
import { activeUser, savedServers, serverLabel, serverNamed, serverToken, type SavedServer } from '../../config/saved-servers.js';
import { EXIT_FAILED } from '../context.js';
import { examplesText } from '../examples.js';
import { complain, paint, printJson, say } from '../output.js';

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('list the saved Plex servers, or make NAME the default one')
    .argument('[name]', "a saved server's name or machine id")
    .option('--json', 'print the servers as JSON')
    .addHelpText(
      'after',
      examplesText([
        ['mpv-plex-sync server', 'the saved servers; * marks the default'],
        ['mpv-plex-sync server "Living Room"', 'make that server the default'],
        ['mpv-plex-sync server --json', 'the servers as JSON'],
      ]),
    )
    .action((name: string | undefined, options: { json?: boolean }) => {
      process.exitCode = serverCommand(name ?? null, options.json === true);
    });
}

function serverCommand(name: string | null, json: boolean): number {
  const paths = appPaths();
  let config: Config;
  try {
    config = loadConfig(paths.configFile);
  } catch (error) {
    complain((error as Error).message);
    return EXIT_FAILED;
  }
  if (name === null) return list(config, json);
  const server = serverNamed(config, name);
  if (!server) {
    const names = savedServers(config).map((candidate) => `"${serverLabel(candidate)}"`);
    complain(`no saved server is named "${name}"; ${names.length ? `the saved ones: ${names.join(', ')}` : "none is saved: run 'mpv-plex-sync login'"}`);
    return EXIT_FAILED;
  }
  if (server.name === null) {
    complain(`${serverLabel(server)} is the only server of this config (saved by URL); run 'mpv-plex-sync login' to save every server of your account`);
    return EXIT_FAILED;
  }
  const file = readConfigObject(paths.configFile);
  saveConfig(paths.configFile, { ...file.values, defaultServer: server.name } as Partial<Config>);
  say(`${paint('green', 'Default server:')} "${server.name}" (${server.url})`);
  return 0;
}

function list(config: Config, json: boolean): number {
  const servers = savedServers(config);
  const user = activeUser(config);
  if (json) {
    printJson({ activeUser: user?.name ?? null, servers: servers.map((server) => describe(config, server)) });
    return 0;
  }
  if (servers.length === 0) {
    say("No server is saved: run 'mpv-plex-sync login'");
    return EXIT_FAILED;
  }
  const width = Math.max(...servers.map((server) => serverLabel(server).length));
  for (const server of servers) {
    const facts = describe(config, server);
    const marks = [facts.owned ? 'owned' : 'shared', ...(facts.default ? ['default'] : []), ...(facts.token ? [] : [`no token${user ? ` for ${user.name}` : ''}`]), ...(facts.tlsVerify ? [] : ['certificate not checked'])];
    say(`${facts.default ? paint('bold', '*') : ' '} ${serverLabel(server).padEnd(width)}  ${paint('dim', server.url)}  (${marks.join(', ')})`);
  }
  if (user) say(paint('dim', `Watching as ${user.name}; change it with mpv-plex-sync user NAME`));
  return 0;
}

function describe(config: Config, server: SavedServer) {
  return {
    name: server.name,
    machineId: server.machineId,
    url: server.url,
    owned: server.owned,
    default: server.isDefault,
    token: serverToken(config, server, null) !== null,
    tlsVerify: server.tls.verify,
  };
}
