// The one sender, with the memory outbox, the memory Plex and a fake clock: what each failure
// class does to an entry, Retry-After, the backlog's order, the per-server bound, live work ahead
// of the backlog, and one delivery per entry at a time. Every test checks what Plex ended with.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryOutboxStore, type OutboxEntry, type WatchEntry } from '../../src/outbox/index.js';
import { PlexRedirectError } from '../../src/plex/errors.js';
import { SETTLE_TIMEOUTS } from '../../src/sync/in-doubt.js';
import { createCore, elapse, type Core } from '../support/core.js';
import { position, SERVER, T0, watch } from '../support/entries.js';
import { MemoryPlex, type PlexRequest } from '../support/memory-plex.js';

const AUTH_RECHECK_MS = 10 * 60_000;
const isMetadata = (request: PlexRequest): boolean => request.op === 'metadata';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** A sender over `entries`, each a watch of its own item with a baseline of 3 views. */
async function backlog(entries: WatchEntry[], plexOptions: ConstructorParameters<typeof MemoryPlex>[0] = {}, concurrencyPerServer?: number): Promise<Core> {
  const c = await createCore({
    plex: new MemoryPlex(plexOptions),
    outbox: new MemoryOutboxStore({ entries }),
    ...(concurrencyPerServer !== undefined ? { concurrencyPerServer } : {}),
  });
  for (const entry of entries) c.plex.addItem(entry.ratingKey, { durationMs: entry.durationMs, viewCount: 3 });
  return c;
}

/** Watches of items 101, 102, ... created one second apart, oldest first. */
function watches(count: number): WatchEntry[] {
  return Array.from({ length: count }, (_, index) => watch(`pb-${index + 1}`, { ratingKey: String(101 + index), createdAt: T0 - 60_000 + index * 1_000, nextAttemptAt: T0 - 60_000 }));
}

const stored = (c: Core, id = 'watch:pb-1'): OutboxEntry | undefined => c.outbox.get(id);

