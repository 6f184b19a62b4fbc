// The helper process: one per user session. It owns the outbox (the single writer), attaches to
// every mpv that asks, feeds the sync engine, replays the outbox, and exits when no mpv is left
// and nothing can be sent now.
import type { Server } from 'node:net';
import type { Logger } from 'pino';
import type { AppPaths } from '../config/paths.js';
import { loadClientIdentifier } from '../config/client-id.js';
import type { Config } from '../config/config.js';
import { PlayerLink } from '../mpv/player-link.js';
import { FileOutboxStore } from '../outbox/index.js';
import { PlexServers } from '../plex/servers.js';
import type { ScriptMessageIn } from '../protocol/validate.js';
import { HelperMessage } from '../protocol/messages.js';
import { PartIndex } from '../resolve/part-index.js';
import { Resolver } from '../resolve/resolver.js';
import { SyncEngine } from '../sync/engine.js';
import { OutboxReplayer } from '../sync/replay.js';
import { EntryLocks } from '../sync/entry-locks.js';
import { takeInSpool, writeSpool } from '../sync/spool.js';
import { becomeHelper, type ControlReply, type ControlRequest } from './control.js';
import { desktopNotifier } from './desktop-notifier.js';
import { thresholdFor } from '../config/config.js';
import { messages } from '../sync/user-messages.js';

export interface HelperOptions {
  readonly paths: AppPaths;
  readonly config: Config;
  readonly log: Logger;
  readonly version: string;
  /** How long to stay after the last mpv left, ms. @default 1500 */
  readonly idleExitMs?: number;
  /** Periodic replay of the outbox while running, ms. @default 60000 */
  readonly replayIntervalMs?: number;
}

export class Helper {
  readonly #options: HelperOptions;
  readonly #log: Logger;
  readonly #links = new Set<PlayerLink>();
  readonly #outbox: FileOutboxStore;
  readonly #engine: SyncEngine;
  readonly #replayer: OutboxReplayer;
  readonly #resolver: Resolver;
  #server: Server | null = null;
  #replayTimer: NodeJS.Timeout | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #reachableDebounce: NodeJS.Timeout | null = null;
  #exitResolve: (() => void) | null = null;
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
    const servers = new PlexServers({ config, clientIdentifier: loadClientIdentifier(paths.clientIdFile), version: options.version });
    this.#resolver = new Resolver({ config, servers, partIndex: new PartIndex({ cacheFile: paths.indexCacheFile }) });
    const offline = desktopNotifier(log);
    const locks = new EntryLocks();
    this.#engine = new SyncEngine({
      config,
      servers,
      resolver: this.#resolver,
      outbox: this.#outbox,
      log,
      offline,
      spoolUnresolved: async (start, last) => writeSpool(paths.spoolDir, start, last),
      onServerReachable: () => this.#onServerReachable(),
      locks,
    });
    this.#replayer = new OutboxReplayer({
      outbox: this.#outbox,
      servers,
      log,
      skipIds: () => this.#engine.liveEntryIds,
      locks,
      onResult: (entry, result) => {
        if (result.kind === 'dropped' && result.failure === 'gone') this.#tell(messages.watchFailed(entry.title, 'gone'));
        if (result.kind === 'kept' && result.failure === 'auth' && entry.attempts === 0) this.#tell(messages.watchFailed(entry.title, 'auth'));
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
    this.#markReady();
    this.#log.info({ entries: this.#outbox.list().length }, 'helper started');
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
    const link = new PlayerLink({
      socketPath,
      log: this.#log,
      onMessage: (from, message) => this.#onMessage(from, message),
      onClose: (closed) => void this.#onLinkClosed(closed),
    });
    await link.attach();
    this.#links.add(link);
    this.#cancelIdle();
    this.#log.info({ socket: socketPath, players: this.#links.size }, 'attached to mpv');
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
      case 'flush': {
        await takeInSpool(this.#spoolOptions());
        const summary = await this.#replayer.flush(true);
        return { ok: true, ...summary, left: this.#outbox.list().length };
      }
    }
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
      case 'unload':
        void this.#engine
          .onUnload(link, message.payload)
          .then((flushed) => link.sendToScript(HelperMessage.flushed, flushed))
          .catch((error: unknown) => {
            this.#log.error({ err: error }, 'unload failed');
            link.sendToScript(HelperMessage.flushed, { playbackId: message.payload.playbackId, delivered: false });
          });
        return;
    }
  }

  async #onLinkClosed(link: PlayerLink): Promise<void> {
    this.#log.info({ socket: link.id }, 'mpv went away');
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
    this.#idleTimer = setTimeout(() => void this.#exitIfIdle(), this.#options.idleExitMs ?? 1_500);
  }

  async #exitIfIdle(): Promise<void> {
    if (this.#links.size > 0 || this.#engine.activePlaybacks > 0) return this.#scheduleIdleCheck();
    // One last try of what is due; what still fails waits for the next start.
    await this.#catchUp();
    if (this.#links.size > 0) return;
    this.#log.info({ left: this.#outbox.list().length }, 'no mpv left; helper exits');
    await this.stop();
    this.#exitResolve?.();
  }

  async stop(): Promise<void> {
    if (this.#replayTimer) clearInterval(this.#replayTimer);
    this.#cancelIdle();
    for (const link of this.#links) link.close();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
