// Switching the Plex Home user: which user a name means, the switch on plex.tv (the PIN of a
// protected user), and the servers the new user reaches with the new user's own tokens (Plex
// keeps watched state per user, so each user's plays must go with that user's token).
import { WrongPinError, type HomeUser, type PlexTv } from '../plex/plextv.js';
import { accountServers, type AccountServer, type Options as ServerOptions } from './account-servers.js';
import { LoginError } from './errors.js';
import type { UserSwitch } from './saved-login.js';

/** The switch was refused for the PIN: wrong, or missing for a protected user. */
export class WrongPinLoginError extends LoginError {
  override readonly name = 'WrongPinLoginError';
}

/** The Home user `wanted` names: their title or username, in any case; else a LoginError listing the names. */
export function homeUserNamed(users: readonly HomeUser[], wanted: string): HomeUser {
  const lower = wanted.trim().toLowerCase();
  const found =
    users.find((user) => user.title === wanted || user.username === wanted) ??
    users.find((user) => user.title.toLowerCase() === lower || user.username?.toLowerCase() === lower);
  if (!found) throw new LoginError(`no Home user named "${wanted}"; the Home has ${users.map((user) => `"${user.title}"`).join(', ') || 'no users'}`);
  return found;
}

/** True when the switch to `target` needs their PIN: they are protected and the switch is not the admin's. */
export function needsPin(target: HomeUser, callerIsAdmin: boolean): boolean {
  return target.protected && !callerIsAdmin;
}

/** Switches to `target` and reads the servers they reach. Throws WrongPinLoginError for a refused PIN. */
export async function switchHomeUser(plextv: PlexTv, accountToken: string, target: HomeUser, pin: string | null, options: ServerOptions): Promise<UserSwitch & { readonly servers: readonly AccountServer[] }> {
  let userToken: string;
  try {
    userToken = await plextv.switchUser(accountToken, target.uuid, pin);
  } catch (error) {
    if (error instanceof WrongPinError) {
      const text = pin === null ? `${target.title} is protected by a PIN; give it with --pin - (read from stdin)` : `wrong PIN for ${target.title}`;
      throw new WrongPinLoginError(text, { cause: error });
    }
    throw error;
  }
  const servers = await accountServers(plextv, userToken, options);
  return { accountToken: userToken, user: { uuid: target.uuid, name: target.title }, servers };
}
