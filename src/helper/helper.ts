// The helper process: one per user session. It owns the outbox (the single writer), attaches to
// every mpv that asks, and exits when no mpv is left and nothing can be sent now. This file builds
// the parts and starts and stops them: a script session per mpv (src/mpv/script-session.ts) feeds
// the sync engine, which queues; the one sender (src/sync/sender.ts) sends. The control requests
// (control-handler.ts), the Plex notification sockets (notification-subscriptions.ts) and the
// decision to exit (idle-exit.ts) each have a module of their own.
import type { Server } from 'node:net';
import type { Logger } from 'pino';
import type { AppPaths } from '../config/paths.js';
import { loadClientIdentifier } from '../config/client-id.js';
import type { Config } from '../config/config.js';
import { ScriptSession } from '../mpv/script-session.js';
import { takeInSpool, writeSpool } from '../mpv/spool.js';
import { FileOutboxStore, type OutboxEntry } from '../outbox/index.js';
import { PlexServers } from '../plex/servers.js';
import { PartIndex } from '../resolve/part-index.js';
import { Resolver } from '../resolve/resolver.js';
import { SyncEngine } from '../sync/engine.js';
import { Sender, type SendResult } from '../sync/sender.js';
import { AttachRequests } from './attach-requests.js';
import { removeLeftSocket, sweepLeftSockets } from './left-sockets.js';
import { becomeHelper } from './control.js';
import { ControlHandler, type FlushOptions } from './control-handler.js';
import type { ControlRequest, FlushSummary, HelperStatus, RetrySummary } from './control-protocol.js';
import { desktopNotifier } from './desktop-notifier.js';
import { IdleExit } from './idle-exit.js';
import { NotificationSubscriptions } from './notification-subscriptions.js';
import { RecentSyncs, syncRecord, type SyncRecord } from './recent-syncs.js';
import { thresholdOverride } from '../config/config.js';
import { placeMark } from '../sync/mark-point.js';
import type { PlexItem, ThresholdSource } from '../sync/ports.js';
import { StreamSync } from '../streams/stream-sync.js';
import { SubtitleFiles } from '../streams/subtitle-files.js';
import { messages, OSD_LONG_MS } from '../sync/user-messages.js';

