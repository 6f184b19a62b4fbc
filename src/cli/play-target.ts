// What `play` plays: a target (a title searched for, a ratingKey, a Plex URL or link, a part URL or
// a file; a show or a season plays its next episode) or `--continue N`, turned into the entries
// mpv loads. The choosing a person sees is here: the numbered matches of a title, asked about on
// a terminal, and the one line when mpv is given the server's own token. commands/play.ts starts
// mpv with what this plans.
import { loadClientIdentifier } from '../config/client-id.js';
import { notYourServer } from '../config/saved-servers.js';
import { PlexServers } from '../plex/servers.js';
import type { PlexClient } from '../plex/client.js';
import { redact, registerSecret } from '../log/redact.js';
import { findItem, loadItem, planEntries, PlayError, versionLines, withArticle, type ItemPlan, type PlayEntry } from '../play/play-plan.js';
import { continueOnServers, searchServers, serversToAsk, type Found } from '../play/found-targets.js';
import { fallbackNotice, playerHeader } from '../play/player-header.js';
import { parsePersonTarget, type PersonTarget } from '../address/person-target.js';
import { displayName } from '../resolve/display-name.js';
import { clearMatch } from '../find/search.js';
import { parseSearchQuery } from '../find/search-query.js';
import type { CommandContext } from './context.js';
import { continueLines, searchLines } from './found-lines.js';
import { askWhich } from './found-choice.js';
import { canAsk } from './secret-input.js';

export interface PlayOptions {
  readonly ratingKey?: string;
  readonly verbose?: boolean;
  /** 1-based version of the item to play. @default the first */
  readonly useVersion?: number;
  /** List the item's versions and exit. */
  readonly versions?: boolean;
  /** Episodes of the show to queue after this one. @default 0 */
  readonly next?: number;
  /** The saved server a ratingKey is on (name or machine id). @default the default server */
  readonly server?: string;
  /** A title with several matches plays the best one, without asking. */
  readonly first?: boolean;
  /** A show or a season starts at its first episode. */
  readonly fromStart?: boolean;
  /** Play the n-th item of Continue Watching (true: the first). */
  readonly continue?: number | true;
  /** What is played (or a title's matches) as JSON on stdout; nothing is asked on the terminal. */
  readonly json?: boolean;
}

export type Plan =
  /** server: the name of the server of a Plex item found (null for a file or a URL played as it is). */
  | { readonly kind: 'play'; readonly entries: PlayEntry[]; readonly server: string | null }
  | { readonly kind: 'versions'; readonly lines: string[] }
  /** Nothing plays: these lines say why (several matches and no terminal to ask on), exit 1. */
  | { readonly kind: 'refused'; readonly lines: string[]; readonly matches?: readonly Found[] };

/** A match of a title as `play --json` prints it, with the server it is on. */
export function foundJson(found: Found): object {
  return { server: found.server.serverName, ...found.item };
}

