// What the person hears of the backlog's results (the live playback's own mpv hears of its syncs
// from the engine): results of one cause that come together, a catch-up after a start with 50
// positions queued for a server with no token, make one line, not fifty.
import type { OutboxEntry } from '../outbox/index.js';
import { needsPerson } from '../sync/failure.js';
import { NO_TOKEN_DETAIL, type SendResult } from '../sync/sender.js';
import { messages, type ReplayCause } from '../sync/user-messages.js';

/** Results this close together are told as one. */
const QUIET_MS = 500;

interface Group {
  readonly cause: ReplayCause;
  readonly detail: string;
  /** The Home user whose token failed, when the config names several. */
  readonly user: string | null;
  readonly entries: OutboxEntry[];
}

export class ReplayNotices {
  readonly #tell: (text: string) => void;
  readonly #quietMs: number;
  /** By cause and detail (a redirect names its host). */
  readonly #groups = new Map<string, Group>();
  #timer: NodeJS.Timeout | null = null;

  /** The name of a Home user an entry was played as, to say whose token failed; null: unnamed. */
  readonly #userName: (uuid: string) => string | null;

  constructor(tell: (text: string) => void, options: { readonly quietMs?: number; readonly userName?: (uuid: string) => string | null } = {}) {
    this.#tell = tell;
    this.#quietMs = options.quietMs ?? QUIET_MS;
    this.#userName = options.userName ?? (() => null);
  }

  add(entry: OutboxEntry, result: SendResult): void {
    const cause = replayCause(entry, result);
    if (cause === null) return;
    const detail = cause === 'redirected' || cause === 'no-token' || cause === 'certificate' ? `${result.detail}\n${entry.serverUrl}` : '';
    // A token belongs to a user: whose failed is part of what to tell, and of the fix.
    const user = (cause === 'auth' || cause === 'no-token') && entry.user !== undefined ? this.#userName(entry.user) : null;
    const key = `${cause}\n${detail}\n${user ?? ''}`;
    const group = this.#groups.get(key) ?? { cause, detail: result.detail, user, entries: [] };
    group.entries.push(entry);
    this.#groups.set(key, group);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.flush(), this.#quietMs);
    this.#timer.unref();
  }

  /** Tells what is gathered now: one line per cause. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const groups = [...this.#groups.values()];
    this.#groups.clear();
    for (const group of groups) this.#tell(messages.replayedGroup(group.cause, group.entries, group.detail, group.user));
  }
}

/** Why a backlog entry's result is worth telling; null when it is not. */
function replayCause(entry: OutboxEntry, result: SendResult): ReplayCause | null {
  if (result.kind === 'dropped' && result.failure === 'gone') return 'gone';
  // Said on the first failure only: the entry is looked at again every 10 minutes.
  if (result.kind === 'kept' && needsPerson(result.failure) && entry.attempts === 0) {
    if (result.failure === 'auth') return result.detail === NO_TOKEN_DETAIL ? 'no-token' : 'auth';
    return result.failure === 'certificate' ? 'certificate' : 'redirected';
  }
  if (result.kind === 'dropped' && result.failure === 'superseded' && entry.kind === 'watch') return 'unwatched-elsewhere';
  return null;
}
