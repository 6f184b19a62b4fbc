// `mpv-plex-sync user NAME [--pin -]`: switches the Plex Home user whose watches are sent. The
// switch is made on plex.tv as the user who watches now (the admin needs no PIN; anyone else
// needs a protected user's PIN), then the new user's servers are read with their own account
// token, and the config gets their entry (their token for each server) and becomes theirs:
// `activeUser` and `accountToken`. The other users' entries stay, so watches queued as them are
// still sent as them. A running helper picks the change up from the config file.
import type { Command } from 'commander';
import { readConfigObject, saveConfig, type Config } from '../../config/config.js';
import { LoginError } from '../../login/errors.js';
import { homeUserNamed, switchHomeUser } from '../../login/home-switch.js';
import { withUserSwitch } from '../../login/saved-login.js';
import { forgetResumeHints } from '../../mpv/resume-hints.js';
import { appPaths } from '../../config/paths.js';
import { redact } from '../../log/redact.js';
import { EXIT_USAGE } from '../context.js';
import { examplesText } from '../examples.js';
import { accountSession, failed, pinFor, serverLines, UsageError } from '../home-user-input.js';
import { paint, printJson, say } from '../output.js';
import { closeStdin } from '../secret-input.js';

export interface UserOptions {
  /** '-': read the PIN from stdin. */
  readonly pin?: string;
  readonly json?: boolean;
  readonly verbose?: boolean;
}

export function registerUser(program: Command): void {
  program
    .command('user')
    .description('switch the Plex Home user whose watches are sent')
    .argument('<name>', "the user's name or username (any case); 'mpv-plex-sync users' lists them")
    .option('--pin <source>', "where the PIN comes from: '-' reads it from stdin (on a terminal it is asked for when needed)")
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examplesText([
        ['mpv-plex-sync user Kids', "from now on, Kids' watches are sent"],
        ['mpv-plex-sync user alice --pin - < pin.txt', "a protected user, the PIN read from stdin"],
        ['mpv-plex-sync user Kids --json', 'the result as JSON'],
      ]),
    )
    .action(async (name: string, options: UserOptions) => {
      process.exitCode = await userCommand(name, { ...options, ...(program.opts() as { verbose?: boolean }) });
    });
}

async function userCommand(name: string, options: UserOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const { plextv, accountToken, activeUser, configFile } = accountSession(env);
    const users = await plextv.homeUsers(accountToken);
    const target = homeUserNamed(users, name);
    const callerIsAdmin = users.find((user) => user.uuid === activeUser)?.admin === true;
    const pin = await pinFor(target, options.pin, callerIsAdmin);
    const warn = (text: string): void => void process.stderr.write(`${paint('yellow', 'warning:', process.stderr)} ${redact(text)}\n`);
    const switched = await switchHomeUser(plextv, accountToken, target, pin, { warn });
    // Read again just before writing, and refused when broken: a file the person is editing is
    // not replaced by one made from what it held a few seconds ago, nor thrown away.
    const existing = readConfigObject(configFile);
    if (existing.problem) throw new LoginError(`config file ${configFile} ${existing.problem}; fix it, then switch again`);
    saveConfig(configFile, withUserSwitch(existing.values, switched) as Partial<Config>);
    forgetResumeHints(appPaths().stateDir);
    for (const server of switched.servers) if (!server.answered) warn(`"${server.name}" did not answer at any of its addresses; saved with ${server.url}`);
    if (options.json) {
      printJson({
        user: switched.user,
        servers: switched.servers.map((server) => ({ name: server.name, machineId: server.machineId, owned: server.owned, url: server.url, answered: server.answered })),
      });
    } else {
      say(`${paint('green', 'Now watching as')} ${switched.user.name}`);
      if (switched.servers.length === 0) say(`${switched.user.name} reaches no servers; nothing will be sent until one is shared with them`);
      else {
        say(`${switched.user.name}'s servers:`);
        for (const line of serverLines(switched.servers, null)) say(line);
      }
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      failed(error, false);
      return EXIT_USAGE;
    }
    return failed(error, options.verbose === true);
  } finally {
    closeStdin();
  }
}
