// The sync engine decides, from what a playback did, what Plex should hear: timeline reports, the
// watch (once, at the mark) and the final resume position. Every watch and final position goes to
// the outbox first; the sender (sender.ts) makes every request, each playback's in order. The
// engine's items carry Plex reads only, and it speaks no wire protocol (src/mpv/ calls it). Its
// parts: playback.ts (the record), item-lookup.ts, mark-point.ts and watch-rule.ts (where it
// counts), playback-entries.ts, timeline.ts (what a report says), playback-notices.ts.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { OutboxEntry, OutboxStore } from '../outbox/index.js';
import { errorText } from '../log/redact.js';
import { positionEntry, queuedRound, unwatchEntry, unwatchQueued, watchEntry } from './playback-entries.js';
import { lookUpItem } from './item-lookup.js';
import { announceSettled, answerKey, answerMark, noteOnPlayer, sayOnPlayer, tellFailure, tellItem } from './playback-notices.js';
import { settlesBy } from './settles-by.js';
import { afterSession, applyFacts, holdsPosition, isSparingShortPlay, markMs, newPlayback, type Playback } from './playback.js';
import type { ItemResolver, OfflineNotifier, PlaybackEnd, PlaybackProgress, PlaybackStart, PlayerPort, PlexItem, StreamChoices, StreamsChange, WatchPrefsSource } from './ports.js';
import type { LiveSend, Sender, SendResult } from './sender.js';
import { timelineReport } from './timeline.js';
import { hasReachedWatched } from './watch-rule.js';
import { messages, OSD_LONG_MS } from './user-messages.js';

/** Plex wants a timeline report about every 10 s while playing. */
const TIMELINE_INTERVAL_MS = 10_000;
/** Retry resolving an item that could not be resolved (Plex down) at most this often. */
const RESOLVE_RETRY_MS = 5_000;
/** How long a playback whose mpv went away (crash, kill) may take to finish sending. */
const GONE_DEADLINE_MS = 30_000;

export interface SyncEngineOptions {
  readonly config: Config;
  readonly servers: WatchPrefsSource;
  readonly resolver: ItemResolver;
  readonly outbox: OutboxStore;
  readonly sender: Sender;
  readonly log: Logger;
  readonly offline: OfflineNotifier;
  /** Saves a playback the helper could not resolve, for a later helper (spool). */
  readonly spoolUnresolved: (start: PlaybackStart, end: PlaybackEnd & { readonly durationMs: number }) => Promise<void>;
  /** Called after a request to a server succeeded: a good moment to send what waits for it. */
  readonly onServerReachable?: (serverUrl: string) => void;
  /** Plex's audio and subtitle choices, both ways (src/streams/); without it they are left alone. */
  readonly streams?: StreamChoices;
}

/** What became of a playback by the time its quit could wait no longer. */
export interface PlaybackOutcome {
  /** true: all sent; false: some left queued in the outbox (the OSD said why). */
  readonly delivered: boolean;
}

export class SyncEngine {
  readonly #options: SyncEngineOptions;
  readonly #playbacks = new Map<string, Playback>();

  constructor(options: SyncEngineOptions) {
    this.#options = options;
  }