export async function planPlay(context: CommandContext, text: string | undefined, options: PlayOptions): Promise<Plan> {
  const servers = new PlexServers({ config: context.config, clientIdentifier: loadClientIdentifier(context.paths.clientIdFile), version: context.version });
  if (options.continue !== undefined) {
    if (text !== undefined) throw new PlayError(`--continue plays from Continue Watching, and takes no target ('${text}'); give one or the other`);
    return itemPlan(context, servers, await continueItem(servers, options.continue === true ? 1 : options.continue, options), options);
  }
  if (text === undefined) throw new PlayError("give what to play: a title, a ratingKey, a Plex link or a file (or --continue); see 'mpv-plex-sync play --help'");
  const target = parsePersonTarget(text);
  if (target.kind === 'search') {
    const found = await searchItem(servers, target.text, options);
    return found.kind === 'refused' ? found : itemPlan(context, servers, found.item, options);
  }
  if (options.first) throw new PlayError(`--first chooses among the matches of a title, and '${text}' is not searched for`);
  const item = await findItem(target, servers, { serverName: options.server ?? null, fromStart: options.fromStart ?? false });
  if (!item) {
    if (options.versions || options.useVersion !== undefined || (options.next ?? 0) > 0) {
      throw new PlayError('--versions, --use-version and --next need a Plex item: a ratingKey, a /library/metadata URL or a Plex Web link');
    }
    const entry = await plainEntry(context, servers, target, options.ratingKey ?? null);
    if (options.ratingKey === undefined) return { kind: 'play', entries: [entry], server: null };
    // The item is asked for before mpv starts, as for `play <ratingKey>`: one that is not there is
    // refused here, rather than played, spooled for a helper that can never place it, and kept.
    // On the server the helper will ask (resolver.ts): a URL's own, else --server or the default.
    const named = await findItem(
      target.kind === 'localFile'
        ? { kind: 'ratingKey', ratingKey: options.ratingKey }
        : { kind: 'metadataUrl', origin: new URL(entry.url).origin, ratingKey: options.ratingKey, urlToken: target.kind === 'partUrl' || target.kind === 'otherUrl' ? target.urlToken : null },
      servers,
      { serverName: options.server ?? null },
    );
    return { kind: 'play', entries: [{ ...entry, title: named ? displayName(named.meta) : null }], server: named?.serverName ?? null };
  }
  return itemPlan(context, servers, item, options);
}

/** The plan for a Plex item found: its versions (--versions), or its playlist. */
async function itemPlan(context: CommandContext, servers: PlexServers, item: ItemPlan, options: PlayOptions): Promise<Plan> {
  if (options.fromStart && !item.chosenFrom) {
    throw new PlayError(`--from-start starts a show or a season at its first episode, and Plex item ${item.meta.ratingKey} ('${displayName(item.meta)}') on '${item.serverName}' is ${withArticle(item.meta.type)}`);
  }
  if (options.versions) {
    return { kind: 'versions', lines: [`${displayName(item.meta)} (item ${item.meta.ratingKey} on '${item.serverName}')`, ...versionLines(item.meta)] };
  }
  if (item.chosenFrom) process.stderr.write(`${redact(`mpv-plex-sync: ${displayName(item.chosenFrom)}: playing ${displayName(item.meta)}`)}\n`);
  const header = await mpvHeader(context, servers, item.client, item.serverName);
  return { kind: 'play', entries: await planEntries(item, { version: options.useVersion ?? null, next: options.next ?? 0 }, header), server: item.serverName };
}

/**
 * A title searched for on the servers: the one clear match (or the best, with --first); several
 * are listed and asked about on a terminal, and without one play stops with the list.
 */
async function searchItem(servers: PlexServers, text: string, options: PlayOptions): Promise<{ readonly kind: 'item'; readonly item: ItemPlan } | { readonly kind: 'refused'; readonly lines: string[]; readonly matches: readonly Found[] }> {
  const query = parseSearchQuery(text);
  if (query.words === '') throw new PlayError(`nothing to search for in '${text}'`);
  const asked = await serversToAsk(servers, options.server ?? null);
  const { found, failures } = await searchServers(asked, query);
  for (const failure of failures) process.stderr.write(`${redact(`mpv-plex-sync: ${failure}`)}\n`);
  const where = asked.length === 1 ? `'${asked[0]?.serverName ?? ''}'` : `any of your ${asked.length} servers`;
  if (found.length === 0) throw new PlayError(`no match for '${text}' on ${where}`);
  const clear = clearMatch(found.map((entry) => entry.item), query);
  let chosen: Found | undefined = options.first ? found[0] : found.find((entry) => entry.item === clear);
  if (!chosen) {
    const lines = searchLines(found, { stream: process.stderr, withServer: true });
    const heading = `mpv-plex-sync: ${found.length} matches for '${text}'`;
    if (options.json || !canAsk()) return { kind: 'refused', lines: [`${heading}; play one by its ratingKey (the last column), or the best with --first:`, ...lines], matches: found };
    process.stderr.write(`${[`${heading}:`, ...lines].join('\n')}\n`);
    const number = await askWhich(found.length);
    if (number === null) return { kind: 'refused', lines: ['mpv-plex-sync: nothing chosen'], matches: [] };
    chosen = found[number - 1];
  }
  if (!chosen) throw new PlayError(`no match for '${text}' on ${where}`);
  return { kind: 'item', item: await loadItem(chosen.server.client, chosen.item.ratingKey, { fromStart: options.fromStart ?? false }) };
}

