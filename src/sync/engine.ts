// The sync engine: decides, from what a playback did, what Plex should hear: timeline reports,
// the watch (once, at the mark) and the final resume position. It writes every watch and final
// position to the outbox and asks the sender (sender.ts) to send it early; the sender sends
// everything, each playback's requests in order. The engine never sends and speaks no wire
// protocol: the script session (src/mpv/script-session.ts) calls it and passes its answers on.
import type { Logger } from 'pino';
import { ConfigError, thresholdOverride, type Config } from '../config/config.js';
import { freshEntryBase, positionEntryId, unwatchEntryId, watchEntryId, type OutboxStore, type PositionEntry, type UnwatchEntry, type WatchEntry } from '../outbox/index.js';
import { errorText } from '../log/redact.js';
import { classifyFailure, failureDetail, type FailureClass } from './failure.js';
import type { ItemResolver, OfflineNotifier, PlaybackEnd, PlaybackProgress, PlaybackStart, PlaybackStreams, PlayerPort, PlexItem, StreamChoices, StreamsChange, ThresholdSource } from './ports.js';
import type { LiveSend, Sender, SendResult } from './sender.js';
import { messages, OSD_LONG_MS, OSD_SHORT_MS } from './user-messages.js';
import { placeMark } from './mark-point.js';
import { DEFAULT_SERVER_PREFS, type ServerWatchPrefs } from '../plex/watch-prefs.js';
import { tokenFromPlayer } from './player-token.js';
import { hasReachedWatched, isAtOrAboveServerThreshold, reportablePositionMs, type WatchRule } from './watch-rule.js';

/** Plex wants a timeline report about every 10 s while playing. */
const TIMELINE_INTERVAL_MS = 10_000;
/** Retry resolving an item that could not be resolved (Plex down) at most this often. */
const RESOLVE_RETRY_MS = 5_000;
/** Positions this close count as the same (the script uses the same tolerance). */
const SAME_POSITION_MS = 500;
/**
 * A playback with less media played than this is a short play (a peek, a mistaken click): it must
 * not change what Plex holds for the item, a resume point or a watched state, by its reports or
 * its final position (docs/sync-rule.md).
 */
export const SHORT_PLAY_MS = 10_000;
/** How long a playback whose mpv went away (crash, kill) may take to finish sending. */
const GONE_DEADLINE_MS = 30_000;

export interface SyncEngineOptions {
  readonly config: Config;
  readonly servers: ThresholdSource;
  readonly resolver: ItemResolver;
  readonly outbox: OutboxStore;
  readonly sender: Sender;
  readonly log: Logger;
  readonly offline: OfflineNotifier;
  /** Saves a playback the helper could not resolve, for a later helper (spool). */
  readonly spoolUnresolved: (start: PlaybackStart, end: PlaybackEnd & { readonly durationMs: number }) => Promise<void>;
  /** Called after any request to a server succeeded: a good moment to replay its queue. */
  readonly onServerReachable?: (serverUrl: string) => void;
  /** Plex's audio and subtitle choices, both ways (src/streams/); without it they are left alone. */
  readonly streams?: StreamChoices;
}

/** What became of a playback by the time its quit could wait no longer. */
export interface PlaybackOutcome {
  /** true: all sent; false: some left queued in the outbox (the OSD said why). */
  readonly delivered: boolean;
}

type ItemStatus = 'resolving' | 'plex' | 'ignored' | 'error';
type WatchState = 'pending' | 'queued' | 'settled';

