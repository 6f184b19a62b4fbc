// The sync engine: turns what the mpv script reports into Plex timeline reports, watches and
// resume positions. It writes every watch and final position to the outbox before sending it,
// sends one playback's requests in order, one at a time, and answers the quit hold.
import type { Logger } from 'pino';
import { ConfigError, thresholdFor, type Config } from '../config/config.js';
import type { PlexServers } from '../plex/servers.js';
import { freshEntryBase, positionEntryId, watchEntryId, type OutboxEntry, type OutboxStore, type PositionEntry, type WatchEntry } from '../outbox/index.js';
import { HelperMessage, type FlushedPayload, type ProgressPayload, type StartPayload, type UnloadPayload } from '../protocol/messages.js';
import type { Resolver, ResolvedItem } from '../resolve/resolver.js';
import { errorText } from '../log/redact.js';
import { deliverPosition, deliverWatch } from './deliver.js';
import type { EntryLocks } from './entry-locks.js';
import type { ReplayResult } from './replay.js';
import { classifyFailure, decideOnFailure, failureDetail, failurePatch } from './failure.js';
import { CountInDoubtError } from './in-doubt.js';
import type { OfflineNotifier, PlayerPort } from './ports.js';
import { messages, OSD_LONG_MS, OSD_SHORT_MS } from './user-messages.js';
import { hasReachedWatched, isAtOrAboveServerThreshold, reportablePositionMs, type WatchRule } from './watch-rule.js';

/** Plex wants a timeline report about every 10 s while playing. */
const TIMELINE_INTERVAL_MS = 10_000;
/** Retry resolving an item that could not be resolved (Plex down) at most this often. */
const RESOLVE_RETRY_MS = 5_000;
/** The answer to a quit hold leaves this much of the script's hold unused, for the message. */
const HOLD_MARGIN_MS = 400;
/** Positions this close count as the same (the script uses the same tolerance). */
const SAME_POSITION_MS = 500;
/** In-session retries for a watch or final position. */
const LIVE_RETRIES = 2;

export interface SyncEngineOptions {
  readonly config: Config;
  readonly servers: PlexServers;
  readonly resolver: Resolver;
  readonly outbox: OutboxStore;
  readonly log: Logger;
  readonly offline: OfflineNotifier;
  /** Saves a playback the helper could not resolve, for a later helper (spool). */
  readonly spoolUnresolved: (start: StartPayload, last: UnloadPayload) => Promise<void>;
  /** Called after any request to a server succeeded: a good moment to replay its queue. */
  readonly onServerReachable?: (serverUrl: string) => void;
  /** Shared with the replayer: one delivery per outbox entry at a time. */
  readonly locks: EntryLocks;
  /** Told the fate of each live watch and final position (for `status`). */
  readonly onResult?: (entry: OutboxEntry, result: ReplayResult) => void;
}

type ItemStatus = 'resolving' | 'plex' | 'ignored' | 'error';
type WatchState = 'pending' | 'queued' | 'settled';

interface Playback {
  readonly player: PlayerPort;
  readonly start: StartPayload;
  status: ItemStatus;
  item: ResolvedItem | null;
  rule: WatchRule | null;
  serverThreshold: number;
  baselineViewCount: number | null;
  /** X-Plex-Session-Identifier; replaced after our own scrobble so no later report can count. */
  sessionId: string;
  watch: WatchState;
  positionMs: number;
  durationMs: number | null;
  playedMs: number;
  paused: boolean;
  lastTimelineAt: number;
  lastResolveAt: number;
  /** This playback's requests, in order, one at a time. */
  chain: Promise<void>;
  /** False once a watch or position of this playback is left queued after failing. */
  delivered: boolean;
  unloaded: boolean;
  /** seq of the last progress applied. */
  lastSeq: number;
  /** The time Plex got in this playback's last successful report, ms. */
  reportedMs: number | null;
  /** Tasks queued on the chain and not yet finished. */
  pendingTasks: number;
}

export class SyncEngine {
  readonly #options: SyncEngineOptions;
  readonly #playbacks = new Map<string, Playback>();
  /** Outbox ids being delivered live; the replay loop leaves them alone. */
  readonly #liveIds = new Set<string>();

  constructor(options: SyncEngineOptions) {
    this.#options = options;
  }