/** The n-th item of Continue Watching (1-based), as `mpv-plex-sync continue` numbers them. */
async function continueItem(servers: PlexServers, number: number, options: PlayOptions): Promise<ItemPlan> {
  const asked = await serversToAsk(servers, options.server ?? null);
  const { found, failures } = await continueOnServers(asked);
  for (const failure of failures) process.stderr.write(`${redact(`mpv-plex-sync: ${failure}`)}\n`);
  const chosen = found[number - 1];
  if (!chosen) {
    if (found.length === 0) throw new PlayError('Continue Watching is empty: nothing is in progress, and no show has a next episode');
    throw new PlayError(`Continue Watching holds ${found.length} item${found.length === 1 ? '' : 's'}, not ${number}:\n${continueLines(found, { stream: process.stderr, withServer: asked.length > 1 }).join('\n')}`);
  }
  return loadItem(chosen.server.client, chosen.item.ratingKey);
}

/**
 * The header mpv gets for a server's media: a transient token (player-header.ts), else the
 * server's own, which is said once on the terminal.
 */
async function mpvHeader(context: CommandContext, servers: PlexServers, client: PlexClient, serverName?: string): Promise<string | null> {
  const { header, fellBack } = await playerHeader(servers, client, serverName === undefined ? {} : { serverName });
  if (fellBack !== null) {
    process.stderr.write(`mpv-plex-sync: ${fallbackNotice(fellBack)}\n`);
    context.log.info({ reason: fellBack }, "mpv is given the server's own token");
  }
  return header;
}

/**
 * A file or a URL played as it is; the helper finds its Plex item, if any, from the path. A URL
 * that carries a token of its own plays with it: the person gave it; unless it is the token saved
 * for that server, which mpv never gets. A saved server's URL without one (or with its saved one)
 * plays with a transient token of that server, as an item does.
 */
async function plainEntry(context: CommandContext, servers: PlexServers, target: PersonTarget, ratingKey: string | null): Promise<PlayEntry> {
  if (target.kind === 'localFile') return { url: target.path, ratingKey, title: null, header: null };
  if (target.kind !== 'partUrl' && target.kind !== 'otherUrl') throw new Error(`unexpected target ${target.kind}`);
  const saved = servers.tokenFor(target.url);
  registerSecret(target.urlToken);
  // A URL that carries the very token saved for its server (a direct-play URL copied from Plex
  // Web) is no token the person chose for mpv: it is the account's, which mpv is never given.
  if (target.urlToken !== null && target.urlToken !== saved) {
    return { url: target.url, ratingKey, title: null, header: `X-Plex-Token: ${target.urlToken}` };
  }
  // A saved server's token goes only to that server's origins (saved-servers.ts); a URL on any
  // other origin plays with none. A Plex part URL there most likely fails in mpv (unless that
  // server lets its network in without a token) and syncs nothing: said, with the address to add
  // when it may be a saved server under another name (localhost for 127.0.0.1).
  if (saved === null && target.kind === 'partUrl' && target.urlToken === null) {
    process.stderr.write(`${redact(`mpv-plex-sync: ${notYourServer(servers.config, target.url, 'the URL carries no token')}; mpv plays it as given, and nothing of it is synced`)}\n`);
  }
  const client = saved === null ? null : servers.existing(target.url);
  const header = client ? await mpvHeader(context, servers, client) : null;
  return { url: target.url, ratingKey, title: null, header };
}