interface Playback {
  readonly player: PlayerPort;
  readonly start: PlaybackStart;
  status: ItemStatus;
  item: PlexItem | null;
  rule: WatchRule | null;
  /**
   * The server's own mark point for this item, as a percent of the duration: its threshold, or
   * the start of the credits (mark-point.ts). Reports stay below it until the watch is decided.
   */
  serverThreshold: number;
  /** The server's watch preferences, read when the item resolved. */
  serverPrefs: ServerWatchPrefs;
  /** What our mark is: the server's threshold, its credits start, or the person's override. */
  markAt: 'threshold' | 'credits' | 'override';
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
  /** The item lookup under way, if any: the end of a playback waits for it. */
  resolving: Promise<void> | null;
  /** False once a watch or position of this playback is left queued after failing. */
  delivered: boolean;
  unloaded: boolean;
  /** seq of the last progress applied. */
  lastSeq: number;
  /** The time Plex got in this playback's last successful report, ms. */
  reportedMs: number | null;
  /** Requests asked of the sender and not yet finished. */
  pendingTasks: number;
  /** The server ended the session (terminationCode): nothing more is reported or counted. */
  terminated: boolean;
  /** Plex's audio and subtitle choice, told with the item. */
  streams?: PlaybackStreams | null;
  /** Times the person marked it unwatched (mark-unwatched); each starts a round with its own watch. */
  round: number;
  /** Marked unwatched at or past the mark: it counts again only once played past it again. */
  belowMarkAgain: boolean;
}

export class SyncEngine {
  readonly #options: SyncEngineOptions;
  readonly #playbacks = new Map<string, Playback>();

  constructor(options: SyncEngineOptions) {
    this.#options = options;
  }

  get activePlaybacks(): number {
    return this.#playbacks.size;
  }

  /** A playback began; resolves when its item is known (the player was told through itemKnown). */
  async start(player: PlayerPort, start: PlaybackStart): Promise<void> {
    const known = this.#playbacks.get(start.playbackId);
    if (known) {
      // A script re-announcing its playback to a helper that already knows it: answer again.
      this.#tellItem(known);
      return;
    }
    const playback: Playback = {
      player,
      start,
      status: 'resolving',
      item: null,
      rule: null,
      serverThreshold: 90,
      serverPrefs: DEFAULT_SERVER_PREFS,
      markAt: 'threshold',
      baselineViewCount: start.baselineViewCount,
      sessionId: start.playbackId,
      watch: 'pending',
      positionMs: start.positionMs,
      durationMs: start.durationMs,
      playedMs: 0,
      paused: false,
      lastTimelineAt: 0,
      lastResolveAt: 0,
      resolving: null,
      delivered: true,
      unloaded: false,
      lastSeq: 0,
      reportedMs: null,
      pendingTasks: 0,
      terminated: false,
      round: 0,
      belowMarkAgain: false,
    };
    // A restarted helper meets a playback the person may have marked unwatched already: its marks
    // still queued carry its round, and its next watch must come after them, not before.
    playback.round = this.#queuedRound(start.playbackId);
    if (playback.round > 0) playback.sessionId = `${start.playbackId}:r${playback.round}`;
    this.#playbacks.set(start.playbackId, playback);
    await this.#resolve(playback);
  }

