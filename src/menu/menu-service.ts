// The helper's side of the Plex menu inside mpv (issue 21): one per attached mpv (the script
// session's MenuPort). It answers a page (Continue Watching, the playing show's episodes, a
// search) with rows whose ids only it can read, and plays a chosen row in that mpv the way `play`
// does: planned by src/play/ (a show's next episode, Plex's title, the ratingKey for the script,
// the short-lived token header in the file's own options) and loaded with `loadfile … replace`. The script's on_unload hold finishes
// and syncs the file being left first; its on_load lookup then resumes, skips and picks streams
// for the new one as for any Plex item. The script never sees the token.
import type { Logger } from 'pino';
import { ConfigError } from '../config/config.js';
import type { FoundItem } from '../find/found-item.js';
import { errorText } from '../log/redact.js';
import type { MenuPort, MpvControl, PlayingItem } from '../mpv/script-session.js';
import type { PlexClient } from '../plex/client.js';
import { loadEntries, refusalLine } from '../play/load-entries.js';
import { fallbackNotice } from '../play/player-header.js';
import { failureLine, loadItem, planEntries, PlayError } from '../play/play-plan.js';
import { MAX_MENU_ROWS, type MenuPagePayload, type MenuPlayedPayload, type MenuPlayPayload, type MenuRequestPayload, type MenuRow } from '../protocol/messages.js';
import { rowText, seasonFirst } from './menu-rows.js';
import { pageFailure } from './page-failure.js';
import type { PlexServers } from '../plex/servers.js';
import { menuServersOf, type MenuServers } from './menu-servers.js';
import { plexMenuSource, type MenuSource } from './menu-source.js';

/** Rows a service remembers for a later choice: a few pages' worth. Older ids are forgotten. */
const REMEMBERED_ROWS = 4 * MAX_MENU_ROWS;

export interface MenuServiceOptions {
  readonly source: MenuSource;
  readonly servers: MenuServers;
  readonly log: Logger;
}

/** What a row id stands for: an item on one server. */
interface Chosen {
  readonly client: PlexClient;
  readonly item: FoundItem;
}

export class MenuService implements MenuPort {
  readonly #options: MenuServiceOptions;
  readonly #rows = new Map<string, Chosen>();
  #nextId = 1;

  constructor(options: MenuServiceOptions) {
    this.#options = options;
  }

  async page(request: MenuRequestPayload, playing: PlayingItem | null): Promise<MenuPagePayload> {
    let client: PlexClient;
    try {
      client = this.#options.servers.clientFor(playing);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return failed(request, `Plex cannot be asked: ${error.message}`);
    }
    try {
      switch (request.page) {
        case 'continue':
          return await this.#continueWatching(request, client);
        case 'episodes':
          return await this.#episodes(request, client, playing);
        case 'search':
          return await this.#search(request, client);
      }
    } catch (error) {
      this.#options.log.warn({ err: error, page: request.page }, 'a menu page could not be read from Plex');
      return failed(request, pageFailure(client, error));
    }
  }

  async #continueWatching(request: MenuRequestPayload, client: PlexClient): Promise<MenuPagePayload> {
    const items = await this.#options.source.continueWatching(client);
    const rows = this.#rowsOf(client, items, false);
    return ok(request, 'Continue Watching', rows, rows.length === 0 ? 'Nothing to continue: Plex has nothing in progress or on deck.' : null, 0);
  }

  async #episodes(request: MenuRequestPayload, client: PlexClient, playing: PlayingItem | null): Promise<MenuPagePayload> {
    if (playing === null) return ok(request, 'Episodes', [], 'Nothing from Plex is playing: this page lists the episodes of the show that plays.', 0);
    const { source } = this.#options;
    const item = await source.item(client, playing.ratingKey);
    if (item.type !== 'episode' || item.showRatingKey === null) return ok(request, 'Episodes', [], `${item.name} is not an episode of a show.`, 0);
    const episodes = seasonFirst(await source.showEpisodes(client, item.showRatingKey), item.season);
    const rows = this.#rowsOf(client, episodes, true).map((row, at) => (episodes[at]?.ratingKey === item.ratingKey ? { ...row, current: true } : row));
    const current = Math.max(0, rows.findIndex((row) => row.current));
    const title = `${item.show ?? 'The show'}${item.season === null ? '' : ` — season ${item.season} first`}`;
    return ok(request, title, rows, null, current);
  }

  async #search(request: MenuRequestPayload, client: PlexClient): Promise<MenuPagePayload> {
    const text = request.query.trim();
    if (text === '') return ok(request, 'Search', [], 'Type what to search for, then ENTER.', 0);
    const rows = this.#rowsOf(client, await this.#options.source.search(client, text), false);
    return ok(request, `Search: ${text}`, rows, rows.length === 0 ? `Nothing on Plex matches "${text}".` : null, 0);
  }

  #rowsOf(client: PlexClient, items: readonly FoundItem[], onShowPage: boolean): MenuRow[] {
    return items.slice(0, MAX_MENU_ROWS).map((item) => ({ id: this.#remember({ client, item }), ...rowText(item, onShowPage), current: false }));
  }

  #remember(chosen: Chosen): string {
    const id = `r${this.#nextId++}`;
    this.#rows.set(id, chosen);
    // A Map keeps its insertion order: the first keys are the oldest.
    for (const old of this.#rows.keys()) {
      if (this.#rows.size <= REMEMBERED_ROWS) break;
      this.#rows.delete(old);
    }
    return id;
  }

  async play(request: MenuPlayPayload, mpv: MpvControl): Promise<MenuPlayedPayload> {
    const chosen = this.#rows.get(request.itemId);
    if (!chosen) return { requestId: request.requestId, ok: false, text: 'That row is too old: open the menu again.' };
    const { client, item } = chosen;
    const { log, servers } = this.#options;
    try {
      // A show or a season: its next episode, as Plex's apps choose it (play-plan.ts).
      const plan = await loadItem(client, item.ratingKey);
      const { header, fellBack } = await servers.playerHeader(client);
      if (fellBack !== null) log.warn(fallbackNotice(fellBack));
      const entries = await planEntries(plan, { version: null, next: 0 }, header);
      const report = await loadEntries(mpv, entries, { replace: true });
      if (report.loaded === 0) {
        const why = refusalLine(report, entries.length) ?? `mpv did not take it: ${errorText(report.stopped)}`;
        return { requestId: request.requestId, ok: false, text: why };
      }
      log.info({ ratingKey: plan.meta.ratingKey }, 'the menu started an item');
      return { requestId: request.requestId, ok: true, text: entries[0]?.title ?? item.name };
    } catch (error) {
      if (error instanceof PlayError) return { requestId: request.requestId, ok: false, text: error.message };
      log.warn({ err: error }, 'the menu could not start an item');
      return { requestId: request.requestId, ok: false, text: await failureLine(client, item.ratingKey, error) };
    }
  }
}

/** The menu of one attached mpv, on Plex itself: its rows are that mpv's own, so a choice plays where it was made. */
export function plexMenu(servers: PlexServers, log: Logger): MenuService {
  return new MenuService({ source: plexMenuSource, servers: menuServersOf(servers), log });
}

function ok(request: MenuRequestPayload, title: string, rows: MenuRow[], note: string | null, selected: number): MenuPagePayload {
  return { requestId: request.requestId, status: 'ok', title, rows, error: note, selected };
}

function failed(request: MenuRequestPayload, why: string): MenuPagePayload {
  return { requestId: request.requestId, status: 'error', title: '', rows: [], error: why, selected: 0 };
}
