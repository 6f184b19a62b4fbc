// Every request that changes something in Plex, in one module: the timeline report, the watch
// (a crossing report and a scrobble), the unwatch, the final position and the audio/subtitle
// choice. The sender (sender.ts) is its only caller; the engine decides what to report and
// hands the sender an intent, never a request. Each delivery of an entry re-reads the item
// before it decides, so a retry or a replay never counts a watch twice (docs/sync-rule.md).
import { plexMarkers, type PlexMetadata } from '../plex/schemas.js';
import type { PositionEntry, UnwatchEntry, WatchEntry } from '../outbox/index.js';
import type { TimelineReport } from '../plex/client.js';
import type { PlexPort, StreamChoiceWrite } from './ports.js';
import { countingRequest, CountInDoubtError } from './in-doubt.js';
import { withRetries } from './retry.js';
import { markPercent, serverMarkPoint } from './mark-point.js';
import { watchPrefsOrDefaults, type ServerWatchPrefs } from '../plex/watch-prefs.js';
import { reportablePositionMs } from './watch-rule.js';

export type WatchOutcome =
  /** Plex already counted this playback (its own threshold rule, or another device). */
  | 'counted-by-plex'
  /** Plex had not counted it; the scrobble did. */
  | 'scrobbled'
  /** viewCount dropped below the baseline: the user marked it unwatched since; leave it. */
  | 'unwatched-since'
  /** The server ended the playback's session in answer to the crossing report: not ours to count. */
  | { readonly terminated: string | null };

export type PositionOutcome = 'sent' | 'server-newer';

export interface DeliveryOptions {
  /** In-session retries (0 when replaying the outbox, whose retries are spread in time). */
  readonly retries: number;
  readonly deadline?: number;
}

/** True when the item's state shows this playback's watch was already counted. */
function alreadyCounted(meta: PlexMetadata, entry: Pick<WatchEntry, 'baselineViewCount' | 'startedAt'>): boolean {
  const viewCount = meta.viewCount ?? 0;
  if (entry.baselineViewCount !== null) return viewCount > entry.baselineViewCount;
  // No baseline means none of this playback's reports reached Plex (the baseline is read before
  // the first report), so a view after the playback started came from elsewhere: one count.
  return viewCount > 0 && meta.lastViewedAt !== undefined && meta.lastViewedAt * 1000 >= entry.startedAt;
}

/**
 * @param crossing live only: the report at the true position that lets Plex count by itself.
 */
export async function deliverWatch(
  client: PlexPort,
  entry: WatchEntry,
  crossing: { sessionId: string } | null,
  options: DeliveryOptions,
): Promise<WatchOutcome> {
  // A request that can count and got no answer may still land: until a re-read after the settle
  // time, sending anything for this watch could count it twice (in-doubt.ts).
  if (entry.inDoubtUntil !== undefined && Date.now() < entry.inDoubtUntil) throw new CountInDoubtError(entry.inDoubtUntil);
  let crossingSent = false;
  let counting = entry;
  return withRetries(
    async () => {
      if (crossing && !crossingSent) {
        // The item may have been marked unwatched elsewhere since the playback began: its count
        // then starts lower, and our crossing counts from there. No report of this session can
        // have counted yet (they stay below the threshold until now, docs/sync-rule.md rule 3).
        const before = (await client.metadata(entry.ratingKey)).viewCount ?? 0;
        if (entry.baselineViewCount !== null && before < entry.baselineViewCount) counting = { ...entry, baselineViewCount: before };
        const report = { ratingKey: entry.ratingKey, state: 'playing' as const, timeMs: entry.positionMs, durationMs: entry.durationMs, sessionId: crossing.sessionId };
        const answer = await countingRequest(() => client.timeline(report), client.timeoutMs);
        // The server ended the session (an admin, a sharing limit): no scrobble on top of that.
        if (answer.terminated) return { terminated: answer.terminated.text };
        crossingSent = true;
      }
      const meta = await client.metadata(entry.ratingKey);
      if (alreadyCounted(meta, counting)) return 'counted-by-plex';
      if (counting.baselineViewCount !== null && (meta.viewCount ?? 0) < counting.baselineViewCount) return 'unwatched-since';
      await countingRequest(() => client.scrobble(entry.ratingKey), client.timeoutMs);
      return 'scrobbled';
    },
    { retries: options.retries, ...(options.deadline !== undefined ? { deadline: options.deadline } : {}) },
  );
}

export async function deliverPosition(
  client: PlexPort,
  entry: PositionEntry,
  /** serverThreshold: the server's mark point for the item, percent (LiveSend). */
  live: { sessionId: string; serverThreshold: number } | null,
  options: DeliveryOptions,
): Promise<PositionOutcome> {
  return withRetries(
    async () => {
      let serverThreshold = live?.serverThreshold ?? 90;
      if (!live) {
        // A replay must not move a resume point another device has set since, nor give a
        // watched item its old offset back: Plex updates lastViewedAt on both.
        const meta = await client.metadata(entry.ratingKey);
        if (meta.lastViewedAt !== undefined && meta.lastViewedAt * 1000 > entry.capturedAt) return 'server-newer';
        // The server's own mark point for this item (its threshold or the credits): a replayed
        // position below it cannot count a watch the playback never reached.
        const prefs = await readWatchPrefs(client);
        serverThreshold = markPercent(serverMarkPoint(entry.durationMs, prefs, plexMarkers(meta)), entry.durationMs);
      }
      await client.timeline({
        ratingKey: entry.ratingKey,
        state: 'stopped',
        timeMs: reportablePositionMs(entry.positionMs, entry.durationMs, serverThreshold, false),
        durationMs: entry.durationMs,
        // A replay is its own short session: it cannot complete a crossing of the old one.
        sessionId: live?.sessionId ?? `${entry.playbackId}:replay`,
      });
      return 'sent';
    },
    { retries: options.retries, ...(options.deadline !== undefined ? { deadline: options.deadline } : {}) },
  );
}

/**
 * Sets the item unwatched. Nothing can count twice here: Plex sets viewCount to 0 however often
 * it is asked, so a retry or a replay after a crash needs no check first.
 */
export async function deliverUnwatch(client: PlexPort, entry: UnwatchEntry, options: DeliveryOptions): Promise<'unwatched'> {
  return withRetries(
    async () => {
      await client.unscrobble(entry.ratingKey);
      return 'unwatched' as const;
    },
    { retries: options.retries, ...(options.deadline !== undefined ? { deadline: options.deadline } : {}) },
  );
}

/** The server's watch preferences for a replay (no cache here); Plex's defaults when it will not say. */
async function readWatchPrefs(client: PlexPort): Promise<ServerWatchPrefs> {
  return watchPrefsOrDefaults(await client.watchPrefs().catch(() => null));
}

/** What Plex answered a timeline report: null, or the server ending the session, with its reason. */
export interface TimelineAnswer {
  readonly terminated: { readonly text: string | null } | null;
}

/** A progress report: best effort (not queued), so it is not retried either. */
export async function reportTimeline(client: PlexPort, report: TimelineReport): Promise<TimelineAnswer> {
  return client.timeline(report);
}

/** Stores the audio and subtitle choice of a part (`PUT /library/parts/<id>`): a preference, tried once. */
export async function storeStreamChoice(client: PlexPort, write: StreamChoiceWrite): Promise<void> {
  if (!client.selectStreams) return;
  const { partId, ...ids } = write;
  await client.selectStreams(partId, ids);
}
