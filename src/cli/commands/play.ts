// `mpv-plex-sync play <target> [-- mpv options]`: plays a Plex item (a title to search for, a
// ratingKey, a Plex URL or link, a part URL or a file; a show or a season plays its next
// episode; `--continue N` the N-th of Continue Watching) in mpv with the script and socket set
// up, and attaches the helper.
// mpv gets play's own terminal (launcher.ts), and play exits with mpv's code once mpv is gone.
// The token never goes on mpv's command line: each entry is loaded over IPC with the token as
// an HTTP header in its own options.
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { mpvScriptDirs } from '../../config/mpv-dir.js';
import { HELPER_NODE_FLAGS, helperCommandFor } from '../../install/installer.js';
import { installedScriptIn } from '../../install/script-file.js';
import { loadClientIdentifier } from '../../config/client-id.js';
import { ensurePrivateDir } from '../../config/private-dir.js';
import { askHelper, helperListening } from '../../helper/control.js';
import { launchMpv } from '../../mpv/launcher.js';
import { PlexServers } from '../../plex/servers.js';
import { playSocketPath } from '../../protocol/runtime-dir.js';
import { redact, registerSecret } from '../../log/redact.js';
import { loadEntries, refusalLine } from '../../play/load-entries.js';
import { findItem, loadItem, planEntries, PlayError, versionLines, withArticle, type ItemPlan, type PlayEntry } from '../../play/play-plan.js';
import { continueOnServers, searchServers, serversToAsk, type Found } from '../../play/found-targets.js';
import { fallbackNotice, playerHeader } from '../../play/player-header.js';
import type { PlexClient } from '../../plex/client.js';
import { parsePersonTarget, PlayTargetError, type PersonTarget } from '../../address/person-target.js';
import { displayName } from '../../resolve/display-name.js';
import { clearMatch } from '../../find/search.js';
import { parseSearchQuery } from '../../find/search-query.js';
import { binPath, bundledScriptPath, commandContext, EXIT_FAILED, type CommandContext } from '../context.js';
import { continueLines, searchLines } from '../found-lines.js';
import { printJsonLine } from '../output.js';
import { askWhich } from '../found-choice.js';
import { canAsk } from '../secret-input.js';

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

export async function playCommand(target: string | undefined, mpvArgs: readonly string[], options: PlayOptions): Promise<number> {
  const context = commandContext({ verbose: options.verbose ?? false });
  let entries: PlayEntry[];
  // A cold helper boots while play asks Plex what to play and mpv starts (issue 20). A play that
  // is then refused leaves it to exit on its own, as it does with no mpv to serve.
  const socketPath = options.versions ? null : playSocket(context, mpvArgs);
  const helper = socketPath === null ? null : await startHelper(context, socketPath);
  try {
    const plan = await planPlay(context, target, options);
    if (plan.kind === 'versions') {
      for (const line of plan.lines) process.stdout.write(`${line}\n`);
      return 0;
    }
    if (plan.kind === 'refused') {
      if (options.json && plan.matches) printJsonLine({ playing: null, matches: plan.matches.map(foundJson) });
      else for (const line of plan.lines) process.stderr.write(`${redact(line)}\n`);
      return EXIT_FAILED;
    }
    entries = plan.entries;
    // One line, before mpv starts: mpv's own output follows on the same stdout.
    if (options.json) printJsonLine({ playing: entries.map((entry) => ({ ratingKey: entry.ratingKey, title: entry.title, server: plan.server })), matches: null });
  } catch (error) {
    if (error instanceof PlayError || error instanceof PlayTargetError) {
      process.stderr.write(`mpv-plex-sync: ${error.message}\n`);
      context.log.info({ target: error.message }, 'play refused');
      return EXIT_FAILED;
    }
    throw error;
  }
  if (socketPath === null || helper === null) throw new Error('play has no socket for mpv');
  return playEntries(context, entries, mpvArgs, socketPath, helper);
}

/**
 * The person's own socket, when the options after -- name one: mpv opens one socket only, the
 * last one named, and play and the helper then share it with whoever the person set it for.
 */
