// The helper process: one per user session. It owns the outbox (the single writer), attaches to
// every mpv that asks, feeds the sync engine, replays the outbox, and exits when no mpv is left
// and nothing can be sent now.
import type { Server } from 'node:net';
import type { Logger } from 'pino';
import type { AppPaths } from '../config/paths.js';
import { loadClientIdentifier } from '../config/client-id.js';
import type { Config } from '../config/config.js';
import { PlayerLink } from '../mpv/player-link.js';
import { FileOutboxStore, type OutboxEntry } from '../outbox/index.js';
import { PlexNotifications } from '../plex/notifications.js';
import { PlexServers } from '../plex/servers.js';
import type { ScriptMessageIn } from '../protocol/validate.js';
import { HelperMessage } from '../protocol/messages.js';
import { PartIndex } from '../resolve/part-index.js';
import { Resolver } from '../resolve/resolver.js';
import { SyncEngine, type SyncEngineOptions } from '../sync/engine.js';
import { OutboxReplayer, type ReplayResult, type ReplaySummary } from '../sync/replay.js';
import { EntryLocks } from '../sync/entry-locks.js';
import { takeInSpool, writeSpool } from '../sync/spool.js';
import { AttachRequests } from './attach-requests.js';
import { removeLeftSocket, sweepLeftSockets } from './left-sockets.js';
import { becomeHelper, type ControlReply, type ControlRequest } from './control.js';
import { desktopNotifier } from './desktop-notifier.js';
import { readRecentSyncs, RecentSyncs, syncRecord, type SyncRecord } from './recent-syncs.js';
import { thresholdFor } from '../config/config.js';
import { messages, OSD_LONG_MS } from '../sync/user-messages.js';

/**
 * How long a settled unload (the script did not hold mpv for it), or a closed mpv socket, waits
 * before it is handled: mpv is quitting, and the work here is not urgent.
 */
const SETTLED_UNLOAD_DELAY_MS = 100;

/**
 * How long the helper stays once no mpv is attached. An mpv started meanwhile (the next episode,
 * opened from a file manager or a shell loop) asks it to attach by file, and so starts no process
 * of its own (attach-requests.ts).
 */
export const DEFAULT_IDLE_EXIT_MS = 10_000;

export interface HelperOptions {
  readonly paths: AppPaths;
  readonly config: Config;
  readonly log: Logger;
  readonly version: string;
  /** How long to stay after the last mpv left, ms. @default DEFAULT_IDLE_EXIT_MS */
  readonly idleExitMs?: number;
  /**
   * Take attach requests that scripts leave as files. Only the helper that mpv's scripts start
   * does; a CLI command that becomes the helper for one request does not. @default false
   */
  readonly takeAttachRequests?: boolean;
  /** Periodic replay of the outbox while running, ms. @default 60000 */
  readonly replayIntervalMs?: number;
  /**
   * Replay the outbox on its own: at start, every replayIntervalMs, and when Plex answers again.
   * A CLI command that becomes the helper for one request turns it off, so that it does only
   * what it was asked. @default true
   */
  readonly catchUp?: boolean;
}

/** What a flush did, and how many entries are left in the outbox. */
export interface FlushSummary extends ReplaySummary {
  left: number;
}