describe('failure classes', () => {
  it('keeps a transient failure with backoff, and delivers once it is due', async () => {
    const c = await backlog([watch('pb-1')]);
    c.plex.fault({ kind: 'http', status: 503, match: isMetadata });
    expect(await c.sender.flush()).toEqual({ delivered: 0, dropped: 0, kept: 1 });
    expect(c.results[0]?.result).toMatchObject({ kind: 'kept', failure: 'transient', inDoubt: false });
    const next = stored(c)!.nextAttemptAt;
    expect(next - T0).toBeGreaterThanOrEqual(30_000);
    expect(next - T0).toBeLessThanOrEqual(37_500);
    expect(stored(c)).toMatchObject({ attempts: 1 });
    expect(await c.sender.flush()).toEqual({ delivered: 0, dropped: 0, kept: 0 });
    expect(c.plex.requests).toHaveLength(1);
    expect(c.plex.item('101').viewCount).toBe(3);
    vi.setSystemTime(next);
    expect(await c.sender.flush()).toEqual({ delivered: 1, dropped: 0, kept: 0 });
    expect(c.plex.item('101').viewCount).toBe(4);
    expect(c.outbox.list()).toEqual([]);
  });

  it('keeps an auth failure for ten minutes', async () => {
    const c = await backlog([watch('pb-1')]);
    c.plex.fault({ kind: 'http', status: 401, match: isMetadata });
    expect(await c.sender.flush()).toEqual({ delivered: 0, dropped: 0, kept: 1 });
    expect(c.results[0]?.result).toMatchObject({ kind: 'kept', failure: 'auth' });
    expect(stored(c)!.nextAttemptAt).toBe(T0 + AUTH_RECHECK_MS);
    expect(c.plex.item('101').viewCount).toBe(3);
  });

  it('keeps an entry whose server has no token, looked at again in ten minutes', async () => {
    const c = await backlog([watch('pb-1', { serverUrl: 'http://other.test:32400' })]);
    expect(await c.sender.flush()).toEqual({ delivered: 0, dropped: 0, kept: 1 });
    expect(c.results[0]?.result).toMatchObject({ kind: 'kept', failure: 'auth', detail: 'no token for this server' });
    expect(c.outbox.get('watch:pb-1')!.nextAttemptAt).toBe(T0 + AUTH_RECHECK_MS);
    expect(c.plex.requests).toEqual([]);
    expect(c.plex.item('101').viewCount).toBe(3);
  });

  it('drops an entry whose item is gone', async () => {
    const c = await backlog([watch('pb-1')]);
    c.plex.fault({ kind: 'http', status: 404, match: isMetadata });
    expect(await c.sender.flush()).toEqual({ delivered: 0, dropped: 1, kept: 0 });
    expect(c.results[0]?.result).toMatchObject({ kind: 'dropped', failure: 'gone' });
    expect(c.outbox.list()).toEqual([]);
    expect(c.plex.item('101').viewCount).toBe(3);
  });

  it('keeps an invalid request with backoff, not hammering', async () => {
    const c = await backlog([watch('pb-1')]);
    c.plex.fault({ kind: 'http', status: 400, match: (r) => r.op === 'scrobble' });
    expect(await c.sender.flush()).toEqual({ delivered: 0, dropped: 0, kept: 1 });
    expect(c.results[0]?.result).toMatchObject({ kind: 'kept', failure: 'invalid' });
    expect(stored(c)!.nextAttemptAt - T0).toBeGreaterThanOrEqual(30_000);
    expect(c.plex.sent('scrobble')).toHaveLength(1);
    expect(c.plex.item('101').viewCount).toBe(3);
  });

  it('keeps a redirected entry for ten minutes: only the user can fix the address', async () => {
    const c = await backlog([watch('pb-1')]);
    c.plex.fault({ kind: 'throw', error: new PlexRedirectError('GET', `${SERVER}/library/metadata/101`, 302, 'elsewhere.test', 'other-origin'), match: isMetadata });
    expect(await c.sender.flush()).toEqual({ delivered: 0, dropped: 0, kept: 1 });
    expect(c.results[0]?.result).toMatchObject({ kind: 'kept', failure: 'redirected', detail: 'elsewhere.test' });
    expect(stored(c)!.nextAttemptAt).toBe(T0 + AUTH_RECHECK_MS);
    expect(c.plex.item('101').viewCount).toBe(3);
  });

  it('keeps a scrobble without an answer in doubt, and sees its count after inDoubtUntil', async () => {
    const c = await backlog([watch('pb-1')]);
    c.plex.fault({ kind: 'lost', match: (r) => r.op === 'scrobble' });
    expect(await c.sender.flush()).toEqual({ delivered: 0, dropped: 0, kept: 1 });
    const until = T0 + SETTLE_TIMEOUTS * c.plex.timeoutMs;
    expect(c.results[0]?.result).toMatchObject({ kind: 'kept', inDoubt: true });
    expect(stored(c)).toMatchObject({ inDoubtUntil: until, nextAttemptAt: until });
    expect(c.plex.item('101').viewCount).toBe(4);
    vi.setSystemTime(until - 1);
    expect(await c.sender.flush({ all: true })).toEqual({ delivered: 0, dropped: 0, kept: 1 });
    expect(c.plex.requests).toHaveLength(2);
    vi.setSystemTime(until);
    expect(await c.sender.flush()).toEqual({ delivered: 1, dropped: 0, kept: 0 });
    expect(c.results.at(-1)?.result).toEqual({ kind: 'delivered', detail: 'counted-by-plex' });
    expect(c.plex.sent('scrobble')).toHaveLength(1);
    expect(c.plex.item('101').viewCount).toBe(4);
    expect(c.outbox.list()).toEqual([]);
  });
});

