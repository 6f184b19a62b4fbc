// The token of the file mpv plays: a URL mpv was given may carry its own X-Plex-Token, which the
// script never sends over script-message (mpv logs those). The helper reads mpv's full path
// instead, and uses that token only for the file the message is about.
import { httpUrl, urlOwnToken } from '../address/plex-address.js';
import type { PlayerPort } from './ports.js';

/**
 * The X-Plex-Token in mpv's current path, if that path is the file `path` names (same origin and
 * same path; the script removed the token and user info from `path`). A message that comes late
 * (a frozen or slow helper) may be about a file mpv has already left: that file gets no token,
 * and the token of the file mpv plays now never goes to another file's host.
 */
export async function tokenFromPlayer(player: Pick<PlayerPort, 'fullPath'>, path: string): Promise<string | null> {
  const full = await player.fullPath().catch(() => null);
  const playing = full === null ? null : httpUrl(full);
  const named = httpUrl(path);
  if (!playing || !named || playing.origin !== named.origin || playing.pathname !== named.pathname) return null;
  return urlOwnToken(playing);
}