  /** An unwatch of this item waits in the outbox (Plex was unreachable when it was made). */
  #unwatchQueued(item: PlexItem): boolean {
    return this.#options.outbox.itemEntries(item.client.serverUrl, item.ratingKey).some((entry) => entry.kind === 'unwatch');
  }

  /** The highest round among the playback's marks and watches still in the outbox; 0 when none. */
  #queuedRound(playbackId: string): number {
    let round = 0;
    for (const entry of this.#options.outbox.list()) {
      if ((entry.kind === 'unwatch' || entry.kind === 'watch') && entry.playbackId === playbackId) round = Math.max(round, entry.round ?? 0);
    }
    return round;
  }

  progress(progress: PlaybackProgress): void {
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

  /**
   * The person pressed mark-watched or mark-unwatched (docs/sync-rule.md, marks). mark-watched
   * decides the playback: its watch is queued and sent like one at the mark, and nothing more of
   * it counts; on an item already watched before, nothing is counted again. mark-unwatched sets
   * the item unwatched at once and makes the playback undecided again, counted from a viewCount
   * of 0 if played past the mark (again).
   */
  mark(player: PlayerPort, playbackId: string, watched: boolean): void {
    const playback = this.#playbacks.get(playbackId);
    const item = playback?.item;
    if (!playback || playback.unloaded || playback.status !== 'plex' || !item || playback.terminated) {
      player.showText(messages.nothingToMark, OSD_SHORT_MS);
      return;
    }
    this.#options.log.info({ playbackId, ratingKey: item.ratingKey, watched }, 'marked with a key');
    if (!watched) return this.#markUnwatched(playback, item);
    if (playback.watch !== 'pending') {
      playback.player.showText(messages.alreadyMarked(item.displayName), OSD_SHORT_MS);
    } else if ((playback.baselineViewCount ?? 0) > 0) {
      // As a Plex app's "mark watched" on a watched item: no second count, and the playback is
      // decided, so playing on to the end counts nothing either.
      playback.watch = 'settled';
      // Its session saw reports below the threshold: one above, now allowed, would count.
      playback.sessionId = afterSession(playback);
      playback.player.showText(messages.alreadyWatched(item.displayName), OSD_SHORT_MS);
    } else {
      this.#queueWatch(playback, item, playback.durationMs ?? item.durationMs ?? 0, undefined, true);
    }
  }

  #markUnwatched(playback: Playback, item: PlexItem): void {
    playback.round += 1;
    playback.watch = 'pending';
    // What Plex will hold after the unscrobble: this playback counts from there.
    playback.baselineViewCount = 0;
    // A new session: Plex may remember that the old one crossed its threshold already.
    playback.sessionId = `${playback.start.playbackId}:r${playback.round}`;
    const mark = playback.rule && playback.durationMs !== null ? (playback.rule.thresholdPercent / 100) * playback.durationMs : null;
    playback.belowMarkAgain = mark !== null && playback.positionMs >= mark;
    const entry: UnwatchEntry = {
      kind: 'unwatch',
      id: unwatchEntryId(playback.start.playbackId, playback.round),
      ...freshEntryBase(item.client.serverUrl, item.ratingKey, item.displayName, Date.now()),
      playbackId: playback.start.playbackId,
      round: playback.round,
    };
    const queued = this.#options.outbox.put(entry);
    this.#track(playback, entry.title, this.#options.sender.sendLive(playback.start.playbackId, queued, entry.id, this.#live(playback, item, undefined)), (result) => {
      if (result.kind === 'delivered') {
        playback.player.showText(messages.markedUnwatched(item.displayName), OSD_SHORT_MS);
        this.#options.onServerReachable?.(item.client.serverUrl);
        return;
      }
      if (result.kind === 'kept') playback.delivered = false;
      this.#tellFailure(playback, entry.title, result, messages.markUnwatchedFailed);
    });
  }

  /**
   * A playback ended. Its final sends get until `deadline` (epoch ms; mpv's quit waits for them),
   * and the answer comes by then; what is not sent by then stays in the outbox and goes on.
   * With a null deadline nobody waits (the script did not hold mpv): the answer comes at once.
   */
  async end(end: PlaybackEnd, deadline: number | null): Promise<PlaybackOutcome> {
    const playback = this.#playbacks.get(end.playbackId);
    if (!playback) return { delivered: true };
    const work = this.#finish(playback, end, deadline ?? Date.now());
    const answeredInTime = await Promise.race([
      work.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), Math.max(0, (deadline ?? 0) - Date.now())).unref()),
    ]);
    // Late work goes on; whatever it has not sent by now is already durable in the outbox.
    void work.finally(() => this.#forget(end.playbackId));
    if (!answeredInTime && deadline !== null && playback.item) {
      // mpv quits now: without this line the person sees "finishing sync…" and then nothing.
      const text = messages.stillSending(playback.item.displayName);
      playback.player.showText(text, OSD_LONG_MS);
      playback.player.printText(`mpv-plex-sync: ${text}`);
    }
    return { delivered: answeredInTime && playback.delivered };
  }

  /** mpv went away without an unload (crash, kill): finish its playbacks as if ended. */
  async playerGone(player: PlayerPort): Promise<void> {
    const finishing: Promise<void>[] = [];
    for (const playback of this.#playbacks.values()) {
      if (playback.player !== player || playback.unloaded) continue;
      const end: PlaybackEnd = {
        playbackId: playback.start.playbackId,
        positionMs: playback.positionMs,
        durationMs: playback.durationMs,
        playedMs: playback.playedMs,
      };
      finishing.push(this.#finish(playback, end, Date.now() + GONE_DEADLINE_MS).finally(() => this.#forget(end.playbackId)));
    }
    await Promise.allSettled(finishing);
  }

  /**
   * The person chose other audio or subtitles in mpv: Plex stores it on the playback's lane, as a
   * best-effort request (a preference: see src/streams/stream-sync.ts for why not the outbox).
   */
  streamsChanged(change: StreamsChange): void {
    const playback = this.#playbacks.get(change.playbackId);
    const item = playback?.item;
    if (!playback || !item || playback.status !== 'plex') return;
    const send = this.#options.streams?.toPlex(item, change, (text) => playback.player.showText(text, OSD_LONG_MS));
    if (send) this.#track(playback, item.displayName, this.#options.sender.report(change.playbackId, item.client.serverUrl, send), () => undefined);
  }

  #forget(playbackId: string): void {
    this.#playbacks.delete(playbackId);
    this.#options.streams?.release(playbackId);
  }

  async #finish(playback: Playback, unload: PlaybackEnd, deadline: number): Promise<void> {
    playback.unloaded = true;
    this.#applyFacts(playback, unload.positionMs, unload.durationMs, unload.playedMs);
    if (playback.resolving) await playback.resolving;
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
    // An unscrobble still queued clears Plex's resume point once it lands: the final position
    // goes into the outbox, and the sender sends it after that unscrobble.
    else if (this.#unwatchQueued(playback.item)) this.#queueFinalPosition(playback, deadline);
    // A short play leaves Plex's resume point as it was: no final position, only the end of a
    // session it opened (#queueTimeline pins that report to the saved position).
    else if (isSparingShortPlay(playback)) this.#queueTimeline(playback, 'stopped');
    // Plex already holds this very position (the script did not even hold mpv for it): only
    // the session's end is news, and losing that loses nothing, so it skips the outbox.
    else if (this.#holdsPosition(playback)) this.#queueTimeline(playback, 'stopped');
    else this.#queueFinalPosition(playback, deadline);
    await this.#options.sender.laneDone(playback.start.playbackId);
  }

  #applyFacts(playback: Playback, positionMs: number, durationMs: number | null, playedMs: number): void {
    // A duration learnt (or corrected) after the item resolved moves the mark: the credits start
    // is a time, not a percent, and the server measures against the duration we report.
    const changed = durationMs !== null && durationMs > 0 && durationMs !== playback.durationMs;
    if (durationMs !== null && durationMs > 0) playback.durationMs = durationMs;
    if (changed) this.#placeMark(playback);
    const duration = playback.durationMs;
    playback.positionMs = Math.max(0, duration !== null ? Math.min(positionMs, duration) : positionMs);
    playback.playedMs = Math.max(playback.playedMs, playedMs);
  }

  async #resolve(playback: Playback): Promise<void> {
    playback.lastResolveAt = Date.now();
    const resolving = this.#lookUp(playback).finally(() => {
      if (playback.resolving === resolving) playback.resolving = null;
    });
    playback.resolving = resolving;
    await resolving;
  }

  async #lookUp(playback: Playback): Promise<void> {
    const { player, start } = playback;
    try {
      const urlToken = await tokenFromPlayer(player, start.path);
      const resolution = await this.#options.resolver.resolve(start.path, start.ratingKey, urlToken);
      if (resolution.kind === 'not-plex') {
        playback.status = 'ignored';
        this.#options.log.info({ playbackId: start.playbackId, reason: resolution.reason }, 'not a Plex item');
        player.showText(messages.notPlex(resolution.reason), OSD_SHORT_MS);
        this.#tellItem(playback);
        return;
      }
      const item = resolution.item;
      playback.item = item;
      playback.serverPrefs = await this.#options.servers.serverWatchPrefs(item.client);
      // The baseline is read before our first report, so a later rise means this playback
      // (or another device) counted; a restarted helper gets it back from the script.
      playback.baselineViewCount ??= item.viewCount;
      if (playback.durationMs === null && item.durationMs) playback.durationMs = item.durationMs;
      this.#placeMark(playback);
      playback.streams = await this.#options.streams?.forItem(start.playbackId, item);
      playback.status = 'plex';
      this.#options.log.info({ playbackId: start.playbackId, ratingKey: item.ratingKey, server: item.client.serverUrl }, 'playing a Plex item');
      player.showText(messages.identified(item.displayName), OSD_SHORT_MS);
      this.#tellItem(playback);
      this.#options.onServerReachable?.(item.client.serverUrl);
      if (!this.#maybeMarkWatched(playback)) this.#queueTimeline(playback, playback.paused ? 'paused' : 'playing');
    } catch (error) {
      playback.status = 'error';
      const text = error instanceof ConfigError ? messages.configProblem(error.message) : messages.resolveFailed(classifyFailure(error), failureDetail(error));
      this.#options.log.warn({ playbackId: start.playbackId, err: error }, 'could not resolve the item');
      player.showText(text, OSD_LONG_MS);
      player.printText(`mpv-plex-sync: ${text}`);
      this.#tellItem(playback);
    }
  }

  /**
   * Where this playback counts, and where the server would count by itself. By default our mark
   * is the server's own mark point (its threshold or the credits, per its behaviour); a threshold
   * the person set overrides it. Either way reports stay below the server's mark point until our
   * decision, so the server counts neither earlier than asked nor on its own (docs/sync-rule.md).
   */
  #placeMark(playback: Playback): void {
    const item = playback.item;
    if (!item) return;
    const config = this.#options.config;
    const placed = placeMark(playback.durationMs ?? item.durationMs, playback.serverPrefs, item.markers ?? [], thresholdOverride(config, item.type), config.minPlayed);
    playback.serverThreshold = placed.serverPercent;
    playback.markAt = placed.at;
    playback.rule = placed.rule;
  }

  #tellItem(playback: Playback): void {
    playback.player.itemKnown(playback.start.playbackId, {
      status: playback.status === 'resolving' ? 'error' : playback.status,
      // The script takes 1 to 100 (credits marked at the very start give less): its report at the
      // mark is only a prompt one, the engine decides on every report anyway.
      thresholdPercent: playback.rule ? Math.min(100, Math.max(1, playback.rule.thresholdPercent)) : null,
      baselineViewCount: playback.baselineViewCount,
      ...(playback.streams ? { streams: playback.streams } : {}),
      ...(playback.item?.markers?.length ? { markers: playback.item.markers } : {}),
    });
  }

  #live(playback: Playback, item: PlexItem, deadline: number | undefined): LiveSend {
    return { client: item.client, sessionId: playback.sessionId, serverThreshold: playback.serverThreshold, ...(deadline !== undefined ? { deadline } : {}) };
  }

  /** Marks the watch if this playback just reached it. Returns true when it did. */
  #maybeMarkWatched(playback: Playback, deadline?: number): boolean {
    const { item, rule } = playback;
    if (playback.watch !== 'pending' || !item || !rule || playback.durationMs === null) return false;
    if (playback.belowMarkAgain && playback.positionMs < (rule.thresholdPercent / 100) * playback.durationMs) playback.belowMarkAgain = false;
    if (playback.belowMarkAgain || !hasReachedWatched(playback, rule)) return false;
    this.#queueWatch(playback, item, playback.durationMs, deadline, false);
    return true;
  }

  /**
   * Queues this round's watch and sends it on the playback's lane.
   * @param byKey the person pressed mark-watched: no crossing report, and always confirmed on the OSD.
   */
  #queueWatch(playback: Playback, item: PlexItem, durationMs: number, deadline: number | undefined, byKey: boolean): void {
    playback.watch = 'queued';
    const round = playback.round;
    const entry: WatchEntry = {
      kind: 'watch',
      id: watchEntryId(playback.start.playbackId, round),
      ...freshEntryBase(item.client.serverUrl, item.ratingKey, item.displayName, Date.now()),
      playbackId: playback.start.playbackId,
      sessionId: playback.sessionId,
      startedAt: playback.start.startedAt,
      baselineViewCount: playback.baselineViewCount,
      positionMs: playback.positionMs,
      durationMs,
      ...(round > 0 ? { round } : {}),
    };
    // Durable before any request: written now, sent on the playback's lane after its earlier reports.
    const queued = this.#options.outbox.put(entry);
    const live: LiveSend = { ...this.#live(playback, item, deadline), ...(byKey ? { crossing: false } : {}) };
    this.#track(playback, entry.title, this.#options.sender.sendLive(playback.start.playbackId, queued, entry.id, live), (result) => {
      // Marked unwatched meanwhile: this playback's state belongs to the new round.
      if (playback.round !== round) return;
      if (result.kind === 'kept') {
        // Still queued (the watch stays 'queued'): the outbox sends it later.
        playback.delivered = false;
        return this.#tellFailure(playback, entry.title, result, byKey ? messages.markWatchedKept : messages.watchFailed);
      }
      playback.watch = 'settled';
      if (result.kind === 'dropped' && result.failure === 'terminated') return this.#terminate(playback, result.detail);
      if (result.kind === 'dropped' && result.failure !== 'superseded') return this.#tellFailure(playback, entry.title, result, messages.watchFailed);
      // After our own scrobble this session never crossed Plex's threshold: a later report
      // in it could, and would count again. The rest of the playback reports on a new session.
      // A key's watch sent no crossing: its session saw reports below the threshold only, and
      // one above would complete a crossing and count again.
      if (result.detail === 'scrobbled' || byKey) playback.sessionId = afterSession(playback);
      this.#options.log.info({ playbackId: entry.playbackId, ratingKey: entry.ratingKey, outcome: result.detail }, 'watch delivered');
      if (result.kind === 'dropped') playback.player.showText(messages.unwatchedElsewhere(item.displayName), OSD_LONG_MS);
      else if (byKey) playback.player.showText(messages.markedWatched(item.displayName), OSD_SHORT_MS);
      else if (this.#options.config.osdOnWatched) playback.player.showText(playback.markAt === 'credits' ? messages.watchedAtCredits(item.displayName) : messages.watched(item.displayName), OSD_SHORT_MS);
      this.#options.onServerReachable?.(item.client.serverUrl);
    });
  }

  #queueFinalPosition(playback: Playback, deadline: number): void {
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
    const queued = this.#options.outbox.put(entry);
    this.#track(playback, entry.title, this.#options.sender.sendLive(playback.start.playbackId, queued, entry.id, this.#live(playback, item, deadline)), (result) => {
      if (result.kind === 'kept') {
        playback.delivered = false;
        return this.#tellFailure(playback, entry.title, result, messages.positionFailed);
      }
      if (result.kind === 'dropped' && result.failure !== 'superseded') return this.#tellFailure(playback, entry.title, result, messages.positionFailed);
      this.#options.onServerReachable?.(item.client.serverUrl);
    });
  }

  /** Best-effort progress report (not queued in the outbox: only the last position matters). */
  #queueTimeline(playback: Playback, state: 'playing' | 'paused' | 'stopped'): void {
    const { item } = playback;
    if (!item || playback.terminated) return;
    playback.lastTimelineAt = Date.now();
    const sent = this.#options.sender.report(playback.start.playbackId, item.client.serverUrl, async () => {
      // Decided at send time: the watch ahead of this report on the lane may just have settled.
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
      let timeMs = reportablePositionMs(playback.positionMs, durationMs, playback.serverThreshold, decided);
      if (!decided && isSparingShortPlay(playback)) {
        // Plex hears the playback (its now-playing view, a first report below the mark for the
        // crossing), but at the position it already holds.
        if (state === 'stopped' && playback.reportedMs === null) return;
        timeMs = item.viewOffsetMs ?? 0;
      }
      const report = { ratingKey: item.ratingKey, state, timeMs, durationMs, sessionId: playback.sessionId };
      try {
        const answer = await item.client.timeline(report);
        if (answer.terminated) return this.#terminate(playback, answer.terminated.text);
        playback.reportedMs = report.timeMs;
        this.#options.onServerReachable?.(item.client.serverUrl);
      } catch (error) {
        this.#options.log.warn({ playbackId: playback.start.playbackId, err: error, state }, 'timeline report failed');
      }
    });
    this.#track(playback, item.displayName, sent, () => undefined);
  }

  /**
   * Follows a request asked of the sender: `then` takes its result, and once nothing of the
   * playback is left in flight, the player hears that it has settled.
   */
  #track<T>(playback: Playback, title: string, sent: Promise<T | null>, then: (result: T) => void): void {
    playback.pendingTasks += 1;
    void sent
      .then(
        (result) => {
          if (result !== null) then(result);
        },
        (error: unknown) => {
          // Only the outbox write can fail here (the sender answers every send with a result).
          playback.delivered = false;
          this.#options.log.error({ playbackId: playback.start.playbackId, err: error }, 'could not queue a sync');
          const text = messages.notQueued(title, errorText(error));
          playback.player.showText(text, OSD_LONG_MS);
          playback.player.printText(`mpv-plex-sync: ${text}`);
        },
      )
      .finally(() => {
        playback.pendingTasks -= 1;
        if (playback.pendingTasks === 0) this.#announceSettled(playback);
      });
  }

  /**
   * The server ended this playback's session (an admin stopped the stream, a sharing limit):
   * the playback stops, the person reads the server's reason, and nothing more of it is
   * reported, counted or kept as a resume point by us.
   */
  #terminate(playback: Playback, text: string | null): void {
    if (playback.terminated) return;
    playback.terminated = true;
    playback.watch = 'settled';
    const name = playback.item?.displayName ?? playback.start.path;
    this.#options.log.info({ playbackId: playback.start.playbackId, text }, 'the server ended the playback');
    playback.player.endPlayback(playback.start.playbackId, messages.sessionEnded(name, text));
  }

  #holdsPosition(playback: Playback): boolean {
    if (playback.pendingTasks > 0 || playback.reportedMs === null || playback.durationMs === null) return false;
    const wouldReport = reportablePositionMs(playback.positionMs, playback.durationMs, playback.serverThreshold, false);
    return Math.abs(wouldReport - playback.reportedMs) < SAME_POSITION_MS;
  }

  /** Tells the player when nothing of this playback is in flight or queued (see PlaybackSettled). */
  #announceSettled(playback: Playback): void {
    if (playback.unloaded || playback.status !== 'plex' || !playback.delivered) return;
    if (playback.watch === 'queued') return;
    const positionMs = playback.watch === 'settled' ? null : playback.reportedMs;
    if (playback.watch === 'pending' && positionMs === null) return;
    playback.player.settled(playback.start.playbackId, { seq: playback.lastSeq, positionMs });
  }

  /** A watch or position the sender could not deliver now (kept) or ever (dropped): say why. */
  #tellFailure(
    playback: Playback,
    title: string,
    result: Exclude<SendResult, { kind: 'delivered' }>,
    describe: (name: string, failure: FailureClass, detail: string) => string,
  ): void {
    if (result.failure === 'superseded' || result.failure === 'terminated') return;
    const text = result.kind === 'kept' && result.inDoubt ? messages.watchInDoubt(title) : describe(title, result.failure, result.detail);
    if (playback.player.connected) {
      playback.player.showText(text, OSD_LONG_MS);
      playback.player.printText(`mpv-plex-sync: ${text}`);
    } else {
      this.#options.offline.notify('mpv-plex-sync', text);
    }
  }
}

/**
 * A short play of an item Plex holds something for (a resume point, or a watch): until it has
 * played SHORT_PLAY_MS its reports carry the position Plex holds (0 when none) and it queues no
 * final position, so a peek changes nothing. An unwatched item with no resume point has nothing
 * to lose, and reports as usual.
 */
function isSparingShortPlay(playback: Playback): boolean {
  const item = playback.item;
  // Marked unwatched with a key: no mistaken click, and what Plex held before is gone anyway.
  if (!item || playback.playedMs >= SHORT_PLAY_MS || playback.round > 0) return false;
  return (item.viewOffsetMs ?? null) !== null || item.viewCount > 0;
}

/** The session for the rest of a decided playback: Plex has seen no report of it below the threshold. */
function afterSession(playback: Playback): string {
  const id = playback.start.playbackId;
  return playback.round > 0 ? `${id}:r${playback.round}:after` : `${id}:after`;
}