describe('Retry-After', () => {
  it('pauses the server: nothing goes to it before the time, and the entry is tried again within the same flush', async () => {
    const c = await backlog(watches(2), {}, 1);
    c.plex.fault({ kind: 'http', status: 429, retryAfterSeconds: 5, match: isMetadata });
    let summary: unknown = null;
    void c.sender.flush().then((done) => (summary = done));
    await elapse(0); // the 429 is answered and handled at T0
    expect(c.plex.requests.map((r) => r.outcome)).toEqual(['http']);
    await elapse(4_999);
    expect(c.plex.requests).toHaveLength(1);
    expect(summary).toBeNull();
    await elapse(1);
    expect(summary).toEqual({ delivered: 2, dropped: 0, kept: 0 });
    expect(c.plex.requests.slice(1).every((r) => r.at >= T0 + 5_000)).toBe(true);
    expect(c.plex.item('101').viewCount).toBe(4);
    expect(c.plex.item('102').viewCount).toBe(4);
    expect(c.outbox.list()).toEqual([]);
  });

  it('closes the server for a Retry-After longer than the gate waits: the flush ends at once, and nothing more is sent before the time', async () => {
    const c = await backlog(watches(3), {}, 1);
    c.plex.fault({ kind: 'http', status: 429, retryAfterSeconds: 3_600, match: isMetadata, times: 1 });
    const summary = await c.sender.flush();
    expect(summary).toEqual({ delivered: 0, dropped: 0, kept: 3 });
    expect(c.plex.requests).toHaveLength(1);
    // The refused one is due again after the longest queue backoff (30 min), the two turned away
    // at the gate when the server opens again.
    expect(c.outbox.list().map((entry) => entry.nextAttemptAt)).toEqual([T0 + 30 * 60_000, T0 + 3_600_000, T0 + 3_600_000]);
    // The two never tried keep their attempt count; a flush meanwhile sends nothing.
    expect(c.outbox.list().map((entry) => entry.attempts)).toEqual([1, 0, 0]);
    await elapse(30 * 60_000);
    expect(await c.sender.flush({ all: true })).toEqual({ delivered: 0, dropped: 0, kept: 3 });
    expect(c.plex.requests).toHaveLength(1);
    await elapse(30 * 60_000);
    expect(await c.sender.flush()).toEqual({ delivered: 3, dropped: 0, kept: 0 });
    for (const key of ['101', '102', '103']) expect(c.plex.item(key).viewCount).toBe(4);
  });
});

describe('the backlog', () => {
  it('is sent oldest first', async () => {
    const entries = watches(4);
    const c = await backlog([entries[2]!, entries[0]!, entries[3]!, entries[1]!], {}, 1);
    expect(await c.sender.flush()).toEqual({ delivered: 4, dropped: 0, kept: 0 });
    const firstSeen = [...new Set(c.plex.requests.map((r) => r.ratingKey))];
    expect(firstSeen).toEqual(['101', '102', '103', '104']);
    for (const key of firstSeen) expect(c.plex.item(key!).viewCount).toBe(4);
  });

  it('never has more requests in flight to one server than the bound', async () => {
    const c = await backlog(watches(10), { latencyMs: 100 }, 2);
    const flushed = c.sender.flush();
    await elapse(10_000);
    expect(await flushed).toEqual({ delivered: 10, dropped: 0, kept: 0 });
    expect(c.plex.maxInFlight).toBe(2);
    for (let key = 101; key <= 110; key += 1) expect(c.plex.item(String(key)).viewCount).toBe(4);
  });

  it('lets live work go ahead of backlog entries still waiting', async () => {
    const c = await backlog(watches(4), { latencyMs: 100 }, 1);
    c.plex.addItem('201', { durationMs: 7_200_000, viewCount: 0 });
    const flushed = c.sender.flush();
    await elapse(50); // the oldest entry is under way, the others wait for the slot
    const live = watch('pb-live', { ratingKey: '201', baselineViewCount: 0, createdAt: T0 });
    const sent = c.sender.sendLive('pb-live', c.outbox.put(live), live.id, { sessionId: 'pb-live', serverThreshold: 90 });
    await elapse(10_000);
    expect(await sent).toMatchObject({ kind: 'delivered' });
    await flushed;
    const order = [...new Set(c.plex.requests.map((r) => r.ratingKey))];
    expect(order).toEqual(['101', '201', '102', '103', '104']);
    expect(c.plex.item('201').viewCount).toBe(1);
    expect(c.outbox.list()).toEqual([]);
  });
});

