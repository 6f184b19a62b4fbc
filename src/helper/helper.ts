// The helper process: one per user session. It owns the outbox (the single writer), attaches to
// every mpv that asks, and exits when no mpv is left and nothing can be sent now. This file only
// builds the parts and starts and stops them: a script session per mpv (src/mpv/script-session.ts,
// with its Plex menu, src/menu/) feeds the sync engine, which queues; the sender sends. Catch-up,
// control requests, notification sockets and the exit each have a module of their own.
import type { Server } from 'node:net';
import type { Logger } from 'pino';
import type { AppPaths } from '../config/paths.js';
import { loadClientIdentifier } from '../config/client-id.js';
import type { Config } from '../config/config.js';
import { reloadingConfig } from '../config/config-reload.js';
import { hintsAfterPlayback } from './hints-after-playback.js';
import { ResumeHints } from '../mpv/resume-hints.js';
import { ScriptSession } from '../mpv/script-session.js';
import { plexMenu } from '../menu/menu-service.js';
import { takeInSpool, writeSpool } from '../mpv/spool.js';
import { takeInSpooled } from '../sync/spool-intake.js';
import { FileOutboxStore } from '../outbox/index.js';
import { PlexServers } from '../plex/servers.js';
import { PartIndex } from '../resolve/part-index.js';
import { Resolver } from '../resolve/resolver.js';
import { SyncEngine } from '../sync/engine.js';
import { Sender } from '../sync/sender.js';
import { AttachRequests } from './attach-requests.js';
import { CatchUp } from './catch-up.js';
import { removeLeftSocket, sweepLeftSockets } from './left-sockets.js';
import { becomeHelper } from './control.js';
import { ControlHandler } from './control-handler.js';
import type { ControlRequest } from './control-protocol.js';
import { desktopNotifier } from './desktop-notifier.js';
import { OutboxReady } from './outbox-ready.js';
import { IdleExit } from './idle-exit.js';
import { NotificationSubscriptions } from './notification-subscriptions.js';
import { RecentSyncs, syncRecord } from './recent-syncs.js';
import { ReplayNotices } from './replay-notices.js';
import { StreamSync } from '../streams/stream-sync.js';
import { SubtitleFiles } from '../streams/subtitle-files.js';
import { messages, OSD_LONG_MS } from '../sync/user-messages.js';

export interface HelperOptions {
  readonly paths: AppPaths;
  readonly config: Config;
  readonly log: Logger;
  readonly version: string;
  /** How long to stay after the last mpv left, ms; null: stay (`serve`). @default DEFAULT_IDLE_EXIT_MS (idle-exit.ts) */
  readonly idleExitMs?: number | null;
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
  readonly #servers: PlexServers;
  readonly #catchUp: CatchUp;
  readonly #notices = new ReplayNotices((text) => this.#tell(text), { userName: (uuid) => this.#servers.config.users.find((user) => user.uuid === uuid)?.name ?? null });
  readonly #recent: RecentSyncs;
  readonly #control: ControlHandler;
  readonly #subscriptions: NotificationSubscriptions;
  readonly #idle: IdleExit;
  /** Plex's audio and subtitle choices, and the subtitle files fetched for them. */
  readonly #streams: StreamSync;
  readonly #resumeHints: ResumeHints;
  #server: Server | null = null;
  #attachRequests: AttachRequests | null = null;
  /** Attaches under way, by socket: a request and an `attach` for the same mpv make one link. */
  readonly #attaching = new Map<string, Promise<void>>();
  #replayTimer: NodeJS.Timeout | null = null;
  /** Said on the OSD of the first mpv that attaches: found while no mpv was there. */
  #startNotice: string | null = null;
  /** The outbox's loading, which what needs it waits for. */
  readonly #outboxReady = new OutboxReady();
  readonly #catchUpWhenReady = (): void => void this.#outboxReady.loaded.then(() => this.#catchUp.run(), () => {});

