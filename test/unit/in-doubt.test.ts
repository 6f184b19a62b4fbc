// A request that can count a watch and got no answer may still land: the watch is "in doubt",
// and nothing is sent for it until a re-read after the settle time (docs/sync-rule.md).
// Against a real local server (the Plex double); only Date is faked, so sockets run for real.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryOutboxStore, positionEntryId, watchEntryId, type PositionEntry, type WatchEntry } from '../../src/outbox/index.js';
import { PlexClient } from '../../src/plex/client.js';
import { PlexNetworkError } from '../../src/plex/errors.js';
import { deliverWatch } from '../../src/sync/plex-writes.js';
import { decideOnFailure, failurePatch } from '../../src/sync/failure.js';
import { CountInDoubtError, mayStillApply, SETTLE_TIMEOUTS } from '../../src/sync/in-doubt.js';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';

const TOKEN = 'in-doubt-token-1234';
const TIMEOUT_MS = 300;
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
let plex: PlexDouble;
let client: PlexClient;

beforeAll(async () => {
  plex = await startPlexDouble({ token: TOKEN });
  plex.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/m'] });
  client = new PlexClient({ serverUrl: plex.url, token: TOKEN, clientIdentifier: 'in-doubt-test-client', timeoutMs: TIMEOUT_MS });
});
afterEach(() => {
  vi.useRealTimers();
  plex.clearFaults();
  plex.clearRequests();
});
afterAll(async () => {
  await plex.stop();
});

let nextKey = 100;
/** A fresh item, so every test starts from viewCount 0. */
function freshItem(): string {
  const ratingKey = String((nextKey += 1));
  plex.addItem({ ratingKey, type: 'movie', title: `Item ${ratingKey}`, sectionKey: '1', durationMs: 60_000, partId: Number(ratingKey) * 10, file: `/m/${ratingKey}.mkv` });
  return ratingKey;
}

function watch(ratingKey: string, over: Partial<WatchEntry> = {}): WatchEntry {
  return {
    kind: 'watch',
    id: watchEntryId(`pb-${ratingKey}`),
    serverUrl: plex.url,
    ratingKey,
    title: `Item ${ratingKey}`,
    createdAt: T0,
    attempts: 0,
    nextAttemptAt: T0,
    lastError: null,
    playbackId: `pb-${ratingKey}`,
    sessionId: `pb-${ratingKey}`,
    startedAt: T0 - 60_000,
    baselineViewCount: 0,
    positionMs: 55_000,
    durationMs: 60_000,
    ...over,
  };
}

const requestsTo = (path: string) => plex.requests.filter((request) => request.path === path || request.path.startsWith(`${path}/`)).length;

describe('a scrobble without an answer', () => {
  it('is not retried at once: the watch is in doubt for six request timeouts', async () => {
    const ratingKey = freshItem();
    plex.fault({ match: '/:/scrobble', kind: 'delay', ms: TIMEOUT_MS * 2, times: 1 });
    const before = Date.now();
    const error = await deliverWatch(client, watch(ratingKey), null, { retries: 2 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CountInDoubtError);
    expect((error as CountInDoubtError).until).toBeGreaterThanOrEqual(before + SETTLE_TIMEOUTS * TIMEOUT_MS);
    expect(requestsTo('/:/scrobble')).toBe(1);
    // The server applies it late: one count, the one the client gave up on.
    await vi.waitFor(() => expect(plex.item(ratingKey).viewCount).toBe(1));
  });

  it('is queued, never retried in session, until the in-doubt time', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const decision = decideOnFailure(new CountInDoubtError(T0 + 1_800), 1, 2);
    expect(decision).toEqual({ failure: 'transient', action: 'queue', retryInMs: 1_800 });
  });
});

describe('a crossing report without an answer', () => {
  it('leaves the watch in doubt too, and nothing is scrobbled', async () => {
    const ratingKey = freshItem();
    plex.fault({ match: '/:/timeline', kind: 'timeout', times: 1 });
    const error = await deliverWatch(client, watch(ratingKey), { sessionId: 'live-session' }, { retries: 2 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CountInDoubtError);
    expect(requestsTo('/:/scrobble')).toBe(0);
    // Only the read before the crossing: none after it, which would decide on a count in flight.
    expect(requestsTo('/library/metadata')).toBe(1);
  });
});

describe('a watch in doubt', () => {
  it('sends nothing before its time, even when everything is flushed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const ratingKey = freshItem();
    const error = await deliverWatch(client, watch(ratingKey, { inDoubtUntil: T0 + 1 }), null, { retries: 2 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CountInDoubtError);
    expect(plex.requests).toHaveLength(0);
  });

  it('after its time, sees the late scrobble landed and does not scrobble again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const ratingKey = freshItem();
    plex.markWatchedElsewhere(ratingKey); // what the late scrobble did
    const outcome = await deliverWatch(client, watch(ratingKey, { inDoubtUntil: T0 }), null, { retries: 0 });
    expect(outcome).toBe('counted-by-plex');
    expect(requestsTo('/:/scrobble')).toBe(0);
    expect(plex.item(ratingKey).viewCount).toBe(1);
  });

  it('after its time, scrobbles once when the first one never landed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0 + 10_000);
    const ratingKey = freshItem();
    const outcome = await deliverWatch(client, watch(ratingKey, { inDoubtUntil: T0 }), null, { retries: 0 });
    expect(outcome).toBe('scrobbled');
    expect(plex.item(ratingKey).viewCount).toBe(1);
  });
});

describe('what may still apply', () => {
  it('counts timeouts and resets as in doubt, and refused or unresolved connections as never sent', () => {
    expect(mayStillApply(new PlexNetworkError('GET', 'http://plex.test/:/scrobble', 'TIMEOUT'))).toBe(true);
    expect(mayStillApply(new PlexNetworkError('GET', 'http://plex.test/:/scrobble', 'ECONNRESET'))).toBe(true);
    expect(mayStillApply(new PlexNetworkError('GET', 'http://plex.test/:/scrobble', 'ECONNREFUSED'))).toBe(false);
    expect(mayStillApply(new PlexNetworkError('GET', 'http://plex.test/:/scrobble', 'ENOTFOUND'))).toBe(false);
    expect(mayStillApply(new Error('anything else'))).toBe(false);
  });
});

describe('the in-doubt time in the outbox', () => {
  it('is kept on a watch entry by the failure patch, and ignored for a position', async () => {
    const outbox = new MemoryOutboxStore();
    await outbox.load();
    const ratingKey = freshItem();
    const entry = watch(ratingKey);
    const position: PositionEntry = {
      kind: 'position',
      id: positionEntryId(plex.url, ratingKey),
      serverUrl: plex.url,
      ratingKey,
      title: 'x',
      createdAt: T0,
      attempts: 0,
      nextAttemptAt: T0,
      lastError: null,
      playbackId: 'pb-pos',
      positionMs: 1_000,
      durationMs: 60_000,
      capturedAt: T0,
    };
    await outbox.put(entry);
    await outbox.put(position);
    const error = new CountInDoubtError(T0 + 60_000);
    const decision = decideOnFailure(error, 1, 0);
    await outbox.update(entry.id, failurePatch(entry, error, decision));
    await outbox.update(position.id, failurePatch(position, error, decision));
    const stored = outbox.get(entry.id);
    expect(stored?.kind === 'watch' && stored.inDoubtUntil).toBe(T0 + 60_000);
    expect(stored?.attempts).toBe(1);
    expect(outbox.get(position.id)).not.toHaveProperty('inDoubtUntil');
  });
});