export interface FlushOptions {
  /** Every entry, not only the due ones. @default false */
  readonly all?: boolean;
  /** Told after each entry's try, with how many of the flush's entries are done. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What `status` reports about the running helper. */
export interface HelperStatus {
  readonly pid: number;
  readonly players: number;
  /** Every outbox entry, oldest first. */
  readonly entries: readonly OutboxEntry[];
  /** The last sync results, oldest first. */
  readonly recent: readonly SyncRecord[];
}

/** A retry of chosen entries: what happened to them (other due entries may have gone along). */
export interface RetrySummary extends ReplaySummary {
  /** How many of the chosen entries were found and tried. */
  retried: number;
  /** Chosen ids that are not in the outbox. */
  missing: string[];
  /** Of the chosen entries, how many are still queued. */
  left: number;
}

/** How long after a watch's in-doubt time the helper checks it, so the check finds it due. */
const IN_DOUBT_MARGIN_MS = 200;

/** How often a flush checks whether a replay already under way has ended. */
const IDLE_POLL_MS = 20;

export class Helper {
  readonly #options: HelperOptions;
  readonly #log: Logger;
  readonly #links = new Set<PlayerLink>();
  readonly #outbox: FileOutboxStore;
  readonly #engine: SyncEngine;
  readonly #replayer: OutboxReplayer;
  readonly #resolver: Resolver;
  readonly #servers: PlexServers;
  readonly #clientIdentifier: string;
  /** One notification socket per server this helper talks to. */
  readonly #notifications = new Map<string, PlexNotifications>();
  readonly #locks = new EntryLocks();
  readonly #recent: RecentSyncs;
  /** Told of each replayed entry's fate, while a flush started here waits for its run. */
  readonly #replayListeners = new Set<(entry: OutboxEntry, result: ReplayResult) => void>();
  #server: Server | null = null;
  #attachRequests: AttachRequests | null = null;
  /** Attaches under way, by socket: a request and an `attach` for the same mpv make one link. */
  readonly #attaching = new Map<string, Promise<void>>();
  #replayTimer: NodeJS.Timeout | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #reachableDebounce: NodeJS.Timeout | null = null;
  #exitResolve: (() => void) | null = null;
  /** Watches in doubt this helper has already stayed for once (see #exitIfIdle). */
  readonly #stayedForDoubt = new Set<string>();
  /** Said on the OSD of the first mpv that attaches: found at start, before any mpv was there. */
  #startNotice: string | null = null;
  /** Requests that reach the control socket wait until the outbox is loaded. */
  #ready: Promise<void> = Promise.resolve();
  #markReady: () => void = () => undefined;