describe('one delivery per entry at a time', () => {
  it('delivers once when a flush and a live send of the same entry meet', async () => {
    const c = await backlog([watch('pb-1')], { latencyMs: 100 });
    const flushed = c.sender.flush();
    const live = c.sender.sendLive('pb-1', Promise.resolve(), 'watch:pb-1', { sessionId: 'session-pb-1', serverThreshold: 90 });
    await elapse(1_000);
    expect(await flushed).toEqual({ delivered: 1, dropped: 0, kept: 0 });
    expect(await live).toEqual({ kind: 'delivered', detail: 'scrobbled' });
    expect(c.plex.sent('scrobble')).toHaveLength(1);
    expect(c.plex.item('101').viewCount).toBe(4);
    expect(c.results).toHaveLength(1);
  });

  it('sends a newer position put while an older one of the same item is being delivered', async () => {
    const c = await createCore({ plex: new MemoryPlex({ latencyMs: 1_000 }), outbox: new MemoryOutboxStore({ entries: [position('102', T0)] }) });
    c.plex.addItem('102', { durationMs: 1_800_000 });
    const flushed = c.sender.flush();
    await elapse(500); // the older position's delivery is under way
    const newer = { ...position('102', T0 + 500), positionMs: 900_000 };
    const live = c.sender.sendLive('pb-new', c.outbox.put(newer), newer.id, { sessionId: 'pb-new', serverThreshold: 90 });
    await elapse(10_000);
    expect(await flushed).toEqual({ delivered: 1, dropped: 0, kept: 0 });
    expect(await live).toEqual({ kind: 'delivered', detail: 'sent' });
    expect(c.plex.sent('timeline').map((r) => r.timeMs)).toEqual([600_000, 900_000]);
    expect(c.plex.item('102').viewOffset).toBe(900_000);
    expect(c.outbox.list()).toEqual([]);
  });

  it('lets a drop wait for the delivery under way', async () => {
    const c = await backlog([watch('pb-1')], { latencyMs: 1_000 });
    const flushed = c.sender.flush();
    let dropped: boolean | null = null;
    void c.sender.drop('watch:pb-1').then((result) => (dropped = result));
    await elapse(1_500); // the re-read answered, the scrobble under way
    expect(dropped).toBeNull();
    expect(c.outbox.get('watch:pb-1')).toBeDefined();
    await elapse(1_000);
    await flushed;
    expect(dropped).toBe(false); // the delivery removed it
    expect(c.plex.item('101').viewCount).toBe(4);
    expect(c.outbox.list()).toEqual([]);
  });

  it('drops an entry kept after the delivery it waited for', async () => {
    const c = await backlog([watch('pb-1')], { latencyMs: 1_000 });
    c.plex.fault({ kind: 'http', status: 503, match: isMetadata });
    const flushed = c.sender.flush();
    let dropped: boolean | null = null;
    void c.sender.drop('watch:pb-1').then((result) => (dropped = result));
    await elapse(500);
    expect(dropped).toBeNull();
    await elapse(1_000);
    expect(await flushed).toEqual({ delivered: 0, dropped: 0, kept: 1 });
    expect(dropped).toBe(true);
    expect(c.outbox.list()).toEqual([]);
    expect(c.plex.item('101').viewCount).toBe(3);
  });
});