  /** Outbox entries the live path is working on right now. */
  get liveEntryIds(): ReadonlySet<string> {
    return this.#liveIds;
  }

  get activePlaybacks(): number {
    return this.#playbacks.size;
  }

  async onStart(player: PlayerPort, start: StartPayload): Promise<void> {
    const known = this.#playbacks.get(start.playbackId);
    if (known) {
      // A script re-announcing its playback to a helper that already knows it: answer again.
      this.#sendItem(known);
      return;
    }
    const playback: Playback = {
      player,
      start,
      status: 'resolving',
      item: null,
      rule: null,
      serverThreshold: 90,
      baselineViewCount: start.baselineViewCount,
      sessionId: start.playbackId,
      watch: 'pending',
      positionMs: start.positionMs,
      durationMs: start.durationMs,
      playedMs: 0,
      paused: false,
      lastTimelineAt: 0,
      lastResolveAt: 0,
      chain: Promise.resolve(),
      delivered: true,
      unloaded: false,
      lastSeq: 0,
      reportedMs: null,
      pendingTasks: 0,
    };
    this.#playbacks.set(start.playbackId, playback);
    await this.#resolve(playback);
  }

  onProgress(player: PlayerPort, progress: ProgressPayload): void {
    player.sendToScript(HelperMessage.ack, { playbackId: progress.playbackId });
    const playback = this.#playbacks.get(progress.playbackId);
    if (!playback || playback.unloaded) return;
    const wasPaused = playback.paused;
    playback.lastSeq = Math.max(playback.lastSeq, progress.seq);
    this.#applyFacts(playback, progress.positionMs, progress.durationMs, progress.playedMs);
    playback.paused = progress.paused;
    if (playback.status === 'error' && Date.now() - playback.lastResolveAt >= RESOLVE_RETRY_MS) {
      void this.#resolve(playback);
      return;
    }
    if (playback.status !== 'plex') return;
    if (this.#maybeMarkWatched(playback)) return;
    const stateChanged = wasPaused !== progress.paused || progress.reason === 'seek';
    if (stateChanged || Date.now() - playback.lastTimelineAt >= TIMELINE_INTERVAL_MS) {
      this.#queueTimeline(playback, progress.paused ? 'paused' : 'playing');
    }
  }

  /** The script holds mpv's unload until this answers (or its own timeout passes). */
  async onUnload(player: PlayerPort, unload: UnloadPayload): Promise<FlushedPayload> {
    const playback = this.#playbacks.get(unload.playbackId);
    if (!playback) return { playbackId: unload.playbackId, delivered: true };
    const deadline = Date.now() + Math.max(0, unload.holdMs - HOLD_MARGIN_MS);
    const work = this.#finish(playback, unload, deadline);
    const answeredInTime = await Promise.race([
      work.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), Math.max(0, deadline - Date.now())).unref()),
    ]);
    // Late work goes on; whatever it has not sent by now is already durable in the outbox.
    void work.finally(() => this.#playbacks.delete(unload.playbackId));
    if (!answeredInTime && playback.item) {
      // mpv quits now: without this line the person sees "finishing sync…" and then nothing.
      const text = messages.stillSending(playback.item.displayName);
      player.showText(text, OSD_LONG_MS);
      player.printText(`mpv-plex-sync: ${text}`);
    }
    return { playbackId: unload.playbackId, delivered: answeredInTime && playback.delivered };
  }

  /** mpv went away without an unload (crash, kill): finish its playbacks as if unloaded. */
  async onPlayerGone(player: PlayerPort): Promise<void> {
    const finishing: Promise<void>[] = [];
    for (const playback of this.#playbacks.values()) {
      if (playback.player !== player || playback.unloaded) continue;
      const last: UnloadPayload = {
        playbackId: playback.start.playbackId,
        positionMs: playback.positionMs,
        durationMs: playback.durationMs,
        playedMs: playback.playedMs,
        holdMs: 0,
      };
      finishing.push(this.#finish(playback, last, Date.now() + 30_000).finally(() => this.#playbacks.delete(last.playbackId)));
    }
    await Promise.allSettled(finishing);
  }

  async #finish(playback: Playback, unload: UnloadPayload, deadline: number): Promise<void> {
    playback.unloaded = true;
    this.#applyFacts(playback, unload.positionMs, unload.durationMs, unload.playedMs);
    if (playback.status === 'resolving') await playback.chain;
    if (playback.status === 'error' || playback.status === 'resolving') {
      if (playback.durationMs !== null && unload.playedMs > 0) {
        await this.#options.spoolUnresolved(playback.start, { ...unload, durationMs: playback.durationMs });
        playback.delivered = false;
      }
      return;
    }
    if (playback.status !== 'plex' || !playback.item) return;
    this.#maybeMarkWatched(playback, deadline);
    // A decided watch: end the server's session (#queueTimeline drops the report if it would
    // give the item an offset back).
    if (playback.watch !== 'pending') this.#queueTimeline(playback, 'stopped');
    // Plex already holds this very position (the script did not even hold mpv for it): only
    // the session's end is news, and losing that loses nothing, so it skips the outbox.
    else if (this.#holdsPosition(playback)) this.#queueTimeline(playback, 'stopped');
    else await this.#queueFinalPosition(playback, deadline);
    await playback.chain;
  }

  #applyFacts(playback: Playback, positionMs: number, durationMs: number | null, playedMs: number): void {
    if (durationMs !== null && durationMs > 0) playback.durationMs = durationMs;
    const duration = playback.durationMs;
    playback.positionMs = Math.max(0, duration !== null ? Math.min(positionMs, duration) : positionMs);
    playback.playedMs = Math.max(playback.playedMs, playedMs);
  }

  async #resolve(playback: Playback): Promise<void> {
    playback.lastResolveAt = Date.now();
    const { player, start } = playback;
    const resolved = (async () => {
      try {
        const urlToken = await tokenFromPlayer(player);
        const resolution = await this.#options.resolver.resolve(start.path, start.ratingKey, urlToken);
        if (resolution.kind === 'not-plex') {
          playback.status = 'ignored';
          this.#options.log.info({ playbackId: start.playbackId, reason: resolution.reason }, 'not a Plex item');
          player.showText(messages.notPlex(resolution.reason), OSD_SHORT_MS);
          this.#sendItem(playback);
          return;
        }
        const item = resolution.item;
        playback.item = item;
        playback.rule = this.#ruleFor(item.type);
        playback.serverThreshold = await this.#options.servers.serverThreshold(item.client);
        // The baseline is read before our first report, so a later rise means this playback
        // (or another device) counted; a restarted helper gets it back from the script.
        playback.baselineViewCount ??= item.viewCount;
        if (playback.durationMs === null && item.durationMs) playback.durationMs = item.durationMs;
        playback.status = 'plex';
        this.#options.log.info({ playbackId: start.playbackId, ratingKey: item.ratingKey, server: item.client.serverUrl }, 'playing a Plex item');
        player.showText(messages.identified(item.displayName), OSD_SHORT_MS);
        this.#sendItem(playback);
        this.#options.onServerReachable?.(item.client.serverUrl);
        if (!this.#maybeMarkWatched(playback)) this.#queueTimeline(playback, playback.paused ? 'paused' : 'playing');
      } catch (error) {
        playback.status = 'error';
        const text =
          error instanceof ConfigError ? messages.configProblem(error.message) : messages.resolveFailed(classifyFailure(error), failureDetail(error));
        this.#options.log.warn({ playbackId: start.playbackId, err: error }, 'could not resolve the item');
        player.showText(text, OSD_LONG_MS);
        player.printText(`mpv-plex-sync: ${text}`);
        this.#sendItem(playback);
      }
    })();
    playback.chain = playback.chain.then(() => resolved);
    await resolved;
  }

  #ruleFor(type: string): WatchRule {
    const config = this.#options.config;
    return {
      thresholdPercent: thresholdFor(config, type),
      minPlayedSeconds: config.minPlayed.seconds,
      minPlayedPercent: config.minPlayed.percent,
    };
  }

  #sendItem(playback: Playback): void {
    playback.player.sendToScript(HelperMessage.item, {
      playbackId: playback.start.playbackId,
      status: playback.status === 'resolving' ? 'error' : playback.status,
      thresholdPercent: playback.rule?.thresholdPercent ?? null,
      baselineViewCount: playback.baselineViewCount,
    });
  }

  /** Marks the watch if this playback just reached it. Returns true when it did. */
  #maybeMarkWatched(playback: Playback, deadline?: number): boolean {
    const { item, rule } = playback;
    if (playback.watch !== 'pending' || !item || !rule || playback.durationMs === null) return false;
    if (!hasReachedWatched(playback, rule)) return false;
    playback.watch = 'queued';
    const now = Date.now();
    const entry: WatchEntry = {
      kind: 'watch',
      id: watchEntryId(playback.start.playbackId),
      ...freshEntryBase(item.client.serverUrl, item.ratingKey, item.displayName, now),
      playbackId: playback.start.playbackId,
      sessionId: playback.sessionId,
      startedAt: playback.start.startedAt,
      baselineViewCount: playback.baselineViewCount,
      positionMs: playback.positionMs,
      durationMs: playback.durationMs,
    };
    this.#liveIds.add(entry.id);
    this.#enqueue(playback, async () => {
      try {
        await this.#options.outbox.put(entry);
        const outcome = await this.#options.locks.run(entry.id, async () => {
          // A replay may have settled this very entry (after a helper restart) while we waited.
          if (!this.#options.outbox.get(entry.id)) return 'counted-by-plex' as const;
          const result = await deliverWatch(item.client, entry, { sessionId: playback.sessionId }, { retries: LIVE_RETRIES, ...(deadline ? { deadline } : {}) });
          await this.#options.outbox.remove(entry.id);
          return result;
        });
        playback.watch = 'settled';
        // After our own scrobble this session never crossed Plex's threshold: a later report
        // in it could, and would count again. The rest of the playback reports on a new session.
        if (outcome === 'scrobbled') playback.sessionId = `${playback.start.playbackId}:after`;
        this.#options.log.info({ playbackId: entry.playbackId, ratingKey: entry.ratingKey, outcome }, 'watch delivered');
        this.#options.onResult?.(
          entry,
          outcome === 'unwatched-since' ? { kind: 'dropped', failure: 'superseded', detail: 'marked unwatched since' } : { kind: 'delivered', detail: outcome },
        );
        if (outcome === 'unwatched-since') playback.player.showText(messages.unwatchedElsewhere(item.displayName), OSD_LONG_MS);
        else if (this.#options.config.osdOnWatched) playback.player.showText(messages.watched(item.displayName), OSD_SHORT_MS);
        this.#options.onServerReachable?.(item.client.serverUrl);
      } catch (error) {
        await this.#failed(playback, entry, error, messages.watchFailed);
      } finally {
        this.#liveIds.delete(entry.id);
      }
    });
    return true;
  }

  async #queueFinalPosition(playback: Playback, deadline: number): Promise<void> {
    const item = playback.item;
    if (!item || playback.durationMs === null) return;
    const now = Date.now();
    const entry: PositionEntry = {
      kind: 'position',
      id: positionEntryId(item.client.serverUrl, item.ratingKey),
      ...freshEntryBase(item.client.serverUrl, item.ratingKey, item.displayName, now),
      playbackId: playback.start.playbackId,
      positionMs: playback.positionMs,
      durationMs: playback.durationMs,
      capturedAt: now,
    };
    this.#liveIds.add(entry.id);
    this.#enqueue(playback, async () => {
      try {
        await this.#options.outbox.put(entry);
        const outcome = await this.#options.locks.run(entry.id, async () => {
          const delivered = await deliverPosition(
            item.client,
            entry,
            { sessionId: playback.sessionId, serverThreshold: playback.serverThreshold },
            { retries: LIVE_RETRIES, deadline },
          );
          // Only what was sent: a newer position may have replaced it meanwhile.
          await this.#options.outbox.remove(entry.id, entry);
          return delivered;
        });
        this.#options.onResult?.(
          entry,
          outcome === 'server-newer' ? { kind: 'dropped', failure: 'superseded', detail: 'Plex has a newer position' } : { kind: 'delivered', detail: outcome },
        );
        this.#options.onServerReachable?.(item.client.serverUrl);
      } catch (error) {
        await this.#failed(playback, entry, error, messages.positionFailed);
      } finally {
        this.#liveIds.delete(entry.id);
      }
    });
  }

  /** Best-effort progress report (not queued in the outbox: only the last position matters). */
  #queueTimeline(playback: Playback, state: 'playing' | 'paused' | 'stopped'): void {
    const { item } = playback;
    if (!item) return;
    playback.lastTimelineAt = Date.now();
    this.#enqueue(playback, async () => {
      // Decided at send time: the watch ahead of this report in the chain may just have settled.
      const durationMs = playback.durationMs;
      if (durationMs === null) return;
      const decided = playback.watch !== 'pending';
      if (decided) {
        // A decided playback reports only at or above the server's threshold, where Plex stores
        // no offset: a watched item must not get a resume point back, and a watch still queued
        // must not be raced by a report in its session.
        if (playback.watch !== 'settled') return;
        if (!isAtOrAboveServerThreshold(playback.positionMs, durationMs, playback.serverThreshold)) return;
      }
      const report = {
        ratingKey: item.ratingKey,
        state,
        timeMs: reportablePositionMs(playback.positionMs, durationMs, playback.serverThreshold, decided),
        durationMs,
        sessionId: playback.sessionId,
      };
      try {
        await item.client.timeline(report);
        playback.reportedMs = report.timeMs;
        this.#options.onServerReachable?.(item.client.serverUrl);
      } catch (error) {
        this.#options.log.warn({ playbackId: playback.start.playbackId, err: error, state }, 'timeline report failed');
      }
    });
  }

  #enqueue(playback: Playback, task: () => Promise<void>): void {
    playback.pendingTasks += 1;
    const run = async () => {
      try {
        await task();
      } finally {
        playback.pendingTasks -= 1;
        if (playback.pendingTasks === 0) this.#announceSettled(playback);
      }
    };
    playback.chain = playback.chain.then(run, run);
  }

  #holdsPosition(playback: Playback): boolean {
    if (playback.pendingTasks > 0 || playback.reportedMs === null || playback.durationMs === null) return false;
    const wouldReport = reportablePositionMs(playback.positionMs, playback.durationMs, playback.serverThreshold, false);
    return Math.abs(wouldReport - playback.reportedMs) < SAME_POSITION_MS;
  }

  /** Tells the script when nothing of this playback is in flight or queued (see SettledPayload). */
  #announceSettled(playback: Playback): void {
    if (playback.unloaded || playback.status !== 'plex' || !playback.delivered) return;
    if (playback.watch === 'queued') return;
    const positionMs = playback.watch === 'settled' ? null : playback.reportedMs;
    if (playback.watch === 'pending' && positionMs === null) return;
    playback.player.sendToScript(HelperMessage.settled, { playbackId: playback.start.playbackId, seq: playback.lastSeq, positionMs });
  }

  async #failed(
    playback: Playback,
    entry: WatchEntry | PositionEntry,
    error: unknown,
    describe: (name: string, failure: ReturnType<typeof classifyFailure>, detail: string) => string,
  ): Promise<void> {
    const decision = decideOnFailure(error, entry.attempts + 1, 0);
    const lastError = errorText(error);
    this.#options.log.warn({ id: entry.id, failure: decision.failure, action: decision.action, err: error }, 'sync failed');
    try {
      if (decision.action === 'drop') await this.#options.outbox.remove(entry.id);
      else await this.#options.outbox.update(entry.id, failurePatch(entry, error, decision));
    } catch (storeError) {
      this.#options.log.error({ err: storeError, id: entry.id }, 'could not update the outbox');
    }
    this.#options.onResult?.(entry, { kind: decision.action === 'drop' ? 'dropped' : 'kept', failure: decision.failure, detail: lastError });
    if (decision.action !== 'drop') playback.delivered = false;
    if (entry.kind === 'watch' && decision.action === 'drop') playback.watch = 'settled';
    const text = error instanceof CountInDoubtError ? messages.watchInDoubt(entry.title) : describe(entry.title, decision.failure, failureDetail(error));
    if (playback.player.connected) {
      playback.player.showText(text, OSD_LONG_MS);
      playback.player.printText(`mpv-plex-sync: ${text}`);
    } else {
      this.#options.offline.notify('mpv-plex-sync', text);
    }
  }
}

/** The token a Plex URL carries in its query, read from mpv (never sent over script-message). */
async function tokenFromPlayer(player: PlayerPort): Promise<string | null> {
  const full = await player.fullPath().catch(() => null);
  if (!full || !/^https?:\/\//i.test(full)) return null;
  try {
    return new URL(full).searchParams.get('X-Plex-Token');
  } catch {
    return null;
  }
}