  constructor(options: HelperOptions) {
    this.#options = options;
    this.#log = options.log;
    const { paths, config, log } = options;
    this.#outbox = new FileOutboxStore({
      stateDir: paths.stateDir,
      onProblem: (message) => log.error(message),
      onNotice: (message) => log.info(message),
    });
    this.#clientIdentifier = loadClientIdentifier(paths.clientIdFile);
    const servers = new PlexServers({
      config,
      clientIdentifier: this.#clientIdentifier,
      version: options.version,
      onSkippedItem: (text) => log.warn(text),
    });
    this.#servers = servers;
    this.#resolver = new Resolver({ config, servers, partIndex: new PartIndex({ cacheFile: paths.indexCacheFile }) });
    this.#recent = new RecentSyncs({ stateDir: paths.stateDir, onProblem: (message) => log.warn(message) });
    const offline = desktopNotifier(log);
    const locks = this.#locks;
    const engineOptions: SyncEngineOptions = {
      config,
      servers,
      resolver: this.#resolver,
      outbox: this.#outbox,
      log,
      offline,
      spoolUnresolved: async (start, last) => writeSpool(paths.spoolDir, start, last),
      onServerReachable: () => this.#onServerReachable(),
      locks,
      onResult: (entry, result) => this.#remember(entry, result, 'live'),
    };
    this.#engine = new SyncEngine(engineOptions);
    this.#replayer = new OutboxReplayer({
      outbox: this.#outbox,
      servers,
      log,
      skipIds: () => this.#engine.liveEntryIds,
      locks,
      onResult: (entry, result) => {
        if (result.kind === 'dropped' && result.failure === 'gone') this.#tell(messages.watchFailed(entry.title, 'gone'));
        if (result.kind === 'kept' && (result.failure === 'auth' || result.failure === 'redirected') && entry.attempts === 0) {
          this.#tell(messages.watchFailed(entry.title, result.failure));
        }
        if (result.kind === 'dropped' && result.failure === 'superseded' && entry.kind === 'watch') this.#tell(messages.unwatchedElsewhere(entry.title));
        this.#remember(entry, result, 'replay');
        for (const listener of this.#replayListeners) listener(entry, result);
      },
    });
  }

  /** Takes the control socket. Returns false when another helper is already running. */
  async start(): Promise<boolean> {
    const { paths } = this.#options;
    this.#ready = new Promise((resolve) => (this.#markReady = resolve));
    this.#server = await becomeHelper({ runtimeDir: paths.runtimeDir, controlSocket: paths.controlSocket, handle: (request) => this.#handle(request) });
    if (!this.#server) return false;
    await this.#outbox.load();
    const damage = this.#outbox.damage;
    if (damage) this.#startNotice = messages.outboxDamaged(damage);
    this.#markReady();
    this.#log.info({ entries: this.#outbox.list().length }, 'helper started');
    if (this.#options.takeAttachRequests) {
      this.#attachRequests = new AttachRequests({ dir: paths.attachRequestsDir, log: this.#log, attach: (socketPath) => this.attach(socketPath) });
      this.#attachRequests.start();
      void sweepLeftSockets(paths.runtimeDir).then((removed) => removed > 0 && this.#log.info({ removed }, 'removed sockets left by mpvs that quit'));
    }
    if (this.#options.catchUp === false) return true;
    void this.#catchUp();
    this.#replayTimer = setInterval(() => void this.#catchUp(), this.#options.replayIntervalMs ?? 60_000);
    this.#replayTimer.unref();
    return true;
  }

  /** Resolves when the helper has decided to exit. */
  untilExit(): Promise<void> {
    return new Promise((resolve) => {
      this.#exitResolve = resolve;
      this.#scheduleIdleCheck();
    });
  }

  async attach(socketPath: string): Promise<void> {
    // `play` and the script may both ask for the same mpv: one link per socket.
    for (const existing of this.#links) if (existing.id === socketPath && existing.connected) return;
    const underWay = this.#attaching.get(socketPath);
    if (underWay) return underWay;
    const attaching = this.#attachNew(socketPath).finally(() => this.#attaching.delete(socketPath));
    this.#attaching.set(socketPath, attaching);
    return attaching;
  }

  async #attachNew(socketPath: string): Promise<void> {
    const link = new PlayerLink({
      socketPath,
      log: this.#log,
      onMessage: (from, message) => this.#onMessage(from, message),
      // mpv is still tearing down when its socket closes; let it finish before this wakes up.
      onClose: (closed) => void setTimeout(() => void this.#onLinkClosed(closed), SETTLED_UNLOAD_DELAY_MS),
    });
    await link.attach();
    this.#links.add(link);
    this.#cancelIdle();
    this.#log.info({ socket: socketPath, players: this.#links.size }, 'attached to mpv');
    if (this.#startNotice) {
      link.showText(this.#startNotice, OSD_LONG_MS);
      this.#startNotice = null;
    }
    void this.#catchUp();
  }

  async #handle(request: ControlRequest): Promise<ControlReply> {
    await this.#ready;
    switch (request.op) {
      case 'ping':
        return { ok: true, players: this.#links.size };
      case 'attach':
        await this.attach(request.socket);
        return { ok: true };
      case 'flush':
        return { ok: true, ...(await this.flush({ all: true })) };
      case 'status':
        return { ok: true, ...(await this.status()) };
      case 'queue-retry':
        return { ok: true, ...(await this.retry(request.ids ?? 'all')) };
      case 'queue-drop':
        return { ok: true, existed: await this.drop(request.id) };
    }
  }

  /** Takes in the spool, then sends the outbox (the due part, or all of it) in one replay run. */
  async flush(options: FlushOptions = {}): Promise<FlushSummary> {
    await takeInSpool(this.#spoolOptions());
    const summary = await this.#ownReplay(options.all ?? false, () => true, options.onProgress);
    return { ...summary, left: this.#outbox.list().length };
  }

  /** The outbox, the attached players and the last sync results. */
  async status(): Promise<HelperStatus> {
    await this.#recent.settled();
    return { pid: process.pid, players: this.#links.size, entries: this.#outbox.list(), recent: readRecentSyncs(this.#options.paths.stateDir) };
  }

  /** Makes the chosen entries (or all) due now and sends them. */
  async retry(ids: readonly string[] | 'all'): Promise<RetrySummary> {
    if (ids === 'all') {
      const summary = await this.flush({ all: true });
      return { ...summary, retried: summary.delivered + summary.dropped + summary.kept, missing: [] };
    }
    const chosen = new Set<string>();
    const missing: string[] = [];
    const now = Date.now();
    for (const id of new Set(ids)) {
      if (await this.#outbox.update(id, { nextAttemptAt: now })) chosen.add(id);
      else missing.push(id);
    }
    const summary = await this.#ownReplay(false, (entry) => chosen.has(entry.id));
    const left = [...chosen].filter((id) => this.#outbox.get(id)).length;
    return { ...summary, retried: chosen.size, missing, left };
  }

  /** Removes an entry, waiting for a delivery of it under way. Resolves to false when there was none. */
  async drop(id: string): Promise<boolean> {
    const removed = await this.#locks.run(id, () => this.#outbox.remove(id));
    if (removed) this.#log.info({ id }, 'outbox entry dropped by the user');
    return removed;
  }

  /**
   * One replay run that this call starts itself (a run already under way may have taken only the
   * due entries), reporting what became of the entries `counts` picks: their last result during
   * the call, so an entry a run under way tried first is counted too, and once.
   */
  async #ownReplay(all: boolean, counts: (entry: OutboxEntry) => boolean, onProgress?: FlushOptions['onProgress']): Promise<ReplaySummary> {
    const outcomes = new Map<string, ReplayResult['kind']>();
    let own = false;
    let done = 0;
    let total = 0;
    const listener = (entry: OutboxEntry, result: ReplayResult) => {
      if (!counts(entry)) return;
      outcomes.set(entry.id, result.kind);
      if (own) onProgress?.((done += 1), total);
    };
    this.#replayListeners.add(listener);
    try {
      while (this.#replayer.busy) await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
      // The replayer picks its entries the same way, synchronously, when flush() is called below.
      const live = this.#engine.liveEntryIds;
      total = (all ? [...this.#outbox.list()] : this.#outbox.due(Date.now())).filter((entry) => !live.has(entry.id) && counts(entry)).length;
      own = true;
      onProgress?.(0, total);
      await this.#replayer.flush(all);
    } finally {
      this.#replayListeners.delete(listener);
    }
    const summary: ReplaySummary = { delivered: 0, dropped: 0, kept: 0 };
    for (const kind of outcomes.values()) summary[kind] += 1;
    return summary;
  }

  #remember(entry: OutboxEntry, result: ReplayResult, via: SyncRecord['via']): void {
    void this.#recent.record(syncRecord(entry, result, via));
  }

  #onMessage(link: PlayerLink, message: ScriptMessageIn): void {
    switch (message.name) {
      case 'hello':
        return;
      case 'start':
        void this.#engine.onStart(link, message.payload).catch((error: unknown) => this.#log.error({ err: error }, 'start failed'));
        return;
      case 'progress':
        this.#engine.onProgress(link, message.payload);
        return;
      case 'unload': {
        // holdMs 0: the script did not hold mpv (the playback was settled), so nothing here is
        // urgent. Letting mpv finish quitting first keeps this process off its two cores.
        const settle = message.payload.holdMs === 0 ? new Promise((resolve) => setTimeout(resolve, SETTLED_UNLOAD_DELAY_MS)) : Promise.resolve();
        void settle
          .then(() => this.#engine.onUnload(link, message.payload))
          .then((flushed) => {
            link.sendToScript(HelperMessage.flushed, flushed);
            // Something may have been left queued: hear from Plex if its item changes elsewhere.
            this.#listenWhileQueued();
          })
          .catch((error: unknown) => {
            this.#log.error({ err: error }, 'unload failed');
            link.sendToScript(HelperMessage.flushed, { playbackId: message.payload.playbackId, delivered: false });
          });
        return;
      }
    }
  }

  async #onLinkClosed(link: PlayerLink): Promise<void> {
    this.#log.info({ socket: link.id }, 'mpv went away');
    removeLeftSocket(this.#options.paths.runtimeDir, link.id);
    await this.#engine.onPlayerGone(link);
    this.#links.delete(link);
    this.#scheduleIdleCheck();
  }

  #spoolOptions() {
    return {
      spoolDir: this.#options.paths.spoolDir,
      resolver: this.#resolver,
      outbox: this.#outbox,
      log: this.#log,
      ruleFor: (type: string) => ({
        thresholdPercent: thresholdFor(this.#options.config, type),
        minPlayedSeconds: this.#options.config.minPlayed.seconds,
        minPlayedPercent: this.#options.config.minPlayed.percent,
      }),
    };
  }

  /** Spool files first (they become outbox entries), then the due part of the outbox. */
  async #catchUp(all = false): Promise<void> {
    try {
      await takeInSpool(this.#spoolOptions());
      if (this.#outbox.list().length > 0) await this.#replayer.flush(all);
      this.#listenWhileQueued();
    } catch (error) {
      this.#log.error({ err: error }, 'replay failed');
    }
  }

  /** A request to Plex just worked: whatever is queued may well work now too. */
  #onServerReachable(): void {
    if (this.#reachableDebounce || this.#outbox.list().length === 0) return;
    this.#reachableDebounce = setTimeout(() => {
      this.#reachableDebounce = null;
      void this.#catchUp(true);
    }, 300);
    this.#reachableDebounce.unref();
  }

  /**
   * Listens to the notifications of each server that has queued entries, and only those: it is
   * how a queued entry hears that its item changed elsewhere. A helper with nothing queued
   * sends Plex nothing of its own.
   */
  #listenWhileQueued(): void {
    const queuedServers = new Set(this.#outbox.list().map((entry) => entry.serverUrl));
    for (const [serverUrl, notifications] of this.#notifications) {
      if (queuedServers.has(serverUrl)) continue;
      notifications.stop();
      this.#notifications.delete(serverUrl);
    }
    for (const serverUrl of queuedServers) this.#listenTo(serverUrl);
  }

  /**
   * Hears from Plex when an item changes elsewhere, so its queued entries settle at once. Only a
   * server a token of ours belongs to (servers.ts) is listened to.
   */
  #listenTo(serverUrl: string): void {
    if (this.#notifications.has(serverUrl) || !this.#servers.existing(serverUrl)) return;
    const token = this.#servers.tokenFor(serverUrl);
    if (!token) return;
    const notifications = new PlexNotifications({
      serverUrl,
      token,
      clientIdentifier: this.#clientIdentifier,
      log: this.#log,
      onItemChanged: (ratingKey) => {
        const queued = this.#outbox.list().some((entry) => entry.serverUrl === serverUrl && entry.ratingKey === ratingKey);
        if (!queued) return;
        this.#log.info({ ratingKey }, 'a queued item changed on the server; settling it now');
        this.#onServerReachable();
      },
    });
    this.#notifications.set(serverUrl, notifications);
    notifications.start();
  }

  #tell(text: string): void {
    const link = [...this.#links].find((candidate) => candidate.connected);
    if (link) link.showText(text, 8_000);
    else desktopNotifier(this.#log).notify('mpv-plex-sync', text);
  }

  #cancelIdle(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }

  #scheduleIdleCheck(): void {
    if (this.#links.size > 0 || !this.#exitResolve) return;
    this.#cancelIdle();
    this.#idleTimer = setTimeout(() => void this.#exitIfIdle(), this.#options.idleExitMs ?? DEFAULT_IDLE_EXIT_MS);
  }

  async #exitIfIdle(): Promise<void> {
    if (this.#links.size > 0 || this.#engine.activePlaybacks > 0) return this.#scheduleIdleCheck();
    // One last try of what is due; what still fails waits for the next start.
    await this.#catchUp();
    // A request that came as the watch missed it (a script falls back to `attach` for any
    // that arrives after this look, once this helper's control socket is gone).
    await this.#attachRequests?.takeAll();
    if (this.#links.size > 0) return;
    // A watch in doubt is checked within a minute (sync/in-doubt.ts): stay for that check once
    // rather than leave it to the next start, which may be days away. Once, so that a server
    // that never answers cannot keep the helper forever.
    const now = Date.now();
    const waiting = this.#outbox.list().filter((entry) => entry.kind === 'watch' && (entry.inDoubtUntil ?? 0) > now && !this.#stayedForDoubt.has(entry.id));
    const inDoubtUntil = Math.max(0, ...waiting.map((entry) => (entry.kind === 'watch' ? (entry.inDoubtUntil ?? 0) : 0)));
    if (inDoubtUntil > now) {
      for (const entry of waiting) this.#stayedForDoubt.add(entry.id);
      this.#cancelIdle();
      this.#idleTimer = setTimeout(() => void this.#exitIfIdle(), inDoubtUntil - Date.now() + IN_DOUBT_MARGIN_MS);
      return;
    }
    this.#log.info({ left: this.#outbox.list().length }, 'no mpv left; helper exits');
    await this.stop();
    this.#exitResolve?.();
  }

  async stop(): Promise<void> {
    this.#attachRequests?.stop();
    if (this.#replayTimer) clearInterval(this.#replayTimer);
    for (const notifications of this.#notifications.values()) notifications.stop();
    this.#cancelIdle();
    for (const link of this.#links) link.close();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    await this.#recent.settled();
  }
}
