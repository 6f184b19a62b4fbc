// `mpv-plex-sync users`: the Plex Home's users (as plex.tv lists them with the saved account
// token), which are admin, protected by a PIN or managed, and which one watches now. Read-only.
import type { Command } from 'commander';
import type { HomeUser } from '../../plex/plextv.js';
import { accountSession, failed } from '../home-user-input.js';
import { examplesText } from '../examples.js';
import { paint, printJson, say } from '../output.js';

export interface UsersOptions {
  readonly json?: boolean;
  readonly verbose?: boolean;
}

export function registerUsers(program: Command): void {
  program
    .command('users')
    .description("list the Plex Home's users, and which one watches now")
    .option('--json', 'print the users as JSON')
    .addHelpText(
      'after',
      examplesText([
        ['mpv-plex-sync users', "the Home's users; * marks who watches now"],
        ['mpv-plex-sync users --json', 'the users as JSON'],
      ]),
    )
    .action(async (options: UsersOptions) => {
      process.exitCode = await usersCommand({ ...options, ...(program.opts() as { verbose?: boolean }) });
    });
}

/** What `users --json` prints of each user. */
export interface UserRow {
  readonly uuid: string;
  readonly name: string;
  readonly username: string | null;
  readonly admin: boolean;
  readonly protected: boolean;
  readonly managed: boolean;
  readonly restrictionProfile: string | null;
  readonly active: boolean;
}

async function usersCommand(options: UsersOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const { plextv, accountToken, activeUser } = accountSession(env);
    const users = await plextv.homeUsers(accountToken);
    const rows = users.map((user) => rowOf(user, activeUser));
    if (options.json) printJson(rows);
    else for (const line of usersTable(rows)) say(line);
    return 0;
  } catch (error) {
    return failed(error, options.verbose === true);
  }
}

function rowOf(user: HomeUser, activeUser: string | null): UserRow {
  return {
    uuid: user.uuid,
    name: user.title,
    username: user.username,
    admin: user.admin,
    protected: user.protected,
    managed: user.restricted,
    restrictionProfile: user.restrictionProfile,
    active: user.uuid === activeUser,
  };
}

/** The table: a `*` before the active user, then yes/no columns a person can scan. */
export function usersTable(rows: readonly UserRow[]): string[] {
  const header = ['', 'NAME', 'ADMIN', 'PIN', 'MANAGED'];
  const cells = rows.map((row) => [
    row.active ? '*' : '',
    row.name,
    row.admin ? 'yes' : 'no',
    row.protected ? 'yes' : 'no',
    row.managed ? (row.restrictionProfile ? `yes (${row.restrictionProfile})` : 'yes') : 'no',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => (cell[column] ?? '').length)));
  const line = (cell: readonly string[]): string => cell.map((text, column) => text.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  const lines = [paint('bold', line(header)), ...cells.map(line)];
  lines.push(rows.some((row) => row.active) ? "* watching now; switch with 'mpv-plex-sync user NAME'" : "none of them watches now; choose with 'mpv-plex-sync user NAME'");
  return lines;
}