export interface HelperOptions {
  readonly paths: AppPaths;
  readonly config: Config;
  readonly log: Logger;
  readonly version: string;
  /** How long to stay after the last mpv left, ms. @default DEFAULT_IDLE_EXIT_MS (idle-exit.ts) */
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

export class Helper {
  readonly #options: HelperOptions;
  readonly #log: Logger;
  readonly #sessions = new Set<ScriptSession>();
  readonly #outbox: FileOutboxStore;
  readonly #engine: SyncEngine;
  readonly #sender: Sender;
  readonly #resolver: Resolver;
  /** The spool intake asks it where an item counts, as the engine does. */
  readonly #servers: ThresholdSource;
  readonly #recent: RecentSyncs;
  readonly #control: ControlHandler;
  readonly #subscriptions: NotificationSubscriptions;
  readonly #idle: IdleExit;
  /** Plex's audio and subtitle choices, and the subtitle files fetched for them. */
  readonly #streams: StreamSync;
  #server: Server | null = null;
  #attachRequests: AttachRequests | null = null;
  /** Attaches under way, by socket: a request and an `attach` for the same mpv make one link. */
  readonly #attaching = new Map<string, Promise<void>>();
  #replayTimer: NodeJS.Timeout | null = null;
  /** The catch-up under way; one more is asked for (all: every entry) while it runs. */
  #catchingUp: Promise<void> | null = null;
  #catchUpAgain: 'due' | 'all' | null = null;
  /** The spool intake under way: intakes run one after another, never two over the same files. */
  #spoolIntake: Promise<unknown> = Promise.resolve();
  #reachableDebounce: NodeJS.Timeout | null = null;
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
    const clientIdentifier = loadClientIdentifier(paths.clientIdFile);
    const servers = new PlexServers({
      config,
      clientIdentifier,
      version: options.version,
      onSkippedItem: (text) => log.warn(text),
    });
    this.#servers = servers;
    this.#resolver = new Resolver({ config, servers, partIndex: new PartIndex({ cacheFile: paths.indexCacheFile }) });
    this.#recent = new RecentSyncs({ stateDir: paths.stateDir, onProblem: (message) => log.warn(message) });
    this.#sender = new Sender({
      outbox: this.#outbox,
      clientFor: (serverUrl) => servers.existing(serverUrl),
      log,
      onResult: (entry, result, live) => {
        this.#remember(entry, result, live ? 'live' : 'replay');
        // A live playback's own mpv hears of its result from the engine.
        if (!live) this.#tellReplayed(entry, result);
      },
    });
    this.#streams = new StreamSync({ files: new SubtitleFiles({ runtimeDir: paths.runtimeDir }), log });
    this.#engine = new SyncEngine({
      config,
      servers,
      resolver: this.#resolver,
      outbox: this.#outbox,
      sender: this.#sender,
      log,
      offline: desktopNotifier(log),
      spoolUnresolved: async (start, end) => writeSpool(paths.spoolDir, start, { ...end, holdMs: 0 }),
      onServerReachable: () => this.#onServerReachable(),
      streams: this.#streams,
    });
    this.#control = new ControlHandler({
      outbox: this.#outbox,
      sender: this.#sender,
      recent: this.#recent,
      stateDir: paths.stateDir,
      players: () => this.#sessions.size,
      attach: (socketPath) => this.attach(socketPath),
      takeInSpool: () => this.#takeInSpool(),
      log,
    });
    this.#subscriptions = new NotificationSubscriptions({
      outbox: this.#outbox,
      servers,
      clientIdentifier,
      log,
      onQueuedItemChanged: () => this.#onServerReachable(),
    });
    this.#idle = new IdleExit({
      idleExitMs: options.idleExitMs,
      players: () => this.#sessions.size,
      activePlaybacks: () => this.#engine.activePlaybacks,
      outbox: this.#outbox,
      catchUp: () => this.#catchUp(),
      takeAttachRequests: async () => this.#attachRequests?.takeAll(),
      stop: () => this.stop(),
      log,
    });
  }

  /** Takes the control socket. Returns false when another helper is already running. */
  async start(): Promise<boolean> {
    const { paths } = this.#options;
    this.#ready = new Promise((resolve) => (this.#markReady = resolve));
    const handle = async (request: ControlRequest) => {
      await this.#ready;
      return this.#control.handle(request);
    };
    this.#server = await becomeHelper({ runtimeDir: paths.runtimeDir, controlSocket: paths.controlSocket, handle });
    if (!this.#server) return false;
    await this.#outbox.load();
    const damage = this.#outbox.damage;
    if (damage) this.#startNotice = messages.outboxDamaged(damage);
    this.#markReady();
    this.#log.info({ entries: this.#outbox.list().length }, 'helper started');
    const leftSubtitles = this.#streams.sweep();
    if (leftSubtitles > 0) this.#log.info({ removed: leftSubtitles }, 'removed subtitle files a helper that died left');
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
    return this.#idle.untilExit();
  }

  async attach(socketPath: string): Promise<void> {
    // `play` and the script may both ask for the same mpv: one session per socket.
    for (const existing of this.#sessions) if (existing.id === socketPath && existing.connected) return;
    const underWay = this.#attaching.get(socketPath);
    if (underWay) return underWay;
    const attaching = this.#attachNew(socketPath).finally(() => this.#attaching.delete(socketPath));
    this.#attaching.set(socketPath, attaching);
    return attaching;
  }

  async #attachNew(socketPath: string): Promise<void> {
    const session = new ScriptSession({
      socketPath,
      engine: this.#engine,
      log: this.#log,
      savedState: this.#resolver,
      // Something may have been left queued: hear from Plex if its item changes elsewhere.
      onPlaybackEnded: () => this.#subscriptions.refresh(),
      onClosed: (closed) => this.#onSessionClosed(closed),
    });
    await session.attach();
    this.#sessions.add(session);
    this.#idle.cancel();
    this.#log.info({ socket: socketPath, players: this.#sessions.size }, 'attached to mpv');
    if (this.#startNotice) {
      session.showText(this.#startNotice, OSD_LONG_MS);
      this.#startNotice = null;
    }
    void this.#catchUp();
  }

  /** Takes in the spool, then sends the outbox (the due part, or all of it) in one replay run. */
  flush(options: FlushOptions = {}): Promise<FlushSummary> {
    return this.#control.flush(options);
  }

  /** The outbox, the attached players and the last sync results. */
  status(): Promise<HelperStatus> {
    return this.#control.status();
  }

  /** Makes the chosen entries (or all) due now and sends them. */
  retry(ids: readonly string[] | 'all'): Promise<RetrySummary> {
    return this.#control.retry(ids);
  }

  /** Removes an entry, waiting for a delivery of it under way. Resolves to false when there was none. */
  drop(id: string): Promise<boolean> {
    return this.#control.drop(id);
  }

  #remember(entry: OutboxEntry, result: SendResult, via: SyncRecord['via']): void {
    void this.#recent.record(syncRecord(entry, result, via));
  }

  /** What the person should hear of a backlog entry's result, on any mpv (or the desktop). */
  #tellReplayed(entry: OutboxEntry, result: SendResult): void {
    if (result.kind === 'dropped' && result.failure === 'gone') this.#tell(messages.watchFailed(entry.title, 'gone'));
    if (result.kind === 'kept' && (result.failure === 'auth' || result.failure === 'redirected') && entry.attempts === 0) {
      this.#tell(messages.watchFailed(entry.title, result.failure));
    }
    if (result.kind === 'dropped' && result.failure === 'superseded' && entry.kind === 'watch') this.#tell(messages.unwatchedElsewhere(entry.title));
  }

  #onSessionClosed(session: ScriptSession): void {
    removeLeftSocket(this.#options.paths.runtimeDir, session.id);
    this.#sessions.delete(session);
    this.#idle.schedule();
  }

  /** Takes in the spool after any intake under way (a `sync` and a catch-up may ask at once). */
  #takeInSpool(): Promise<unknown> {
    const intake = this.#spoolIntake.then(() => takeInSpool(this.#spoolOptions()));
    this.#spoolIntake = intake.catch(() => undefined);
    return intake;
  }

  #spoolOptions() {
    return {
      spoolDir: this.#options.paths.spoolDir,
      resolver: this.#resolver,
      outbox: this.#outbox,
      log: this.#log,
      ruleFor: async (item: PlexItem, durationMs: number) => {
        const config = this.#options.config;
        const prefs = await this.#servers.serverWatchPrefs(item.client);
        return placeMark(durationMs, prefs, item.markers ?? [], thresholdOverride(config, item.type), config.minPlayed).rule;
      },
    };
  }

  /**
   * Spool files first (they become outbox entries), then the due part of the outbox (or all of
   * it). Calls while one runs share one more run after it.
   */
  #catchUp(all = false): Promise<void> {
    if (this.#catchingUp) {
      this.#catchUpAgain = all || this.#catchUpAgain === 'all' ? 'all' : 'due';
      return this.#catchingUp;
    }
    this.#catchingUp = this.#catchUpOnce(all).finally(() => {
      this.#catchingUp = null;
      const again = this.#catchUpAgain;
      this.#catchUpAgain = null;
      if (again) void this.#catchUp(again === 'all');
    });
    return this.#catchingUp;
  }

  async #catchUpOnce(all: boolean): Promise<void> {
    try {
      await this.#takeInSpool();
      if (this.#outbox.list().length > 0) await this.#sender.flush({ all });
      this.#subscriptions.refresh();
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

  #tell(text: string): void {
    const session = [...this.#sessions].find((candidate) => candidate.connected);
    if (session) session.showText(text, OSD_LONG_MS);
    else desktopNotifier(this.#log).notify('mpv-plex-sync', text);
  }

  async stop(): Promise<void> {
    this.#attachRequests?.stop();
    if (this.#replayTimer) clearInterval(this.#replayTimer);
    this.#subscriptions.stop();
    this.#idle.cancel();
    for (const session of this.#sessions) session.close();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    await this.#recent.settled();
    this.#streams.releaseAll();
  }
}
