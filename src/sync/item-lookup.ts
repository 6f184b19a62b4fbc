// Finding a playback's Plex item: the resolver's answer, the server's watch preferences, Plex's
// stream choice, and so the mark. Only the item is learnt here; what is then reported or counted
// is the engine's decision.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { classifyFailure } from './failure.js';
import { lookupFailureText, sayOnPlayer, tellItem } from './playback-notices.js';
import { placeMarkOn, type Playback } from './playback.js';
import { tokenFromPlayer } from './player-token.js';
import type { ItemResolver, StreamChoices, WatchPrefsSource } from './ports.js';
import { messages, OSD_SHORT_MS } from './user-messages.js';

export interface ItemLookupOptions {
  readonly config: Config;
  readonly resolver: ItemResolver;
  readonly servers: WatchPrefsSource;
  readonly streams?: StreamChoices;
  readonly log: Logger;
}

/**
 * Looks the playback's item up and records what was found (status 'plex', 'ignored' or 'error'),
 * telling the player. A lookup given up meanwhile (status no longer 'resolving': the playback
 * ended and was spooled) records nothing. Resolves to true when the item is a Plex item now.
 */
export async function lookUpItem(options: ItemLookupOptions, playback: Playback): Promise<boolean> {
  const { player, start } = playback;
  try {
    const urlToken = await tokenFromPlayer(player, start.path);
    const resolution = await options.resolver.resolve(start.path, start.ratingKey, urlToken);
    if (resolution.kind === 'not-plex') {
      if (playback.status !== 'resolving') return false;
      playback.status = 'ignored';
      options.log.info({ playbackId: start.playbackId, reason: resolution.reason }, 'not a Plex item');
      player.showText(messages.notPlex(resolution.reason), OSD_SHORT_MS);
      tellItem(playback);
      return false;
    }
    const item = resolution.item;
    const prefs = await options.servers.serverWatchPrefs(item.client);
    const streams = await options.streams?.forItem(start.playbackId, item);
    if (playback.status !== 'resolving') return false;
    playback.item = item;
    playback.serverPrefs = prefs;
    playback.streams = streams;
    // The baseline is read before our first report, so a later rise means this playback (or
    // another device) counted; a restarted helper gets it back from the script.
    playback.baselineViewCount ??= item.viewCount;
    if (playback.durationMs === null && item.durationMs) playback.durationMs = item.durationMs;
    placeMarkOn(playback, options.config);
    playback.status = 'plex';
    options.log.info({ playbackId: start.playbackId, ratingKey: item.ratingKey, server: item.client.serverUrl }, 'playing a Plex item');
    player.showText(messages.identified(item.displayName, item.playsAs ?? null), OSD_SHORT_MS);
    // A part URL or a file shows its file name in mpv (and on a desktop's media controls).
    player.titleFile(start.playbackId, item.displayName);
    tellItem(playback);
    return true;
  } catch (error) {
    if (playback.status !== 'resolving') return false;
    // Plex has no such item (404, 410): no later try can place it, so the playback is not one to
    // sync, rather than one to spool for a later helper, which would say this again at every attach.
    playback.status = classifyFailure(error) === 'gone' ? 'ignored' : 'error';
    options.log.warn({ playbackId: start.playbackId, err: error }, 'could not resolve the item');
    sayOnPlayer(player, lookupFailureText(error));
    tellItem(playback);
    return false;
  }
}