function playSocket(context: CommandContext, mpvArgs: readonly string[]): string {
  ensurePrivateDir(context.paths.runtimeDir);
  return ownIpcServer(mpvArgs) ?? playSocketPath(context.paths.runtimeDir, process.pid);
}

type Plan =
  /** server: the name of the server of a Plex item found (null for a file or a URL played as it is). */
  | { readonly kind: 'play'; readonly entries: PlayEntry[]; readonly server: string | null }
  | { readonly kind: 'versions'; readonly lines: string[] }
  /** Nothing plays: these lines say why (several matches and no terminal to ask on), exit 1. */
  | { readonly kind: 'refused'; readonly lines: string[]; readonly matches?: readonly Found[] };

/** A match of a title as `play --json` prints it, with the server it is on. */
function foundJson(found: Found): object {
  return { server: found.server.serverName, ...found.item };
}

async function planPlay(context: CommandContext, text: string | undefined, options: PlayOptions): Promise<Plan> {
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
  // other origin plays with none.
  const client = saved === null ? null : servers.existing(target.url);
  const header = client ? await mpvHeader(context, servers, client) : null;
  return { url: target.url, ratingKey, title: null, header };
}

async function playEntries(context: CommandContext, entries: readonly PlayEntry[], mpvArgs: readonly string[], socketPath: string, helper: StartingHelper): Promise<number> {
  // The script once: mpv loads an installed one by itself. A second copy would stay silent
  // (mpv-scripts/plex-sync/election.ts), but it would still cost a load.
  const installed = installedScriptIn(mpvScriptDirs(mpvArgs));
  if (installed) context.log.debug({ script: installed }, 'mpv loads the installed script');
  // The socket once more after the person's options (before a `--` of theirs, after which mpv
  // reads file names): the same as theirs when they named one, and play's own over an empty one.
  const end = mpvArgs.includes('--') ? mpvArgs.indexOf('--') : mpvArgs.length;
  const args = [
    ...(installed ? [] : [`--script=${bundledScriptPath()}`]),
    `--script-opts-append=plex-sync-helper=${helperCommand()}`,
    // The script waits for the helper play started rather than start one with play's streams.
    ...(helper.spawned ? ['--script-opts-append=plex-sync-helper_starting=yes'] : []),
    ...mpvArgs.slice(0, end),
    `--input-ipc-server=${socketPath}`,
    ...mpvArgs.slice(end),
  ];
  const mpv = await launchMpv({ socketPath, args, binary: process.env['MPV_BINARY'] ?? null });
  // A Ctrl+C on the terminal reaches mpv too, which quits after its sync: play waits for it and
  // exits with its code, rather than leave mpv writing to a shell prompt.
  const passOn = (signal: NodeJS.Signals) => () => {
    if (signal !== 'SIGINT' && mpv.pid !== undefined) process.kill(mpv.pid, signal);
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, passOn(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  try {
    if (!mpv.control) {
      const code = await mpv.exited;
      if (code === 127) process.stderr.write(`mpv-plex-sync: cannot start mpv (${process.env['MPV_BINARY'] ?? 'mpv'} not found on PATH; MPV_BINARY names another)\n`);
      return code;
    }
    const control = mpv.control;
    // play only sends commands: an event mpv writes to it is one more thing to read before the
    // close (MpvIpcClient.close), and one that could come after it.
    control.send(['disable_event', 'all']);
    // The entries first: a file with a resume hint starts while the helper still boots.
    const report = await loadEntries(control, entries);
    await ensureHelper(context, socketPath, helper);
    // mpv quit (or was quit) before every entry was in: its exit code says the rest.
    if (report.stopped) context.log.debug({ err: report.stopped }, 'loading the playlist into mpv stopped');
    const refused = refusalLine(report, entries.length);
    if (refused !== null) {
      process.stderr.write(`mpv-plex-sync: ${refused}\n`);
      context.log.warn({ refused: report.refused.length, entries: entries.length }, 'mpv refused playlist entries');
    }
    if (report.loaded === 0 && (await stillRunning(mpv.exited))) {
      // Nothing loaded: with --idle=once and an empty playlist mpv would wait for ever.
      if (refused === null) process.stderr.write(`mpv-plex-sync: mpv did not take the item: ${redact(report.stopped?.message ?? 'no answer')}\n`);
      await control.command(['quit', String(EXIT_FAILED)]).catch(() => undefined);
    }
    await control.close();
    return await mpv.exited;
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

/**
 * The socket `--input-ipc-server` names among the person's mpv options (the last one, as mpv takes
 * it), made absolute as mpv would (`~/` is the home dir, a relative path is play's own dir); null
 * when none does, or when it is empty (which turns mpv's socket off, and play needs one: its own
 * then comes last and wins).
 */
export function ownIpcServer(mpvArgs: readonly string[]): string | null {
  let found: string | null = null;
  for (const [index, arg] of mpvArgs.entries()) {
    if (arg === '--') break;
    if (arg.startsWith('--input-ipc-server=')) found = arg.slice('--input-ipc-server='.length);
    else if (arg === '--input-ipc-server' && index + 1 < mpvArgs.length) found = mpvArgs[index + 1] ?? null;
  }
  if (found === null || found === '') return null;
  if (found.startsWith('~/')) return join(homedir(), found.slice(2));
  return resolve(found);
}

/** Whether mpv is still there a moment from now (a refused command can come just before its exit). */
async function stillRunning(exited: Promise<number>): Promise<boolean> {
  return Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 200))]);
}

