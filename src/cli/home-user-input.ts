// What `users`, `user` and `login --user` share: the saved account, the PIN of the Home user to
// switch to, the lines that show the servers a login or a switch saved, and the one failure line.
import { loadClientIdentifier } from '../config/client-id.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { appPaths } from '../config/paths.js';
import type { AccountServer } from '../login/account-servers.js';
import { LoginError, failureText } from '../login/errors.js';
import { needsPin } from '../login/home-switch.js';
import { PlexTv, type HomeUser } from '../plex/plextv.js';
import { EXIT_FAILED, packageVersion } from './context.js';
import { complain, paint } from './output.js';
import { askHidden, canAsk, nextStdinLine } from './secret-input.js';

/** The arguments cannot work as given: exit code 2. */
export class UsageError extends LoginError {
  override readonly name = 'UsageError';
}

/**
 * The PIN to switch to `target` with: `--pin -` reads it from stdin; without --pin a terminal is
 * asked (no echo) when the switch needs one; else none, and plex.tv's refusal says it is needed.
 */
export async function pinFor(target: HomeUser, pinOption: string | undefined, callerIsAdmin: boolean): Promise<string | null> {
  if (pinOption !== undefined) {
    // A PIN in argv is visible to every process (ps), like a token.
    if (pinOption !== '-') throw new UsageError("--pin takes '-' and reads the PIN from stdin; a PIN on the command line is visible to other processes");
    const pin = await nextStdinLine();
    if (!pin) throw new UsageError('--pin - reads the PIN from stdin, but stdin gave none');
    return pin;
  }
  if (!needsPin(target, callerIsAdmin) || !canAsk()) return null;
  const pin = await askHidden(`PIN for ${target.title}: `);
  if (pin === null) throw new LoginError('cancelled');
  return pin || null;
}

/** One line per server: name, owned or shared, the default, the address, and one that did not answer. */
export function serverLines(servers: readonly AccountServer[], defaultName: string | null): string[] {
  const width = Math.max(0, ...servers.map((server) => server.name.length));
  return servers.map((server) => {
    const notes = [server.owned ? 'owned' : 'shared', ...(server.name === defaultName ? ['default'] : []), ...(server.answered ? [] : ['did not answer']), ...(server.via === 'relay' ? ['through the relay, which is slow'] : [])];
    return `  ${server.name.padEnd(width)}  ${server.url}  ${paint('dim', `(${notes.join(', ')})`)}`;
  });
}

/** Said when the config holds no account token: only a plex.tv login saves one. */
export const NO_ACCOUNT_TEXT = "no Plex account is saved (Home users need a plex.tv login); run 'mpv-plex-sync login'";

/** The saved account token and a plex.tv client; a LoginError when the config holds no token. */
export function accountSession(env: NodeJS.ProcessEnv): { plextv: PlexTv; accountToken: string; activeUser: string | null; configFile: string } {
  const paths = appPaths(env);
  const config = loadConfig(paths.configFile, env);
  if (!config.accountToken) throw new LoginError(NO_ACCOUNT_TEXT);
  const plextv = new PlexTv({ clientIdentifier: loadClientIdentifier(paths.clientIdFile), version: packageVersion(), env });
  return { plextv, accountToken: config.accountToken, activeUser: config.activeUser, configFile: paths.configFile };
}

/** One line on stderr; exit 1. */
export function failed(error: unknown, verbose: boolean): number {
  const text = error instanceof LoginError || error instanceof ConfigError ? error.message : failureText(error);
  complain(text);
  if (verbose && error instanceof Error && error.cause instanceof Error) complain(`details: ${error.cause.name}: ${error.cause.message}`);
  return EXIT_FAILED;
}
