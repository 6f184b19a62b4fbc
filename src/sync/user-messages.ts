// Every sentence the user reads about a sync, in one place. Titles come from Plex; nothing here
// can hold the token (the parts are redacted by the callers' errors).
import type { OutboxDamage, OutboxEntry } from '../outbox/index.js';
import type { FailureClass } from './failure.js';

export const OSD_SHORT_MS = 3_000;

/**
 * The fix for a refused certificate, short enough for the OSD; doctor and status name the
 * config file's path, and the helper's log has the whole error.
 */
const CERTIFICATE_FIX = 'add "caFile": "/path/to/its-ca.pem" to that server in config.json (or "tlsVerify": false)';
/** What a certificate failure says when the error gave no words of its own. */
const CERTIFICATE_REFUSED = "the Plex server's certificate is not trusted here";
/** Failure messages stay long enough to read. */
export const OSD_LONG_MS = 8_000;

export const messages = {
  identified: (name: string, playsAs: string | null = null) => (playsAs ? `Plex: ${name} · as ${playsAs}` : `Plex: ${name}`),
  notPlex: (reason: string) => `Plex sync: not a Plex item we can sync (${reason})`,
  watched: (name: string) => `Plex: marked watched — ${name}`,
  /** The server's rule counts this item at its credits (LibraryVideoPlayedAtBehaviour), and so did we. */
  watchedAtCredits: (name: string) => `Plex: marked watched at the credits — ${name}`,
  /** @param detail failureDetail(error): what happened for a transient failure, the new host of a redirect, else the redacted error. */
  watchFailed: (name: string, failure: FailureClass, detail = '') => {
    switch (failure) {
      case 'auth':
        return `Plex rejected the token — watch of '${name}' kept; run 'mpv-plex-sync login'`;
      case 'gone':
        return `Plex: '${name}' is no longer on the server — watch dropped`;
      case 'invalid':
        return `Plex refused the watch of '${name}' or answered something unexpected — kept, will retry later`;
      case 'redirected':
        return `Plex server redirected to ${detail || 'another host'}, not followed so the token stays home — watch of '${name}' kept; check the server URL`;
      case 'certificate':
        return `Plex: ${detail || CERTIFICATE_REFUSED} — watch of '${name}' kept; ${CERTIFICATE_FIX}`;
      case 'transient':
        return `${detail || 'Plex unreachable'} — watch of '${name}' queued, will retry`;
    }
  },
  positionFailed: (name: string, failure: FailureClass, detail = '') => {
    switch (failure) {
      case 'auth':
        return `Plex rejected the token — position of '${name}' kept; run 'mpv-plex-sync login'`;
      case 'gone':
        return `Plex: '${name}' is no longer on the server`;
      case 'invalid':
        return `Plex answered something unexpected — position of '${name}' kept, will retry later`;
      case 'redirected':
        return `Plex server redirected to ${detail || 'another host'}, not followed so the token stays home — position of '${name}' kept; check the server URL`;
      case 'certificate':
        return `Plex: ${detail || CERTIFICATE_REFUSED} — position of '${name}' kept; ${CERTIFICATE_FIX}`;
      case 'transient':
        return `${detail || 'Plex unreachable'} — position of '${name}' queued, will retry`;
    }
  },
  resolveFailed: (failure: FailureClass, detail: string) => {
    switch (failure) {
      case 'auth':
        return "Plex rejected the token — run 'mpv-plex-sync login'";
      case 'gone':
        return `Plex sync: the item is not on the Plex server (${detail})`;
      case 'invalid':
        return `Plex sync: the Plex server answered something unexpected (${detail})`;
      case 'redirected':
        return `Plex sync: the Plex server redirected to ${detail}, not followed so the token stays home; check the server URL`;
      case 'certificate':
        return `Plex sync: ${detail || CERTIFICATE_REFUSED}; ${CERTIFICATE_FIX}`;
      case 'transient':
        return `Plex sync: ${detail || 'cannot reach Plex'}`;
    }
  },
  configProblem: (text: string) => `Plex sync: ${text}`,
  /** A request that can count got no answer in time (sync/in-doubt.ts). */
  watchInDoubt: (name: string) => `Plex did not answer in time — watch of '${name}' queued; checked again before anything is resent`,
  /** The server ended the playback's session; its own reason (terminationText) when it gave one. */
  sessionEnded: (name: string, reason: string | null) => `Plex stopped '${name}'${reason ? `: ${reason}` : ''} — not marked watched`,
  /** The helper runs without being able to write its state dir (a read-only mount, a full disk). */
  stateUnwritable: (why: string) => `Plex sync: ${why} — watches go to Plex while it answers, but nothing can be kept for later`,
  /** The outbox could not be read at all (not a damaged file, which is salvaged): nothing syncs. */
  outboxUnreadable: (why: string) => `Plex sync: the outbox cannot be read (${why}) — nothing is synced until it can be`,
  /** A playback mpv saved while no helper ran cannot be synced. */
  spoolLost: (why: string) => `Plex sync: a playback saved while no helper ran could not be synced — ${why}`,
  /** The outbox could not hold a watch or position at all, so it was not sent either. */
  notQueued: (name: string, detail: string) => `Plex sync: could not save the sync of '${name}' (${detail}) — not sent`,
  /** The outbox could not write a watch or position to disk; it is sent now, from memory. */
  notSaved: (name: string, detail: string) => `Plex sync: could not save the sync of '${name}' to disk (${detail}) — sending it now; lost if Plex does not take it`,
  /** A preference Plex did not take: told once per playback, not kept. */
  streamChoiceFailed: (name: string, detail: string) => `Plex did not take the audio/subtitle choice for ${name}: ${detail}`,
  /** The quit hold ended while Plex was still being slow; the outbox keeps what is left. */
  stillSending: (name: string) => `Plex is slow — '${name}' queued, will sync in the background`,
  /**
   * What the person hears of backlog entries that met the same cause in one go (replay-notices.ts
   * groups them): one line per cause, naming what kind of syncs they are (watches, positions,
   * marks), never one line per entry.
   */
  /** @param user the Home user the entries were played as, when a token of theirs failed */
  replayedGroup: (cause: ReplayCause, entries: readonly OutboxEntry[], detail: string, user: string | null = null): string => {
    const first = entries[0];
    const what = syncsOf(entries);
    switch (cause) {
      case 'gone':
        return entries.length === 1 && first
          ? `Plex: '${first.title}' is no longer on the server — its ${kindName(first.kind, 1)} dropped`
          : `Plex: ${entries.length} items are no longer on the server — ${what} dropped`;
      case 'no-token':
        if (user !== null) return `Plex sync: no token of ${user}'s for ${first?.serverUrl ?? 'this server'} — ${what} kept; 'mpv-plex-sync user ${user}' renews it, or drop them with 'mpv-plex-sync queue drop'`;
        return `Plex sync: no token for ${first?.serverUrl ?? 'this server'} — ${what} kept; run 'mpv-plex-sync login' for it, or drop them with 'mpv-plex-sync queue drop'`;
      case 'auth':
        if (user !== null) return `Plex rejected ${user}'s token — ${what} kept, to be sent as ${user}; 'mpv-plex-sync user ${user}' renews it`;
        return `Plex rejected the token — ${what} kept; run 'mpv-plex-sync login'`;
      case 'redirected':
        return `Plex server redirected to ${detail || 'another host'}, not followed so the token stays home — ${what} kept; check the server URL`;
      case 'certificate':
        return `Plex: ${detail || CERTIFICATE_REFUSED} — ${what} kept; ${CERTIFICATE_FIX}`;
      case 'unwatched-elsewhere':
        return entries.length === 1 && first
          ? messages.unwatchedElsewhere(first.title)
          : `Plex: ${entries.length} items were marked unwatched elsewhere since they played — their watches were dropped`;
    }
  },
  unwatchedElsewhere: (name: string) => `Plex: '${name}' was marked unwatched elsewhere since it played — this watch was dropped`,
  /** mark-watched / mark-unwatched on a playback the helper does not know as a Plex item. */
  nothingToMark: 'Not a Plex item: nothing to mark',
  markedWatched: (name: string) => `Marked watched in Plex: ${name}`,
  markedUnwatched: (name: string) => `Marked unwatched in Plex: ${name}`,
  /** mark-watched again on a playback already decided (the key pressed twice, or past the mark). */
  alreadyMarked: (name: string) => `Already marked watched in Plex: ${name}`,
  /** mark-watched on an item watched before this playback: Plex apps count nothing here either. */
  alreadyWatched: (name: string) => `Already watched in Plex: ${name} — not counted again`,
  markWatchedKept: (name: string, failure: FailureClass, detail = '') =>
    failure === 'transient' ? `Marked watched — queued: ${detail || 'Plex unreachable'}: ${name}` : messages.watchFailed(name, failure, detail),
  markUnwatchedFailed: (name: string, failure: FailureClass, detail = '') => {
    switch (failure) {
      case 'auth':
        return `Plex rejected the token — unwatched mark of '${name}' kept; run 'mpv-plex-sync login'`;
      case 'gone':
        return `Plex: '${name}' is no longer on the server — not marked unwatched`;
      case 'invalid':
        return `Plex refused to mark '${name}' unwatched or answered something unexpected — kept, will retry later`;
      case 'redirected':
        return `Plex server redirected to ${detail || 'another host'}, not followed so the token stays home — unwatched mark of '${name}' kept; check the server URL`;
      case 'certificate':
        return `Plex: ${detail || CERTIFICATE_REFUSED} — unwatched mark of '${name}' kept; ${CERTIFICATE_FIX}`;
      case 'transient':
        return `Marked unwatched — queued: ${detail || 'Plex unreachable'}: ${name}`;
    }
  },
  outboxDamaged: (damage: OutboxDamage) => {
    const kept = `the damaged file is kept at ${damage.file}`;
    // A journal line is a change (a watch queued, a try recorded, an entry removed), not an entry.
    if (damage.kind === 'journal') {
      if (damage.unreadable === null) return `Plex sync: the outbox journal could not be read; the syncs it held are not sent — ${kept}`;
      if (damage.unreadable === 0) return `Plex sync: the outbox journal was damaged — no queued change was lost; ${kept}`;
      return `Plex sync: the outbox journal was damaged — ${damage.unreadable} queued ${plural(damage.unreadable, 'change', 'changes')} could not be read (${damage.recovered} ${plural(damage.recovered, 'sync', 'syncs')} recovered); ${kept}`;
    }
    if (damage.unreadable === null) return `Plex sync: the outbox could not be read; syncs queued in it are not sent — ${kept}`;
    if (damage.unreadable === 0) return `Plex sync: the outbox was damaged — all ${damage.recovered} queued ${plural(damage.recovered, 'sync', 'syncs')} recovered; ${kept}`;
    return `Plex sync: the outbox was damaged — ${damage.unreadable} queued ${plural(damage.unreadable, 'sync', 'syncs')} could not be read (${damage.recovered} recovered); ${kept}`;
  },
};

/** Why backlog entries' results are worth telling (src/helper/replay-notices.ts). */
export type ReplayCause = 'gone' | 'no-token' | 'auth' | 'redirected' | 'certificate' | 'unwatched-elsewhere';

/** "the watch of 'Film'", "50 positions", "2 watches and 1 position". */
function syncsOf(entries: readonly OutboxEntry[]): string {
  const first = entries[0];
  if (entries.length === 1 && first) return `the ${kindName(first.kind, 1)} of '${first.title}'`;
  const counts = new Map<OutboxEntry['kind'], number>();
  for (const entry of entries) counts.set(entry.kind, (counts.get(entry.kind) ?? 0) + 1);
  const parts = [...counts].map(([kind, count]) => `${count} ${kindName(kind, count)}`);
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : (parts[0] ?? 'nothing');
}

function kindName(kind: OutboxEntry['kind'], count: number): string {
  if (kind === 'watch') return plural(count, 'watch', 'watches');
  if (kind === 'position') return plural(count, 'position', 'positions');
  return plural(count, 'unwatched mark', 'unwatched marks');
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}