  constructor(options: HelperOptions) {
    this.#options = options;
    this.#log = options.log;
    const { paths, config, log } = options;
    this.#outbox = new FileOutboxStore({ stateDir: paths.stateDir, onProblem: (message) => log.error(message), onNotice: (message) => log.info(message) });
    const clientIdentifier = loadClientIdentifier(paths.clientIdFile, (problem) => log.warn(problem));
    const current = reloadingConfig(paths.configFile, config, (problem) => log.warn(problem));
    const servers = (this.#servers = new PlexServers({ config: current, clientIdentifier, version: options.version, onSkippedItem: (text) => log.warn(text) }));
    this.#resolver = new Resolver({ servers, partIndex: new PartIndex({ cacheFile: paths.indexCacheFile }), onNotice: (text) => log.info(text) });
    this.#recent = new RecentSyncs({ stateDir: paths.stateDir, onProblem: (message) => log.warn(message) });
    this.#sender = new Sender({
      outbox: this.#outbox,
      clientFor: (serverUrl, user) => servers.existing(serverUrl, user),
      log,
      onResult: (entry, result, live) => {
        void this.#recent.record(syncRecord(entry, result, live ? 'live' : 'replay'));
        this.#catchUp.heard(entry, result);
        // A live playback's own mpv hears of its result from the engine.
        if (!live) this.#notices.add(entry, result);
      },
    });
    this.#streams = new StreamSync({ files: new SubtitleFiles({ runtimeDir: paths.runtimeDir }), log });
    this.#resumeHints = new ResumeHints({ stateDir: paths.stateDir, activeUser: () => servers.config.activeUser, afterPlayback: (path, ratingKey) => hintsAfterPlayback({ resolver: this.#resolver, servers, log }, path, ratingKey), log });
    this.#engine = new SyncEngine({
      config,
      servers,
      resolver: this.#resolver,
      outbox: this.#outbox,
      sender: this.#sender,
      log,
      offline: desktopNotifier(log),
      spoolUnresolved: async (start, end) => writeSpool(paths.spoolDir, start, { ...end, holdMs: 0 }, servers.config.activeUser),
      onServerReachable: (serverUrl) => this.#catchUp.serverAnswered(serverUrl),
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
      outboxLoaded: () => this.#outboxReady.needed(),
      log,
    });
    const onQueuedItemChanged = (serverUrl: string, ratingKey: string) => this.#catchUp.itemChanged(serverUrl, ratingKey);
    this.#subscriptions = new NotificationSubscriptions({ outbox: this.#outbox, servers, clientIdentifier, log, onQueuedItemChanged });
    // Its runs wait for the outbox, which mpv's helper reads once the first lookup is answered (outbox-ready.ts).
    this.#catchUp = new CatchUp({ takeInSpool: () => this.#takeInSpool(), sender: this.#sender, outbox: this.#outbox, afterRun: () => this.#subscriptions.refresh(), log });
    this.#idle = new IdleExit({
      idleExitMs: options.idleExitMs,
      players: () => this.#sessions.size,
      activePlaybacks: () => this.#engine.activePlaybacks,
      outbox: { list: () => (this.#outboxReady.isLoaded ? this.#outbox.list() : []) }, // none loaded: none to stay for
      catchUp: () => this.#outboxReady.needed().then(() => this.#catchUp.run(), () => undefined),
      takeAttachRequests: async () => this.#attachRequests?.takeAll(),
      stop: () => this.stop(),
      log,
    });
  }

  /** Takes the control socket. Returns false when another helper is already running. */
  async start(): Promise<boolean> {
    const { paths } = this.#options;
    const handle = (request: ControlRequest) => this.#control.handle(request);
    this.#server = await becomeHelper({ runtimeDir: paths.runtimeDir, controlSocket: paths.controlSocket, handle });
    if (!this.#server) return false;
    this.#log.info({ processMs: Math.round(performance.now()) }, 'helper started');
    // mpv's helper answers the first lookup first (outbox-ready.ts); a one-request helper waits.
    if (this.#options.takeAttachRequests) this.#outboxReady.loadSoon(this.#outbox, this.#log, (text) => this.#tell(text));
    else await this.#outboxReady.load(this.#outbox, this.#log, (text) => this.#tell(text));
    this.#streams.sweep();
    if (this.#options.takeAttachRequests) {
      this.#attachRequests = new AttachRequests({ dir: paths.attachRequestsDir, log: this.#log, attach: (socketPath) => this.attach(socketPath) });
      this.#attachRequests.start();
      void sweepLeftSockets(paths.runtimeDir).then((removed) => removed > 0 && this.#log.info({ removed }, 'removed sockets left by mpvs that quit'));
    }
    if (this.#options.catchUp === false) return true;
    this.#catchUpWhenReady();
    this.#replayTimer = setInterval(this.#catchUpWhenReady, this.#options.replayIntervalMs ?? 60_000).unref();
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
      engine: this.#outboxReady.engineFor(this.#engine, this.#log),
      log: this.#log,
      savedState: this.#resolver, resumeHints: this.#resumeHints,
      // Something may have been left queued: hear from Plex if its item changes elsewhere.
      onPlaybackEnded: () => void this.#outboxReady.loaded.then(() => this.#subscriptions.refresh(), () => undefined),
      onLookupAnswered: () => this.#outboxReady.begin(),
      menu: plexMenu(this.#servers, this.#log),
      onClosed: (closed) => this.#onSessionClosed(closed),
    });
    await session.attach();
    this.#sessions.add(session);
    this.#idle.cancel();
    this.#log.info({ socket: socketPath, players: this.#sessions.size, processMs: Math.round(performance.now()) }, 'attached to mpv');
    if (this.#startNotice) {
      session.showText(this.#startNotice, OSD_LONG_MS);
      this.#startNotice = null;
    }
    this.#catchUpWhenReady();
  }

  /** What the control socket's requests do; a CLI process that became the helper calls it directly. */
  get control(): ControlHandler {
    return this.#control;
  }

  #onSessionClosed(session: ScriptSession): void {
    removeLeftSocket(this.#options.paths.runtimeDir, session.id);
    this.#sessions.delete(session);
    this.#idle.schedule();
  }

  #takeInSpool(): Promise<number> {
    const { paths, config, log } = this.#options;
    const intake = { config, resolver: this.#resolver, servers: this.#servers, outbox: this.#outbox };
    return takeInSpool({ spoolDir: paths.spoolDir, takeIn: (spooled) => takeInSpooled(intake, spooled), onLost: (why) => this.#tell(messages.spoolLost(why)), log });
  }

  /** On an mpv, or else on the desktop and on the first mpv that attaches. */
  #tell(text: string): void {
    const session = [...this.#sessions].find((candidate) => candidate.connected);
    if (session) return session.showText(text, OSD_LONG_MS);
    desktopNotifier(this.#log).notify('mpv-plex-sync', text);
    this.#startNotice = this.#startNotice ? `${this.#startNotice}\n${text}` : text;
  }

  async stop(): Promise<void> {
    this.#attachRequests?.stop();
    if (this.#replayTimer) clearInterval(this.#replayTimer);
    this.#subscriptions.stop();
    this.#catchUp.stop();
    this.#notices.flush();
    this.#idle.cancel();
    for (const session of this.#sessions) session.close();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    await this.#recent.settled();
    this.#streams.releaseAll();
  }
}