/** The command the script uses to restart the helper: this very install, quoted as the script reads it. */
function helperCommand(): string {
  return helperCommandFor(process.execPath, binPath()).command;
}

/** The helper play found running, or started and is waiting for. */
interface StartingHelper {
  /** play started it (none was running). */
  readonly spawned: boolean;
  /** Resolves true once it listens; false when it did not within HELPER_START_WAIT_MS. */
  readonly listening: Promise<boolean>;
}

/**
 * Starts the helper when none runs, without waiting for it: it boots while play asks Plex what
 * to play and mpv starts. mpv gives a detached subprocess its own stdin, stdout and stderr (seen
 * with mpv 0.35: a detached `sleep 7` kept mpv's output pipe open 7 s after mpv quit), which under
 * play are play's, so the script must not start one: play tells it one is on its way
 * (helper_starting) and, once it listens, asks it to attach to mpv (ensureHelper).
 */
async function startHelper(context: CommandContext, socketPath: string): Promise<StartingHelper> {
  if (await helperListening(context.paths.controlSocket)) return { spawned: false, listening: Promise.resolve(true) };
  spawnHelper(socketPath);
  return { spawned: true, listening: untilListening(context) };
}

async function untilListening(context: CommandContext): Promise<boolean> {
  const until = Date.now() + HELPER_START_WAIT_MS;
  while (Date.now() < until) {
    if (await helperListening(context.paths.controlSocket)) return true;
    // Unref'd: a play refused meanwhile exits at once, not when this gives up.
    await new Promise((resolve) => setTimeout(resolve, HELPER_POLL_MS).unref());
  }
  return false;
}

/** Hands mpv to the helper once it listens; starts another when the one started never did. */
async function ensureHelper(context: CommandContext, socketPath: string, helper: StartingHelper): Promise<void> {
  if (!(await helper.listening)) context.log.debug('the helper play started did not listen in time; starting another');
  const reply = await askHelper(context.paths.controlSocket, { op: 'attach', socket: socketPath });
  if (reply.ok) return;
  spawnHelper(socketPath);
}

/** How long play waits for the helper it started to listen, before it starts another. */
const HELPER_START_WAIT_MS = 3_000;
/** How often play looks whether it listens: a connect attempt to a unix socket costs little. */
const HELPER_POLL_MS = 10;

/** The helper, detached, with none of play's (the terminal's) streams. */
function spawnHelper(socketPath: string): void {
  const child = spawn(process.execPath, [...HELPER_NODE_FLAGS, binPath(), 'attach', socketPath], { detached: true, stdio: 'ignore' });
  child.unref();
}