  get activePlaybacks(): number { return this.#playbacks.size; }

  /** A playback began; resolves when its item is known (the player was told through itemKnown). */
  async start(player: PlayerPort, start: PlaybackStart): Promise<void> {
    const known = this.#playbacks.get(start.playbackId);
    // A script re-announcing its playback to a helper that already knows it: answer again.
    if (known) return tellItem(known);
    const playback = newPlayback(player, start, queuedRound(this.#options.outbox.list(), start.playbackId));
    this.#playbacks.set(start.playbackId, playback);
    await this.#resolve(playback);
  }

  /** The Plex item a playback plays, once resolved (the Plex menu's server and show); null otherwise. */
  itemOf = (playbackId: string): PlexItem | null => this.#playbacks.get(playbackId)?.item ?? null;

  progress(progress: PlaybackProgress): void {
    const playback = this.#playbacks.get(progress.playbackId);
    if (!playback || playback.unloaded) return;
    const wasPaused = playback.paused;
    playback.lastSeq = Math.max(playback.lastSeq, progress.seq);
    applyFacts(playback, progress, this.#options.config);
    playback.paused = progress.paused;
    if (playback.status === 'error' && Date.now() - playback.lastResolveAt >= RESOLVE_RETRY_MS) return void this.#resolve(playback);
    if (playback.status !== 'plex' || this.#maybeMarkWatched(playback)) return;
    const stateChanged = wasPaused !== progress.paused || progress.reason === 'seek';
    if (stateChanged || Date.now() - playback.lastTimelineAt >= TIMELINE_INTERVAL_MS) this.#queueTimeline(playback, progress.paused ? 'paused' : 'playing');
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
    if (!playback || playback.unloaded || playback.status !== 'plex' || !item || playback.terminated) return noteOnPlayer(player, messages.nothingToMark);
    this.#options.log.info({ playbackId, ratingKey: item.ratingKey, watched }, 'marked with a key');
    if (!watched) return this.#markUnwatched(playback, item);
    if (playback.watch !== 'pending') return noteOnPlayer(playback.player, messages.alreadyMarked(item.displayName));
    if ((playback.baselineViewCount ?? 0) === 0) return this.#queueWatch(playback, item, playback.durationMs ?? item.durationMs ?? 0, undefined, true);
    // As a Plex app's "mark watched" on a watched item: no second count, and the playback is
    // decided, so playing on to the end counts nothing either. Its session saw reports below
    // the threshold: one above, now allowed, would count, so the rest goes in a new session.
    playback.watch = 'settled';
    playback.sessionId = afterSession(playback);
    noteOnPlayer(playback.player, messages.alreadyWatched(item.displayName));
  }

  #markUnwatched(playback: Playback, item: PlexItem): void {
    playback.round += 1;
    playback.watch = 'pending';
    // What Plex will hold after the unscrobble: this playback counts from there.
    playback.baselineViewCount = 0;
    // A new session: Plex may remember that the old one crossed its threshold already.
    playback.sessionId = `${playback.start.playbackId}:r${playback.round}`;
    const mark = markMs(playback);
    playback.belowMarkAgain = mark !== null && playback.positionMs >= mark;
    const entry = unwatchEntry({ playbackId: playback.start.playbackId, round: playback.round }, item, Date.now());
    this.#sendLive(playback, entry, {}, (result) => {
      answerMark(playback.player, this.#options.offline, entry.title, result, messages.markedUnwatched(item.displayName), messages.markUnwatchedFailed);
      if (result.kind === 'delivered') this.#options.onServerReachable?.(item.client.serverUrl);
      if (result.kind === 'kept') playback.delivered = false;
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
    // Nobody waits (no deadline): sends get no in-session retries, but the lookup may finish.
    const work = this.#finish(playback, end, deadline ?? Date.now(), deadline ?? Date.now() + GONE_DEADLINE_MS);
    const answeredInTime = await settlesBy(work, deadline ?? 0);
    // Late work goes on; whatever it has not sent by now is already durable in the outbox.
    void work.finally(() => this.#forget(end.playbackId));
    // mpv quits now: without this line the person sees "finishing sync…" and then nothing.
    if (!answeredInTime && deadline !== null && playback.item) sayOnPlayer(playback.player, messages.stillSending(playback.item.displayName));
    return { delivered: answeredInTime && playback.delivered };
  }

  /** mpv went away without an unload (crash, kill): finish its playbacks as if ended. */
  async playerGone(player: PlayerPort): Promise<void> {
    const finishing: Promise<void>[] = [];
    for (const playback of this.#playbacks.values()) {
      if (playback.player !== player || playback.unloaded) continue;
      const { playbackId } = playback.start;
      const end: PlaybackEnd = { playbackId, positionMs: playback.positionMs, durationMs: playback.durationMs, playedMs: playback.playedMs };
      finishing.push(this.#finish(playback, end, Date.now() + GONE_DEADLINE_MS).finally(() => this.#forget(playbackId)));
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
    const streams = this.#options.streams;
    const write = playback && item && playback.status === 'plex' ? streams?.toPlex(change) : null;
    if (!playback || !item || !streams || !write) return;
    this.#track(playback, item.displayName, this.#options.sender.storeChoice(change.playbackId, item.client, write), (result) => {
      if (result.kind === 'failed' && streams.firstFailure(change.playbackId)) {
        playback.player.showText(messages.streamChoiceFailed(item.displayName, errorText(result.error)), OSD_LONG_MS);
      }
    });
  }

  #forget(playbackId: string): void {
    this.#playbacks.delete(playbackId);
    this.#options.streams?.release(playbackId);
  }

  async #finish(playback: Playback, unload: PlaybackEnd, deadline: number, lookupBy = deadline): Promise<void> {
    playback.unloaded = true;
    applyFacts(playback, unload, this.#options.config);
    // A lookup that outlasts the quit (a slow or endless listing) is given up: its late answer
    // is dropped, and the playback is spooled for a later helper like one Plex never answered.
    if (playback.resolving && !(await settlesBy(playback.resolving, lookupBy))) playback.status = 'error';
    if (playback.status === 'error' || playback.status === 'resolving') {
      if (playback.durationMs !== null && unload.playedMs > 0) {
        await this.#options.spoolUnresolved(playback.start, { ...unload, durationMs: playback.durationMs });
        playback.delivered = false;
      }
      return;
    }
    if (playback.status !== 'plex' || !playback.item) return;
    this.#maybeMarkWatched(playback, deadline);
    // A decided watch: end the server's session (timeline.ts drops the report if it would give
    // the item an offset back).
    if (playback.watch !== 'pending') this.#queueTimeline(playback, 'stopped');
    // An unscrobble still queued clears Plex's resume point once it lands: the final position
    // goes into the outbox, and the sender sends it after that unscrobble.
    else if (unwatchQueued(this.#options.outbox, playback.item)) this.#queueFinalPosition(playback, deadline);
    // A short play leaves Plex's resume point as it was: no final position, only the end of a
    // session it opened (timeline.ts pins that report to the saved position).
    // Plex already holds this very position (the script did not even hold mpv for it): only
    // the session's end is news, and losing that loses nothing, so it skips the outbox.
    else if (isSparingShortPlay(playback) || holdsPosition(playback)) this.#queueTimeline(playback, 'stopped');
    else this.#queueFinalPosition(playback, deadline);
    await this.#options.sender.laneDone(playback.start.playbackId);
  }

  async #resolve(playback: Playback): Promise<void> {
    playback.lastResolveAt = Date.now();
    playback.status = 'resolving';
    const resolving: Promise<void> = lookUpItem(this.#options, playback)
      .then((isPlex) => {
        if (!isPlex || !playback.item) return;
        this.#options.onServerReachable?.(playback.item.client.serverUrl);
        if (!this.#maybeMarkWatched(playback)) this.#queueTimeline(playback, playback.paused ? 'paused' : 'playing');
      })
      .finally(() => {
        if (playback.resolving === resolving) playback.resolving = null;
      });
    playback.resolving = resolving;
    await resolving;
  }

  /** Marks the watch if this playback just reached it. Returns true when it did. */
  #maybeMarkWatched(playback: Playback, deadline?: number): boolean {
    const { item, rule } = playback;
    if (playback.watch !== 'pending' || !item || !rule || playback.durationMs === null) return false;
    const mark = markMs(playback);
    if (playback.belowMarkAgain && mark !== null && playback.positionMs < mark) playback.belowMarkAgain = false;
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
    const { playbackId, startedAt } = playback.start;
    const facts = { playbackId, startedAt, sessionId: playback.sessionId, baselineViewCount: playback.baselineViewCount, positionMs: playback.positionMs, round };
    const entry = watchEntry(facts, item, durationMs, Date.now());
    this.#sendLive(playback, entry, { deadline, crossing: !byKey }, (result) => {
      // Marked unwatched meanwhile: the state is the new round's, but a press that went out is answered.
      if (playback.round !== round) {
        if (byKey) answerMark(playback.player, this.#options.offline, entry.title, result, messages.markedWatched(item.displayName), messages.markWatchedKept);
        return;
      }
      if (result.kind === 'kept') {
        // Still queued (the watch stays 'queued'): the outbox sends it later.
        playback.delivered = false;
        return tellFailure(playback.player, this.#options.offline, entry.title, result, byKey ? messages.markWatchedKept : messages.watchFailed);
      }
      playback.watch = 'settled';
      if (result.kind === 'dropped' && result.failure === 'terminated') return this.#terminate(playback, result.detail);
      if (result.kind === 'dropped' && result.failure !== 'superseded') return tellFailure(playback.player, this.#options.offline, entry.title, result, messages.watchFailed);
      // After our own scrobble, or a key's watch (no crossing), this session saw reports below
      // Plex's threshold only: one above would complete a crossing and count again. The rest of
      // the playback reports on a new session.
      if (result.detail === 'scrobbled' || byKey) playback.sessionId = afterSession(playback);
      this.#options.log.info({ playbackId: entry.playbackId, ratingKey: entry.ratingKey, outcome: result.detail }, 'watch delivered');
      if (result.kind === 'dropped') sayOnPlayer(playback.player, messages.unwatchedElsewhere(item.displayName));
      else if (byKey) answerKey(playback.player, messages.markedWatched(item.displayName));
      // On the terminal even with osdOnWatched off: that option is about the picture.
      else noteOnPlayer(playback.player, playback.markAt === 'credits' ? messages.watchedAtCredits(item.displayName) : messages.watched(item.displayName), this.#options.config.osdOnWatched);
      this.#options.onServerReachable?.(item.client.serverUrl);
    });
  }

  #queueFinalPosition(playback: Playback, deadline: number): void {
    const item = playback.item;
    if (!item || playback.durationMs === null) return;
    const now = Date.now();
    const entry = positionEntry({ playbackId: playback.start.playbackId, positionMs: playback.positionMs }, item, playback.durationMs, now, now);
    this.#sendLive(playback, entry, { deadline }, (result) => {
      if (result.kind === 'kept') playback.delivered = false;
      if (result.kind === 'delivered' || result.failure === 'superseded') return this.#options.onServerReachable?.(item.client.serverUrl);
      tellFailure(playback.player, this.#options.offline, entry.title, result, messages.positionFailed);
    });
  }

  /** Puts an entry in the outbox (durable before any request) and sends it on the playback's lane. */
  #sendLive(playback: Playback, entry: OutboxEntry, send: Pick<LiveSend, 'deadline' | 'crossing'>, then: (result: SendResult) => void): void {
    const queued = this.#options.outbox.put(entry);
    // Not durable: the sender sends it all the same, and the person hears that it hangs on Plex now.
    queued.catch((error: unknown) => sayOnPlayer(playback.player, messages.notSaved(entry.title, errorText(error))));
    const live: LiveSend = {
      sessionId: playback.sessionId,
      serverThreshold: playback.serverThreshold,
      ...(send.deadline !== undefined ? { deadline: send.deadline } : {}),
      ...(send.crossing === false ? { crossing: false } : {}),
    };
    this.#track(playback, entry.title, this.#options.sender.sendLive(playback.start.playbackId, queued, entry.id, live), then);
  }

  /** Best-effort progress report (not queued in the outbox: only the last position matters). */
  #queueTimeline(playback: Playback, state: 'playing' | 'paused' | 'stopped'): void {
    const { item } = playback;
    if (!item || playback.terminated) return;
    playback.lastTimelineAt = Date.now();
    const sent = this.#options.sender.report(playback.start.playbackId, item.client, () => timelineReport(playback, state), (result) => {
      if (result.kind === 'failed') return;
      if (result.terminated) return this.#terminate(playback, result.terminated.text);
      playback.reportedMs = result.report.timeMs;
      this.#options.onServerReachable?.(item.client.serverUrl);
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
          if (result !== null && result !== undefined) then(result);
        },
        (error: unknown) => {
          // Only the outbox write can fail here (the sender answers every send with a result).
          playback.delivered = false;
          this.#options.log.error({ playbackId: playback.start.playbackId, err: error }, 'could not queue a sync');
          sayOnPlayer(playback.player, messages.notQueued(title, errorText(error)));
        },
      )
      .finally(() => {
        playback.pendingTasks -= 1;
        if (playback.pendingTasks === 0) announceSettled(playback);
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
    this.#options.log.info({ playbackId: playback.start.playbackId, text }, 'the server ended the playback');
    playback.player.endPlayback(playback.start.playbackId, messages.sessionEnded(playback.item?.displayName ?? playback.start.path, text));
  }

}
