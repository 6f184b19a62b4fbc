// The sync engine with the sender, the memory outbox, the memory Plex (Plex's own watched rule)
// and a fake clock: each step of docs/sync-rule.md, positions, the quit deadline and many
// playbacks at once. Every test checks what Plex ended with, not only what was sent.
import { describe, expect, it, vi } from 'vitest';
import { MemoryOutboxStore, positionEntryId, type WatchEntry } from '../../src/outbox/index.js';
import { SETTLE_TIMEOUTS } from '../../src/sync/in-doubt.js';
import { createCore, elapse, Playback, reportAtMark, reportBelowMark, useFakeClock, type Core } from '../support/core.js';
import { position, SERVER, T0, watch } from '../support/entries.js';
import { MemoryPlex } from '../support/memory-plex.js';

const D = 600_000; // every item is ten minutes long
/** Where reports are capped while the watch is pending: 90 % − 1 s. */
const CAP = 0.9 * D - 1_000;
const below = reportBelowMark(D);
const crossing = reportAtMark(D);

useFakeClock();

async function core(options: Parameters<typeof createCore>[0] = {}, items: Record<string, number> = { '1': 0 }): Promise<Core> {
  const made = await createCore(options);
  for (const [ratingKey, viewCount] of Object.entries(items)) made.plex.addItem(ratingKey, { viewCount, durationMs: D });
  return made;
}

/** Plays on, ten seconds of clock between reports, through the given percents. */
async function playThrough(playback: Playback, percents: number[]): Promise<void> {
  for (const percent of percents) {
    await elapse(10_000);
    playback.playTo(percent);
  }
  await elapse(0);
}

/** Starts a playback of `ratingKey` and plays it through `percents` (see playThrough). */
async function startPlaying(c: Core, percents: number[], id = 'pb-1', ratingKey = '1'): Promise<Playback> {
  const playback = new Playback(c, id, ratingKey);
  await playback.start();
  await playThrough(playback, percents);
  return playback;
}

/** Starts a playback and plays it past the mark; resolves when its lane is idle. */
async function watchToTheEnd(c: Core, id: string, ratingKey = '1', percents = [30, 60, 85, 91]): Promise<Playback> {
  const playback = await startPlaying(c, percents, id, ratingKey);
  await c.sender.laneDone(id);
  return playback;
}

describe('rule 1: one session per playback', () => {
  it('sends every report of a playback, and its crossing, in the session named by its playback id', async () => {
    const c = await core();
    await watchToTheEnd(c, 'pb-1');
    const reports = c.plex.sent('timeline');
    expect(reports.length).toBeGreaterThanOrEqual(4);
    expect(reports.every((report) => report.sessionId === 'pb-1')).toBe(true);
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.plex.item('1').counts).toEqual([{ via: 'timeline', sessionId: 'pb-1' }]);
  });

  it('queues a playback as watched at most once, however often it passes the mark', async () => {
    const c = await core();
    const playback = await watchToTheEnd(c, 'pb-1');
    await playThrough(playback, [93, 96, 99]);
    playback.seekTo(50);
    await playThrough(playback, [92]);
    await playback.end();
    expect(c.results.filter((r) => r.entry.kind === 'watch')).toHaveLength(1);
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.plex.sent('scrobble')).toHaveLength(0);
    expect(c.outbox.list()).toEqual([]);
  });

  it('counts two playbacks of one item as two sessions, once each', async () => {
    const c = await core();
    await (await watchToTheEnd(c, 'pb-a')).end();
    await (await watchToTheEnd(c, 'pb-b')).end();
    expect(c.plex.item('1').counts).toEqual([
      { via: 'timeline', sessionId: 'pb-a' },
      { via: 'timeline', sessionId: 'pb-b' },
    ]);
  });
});

describe('rule 2: baseline first', () => {
  it('reads the item before its first report, hands the baseline to the player and stores it in the watch', async () => {
    const c = await core({}, { '1': 3 });
    const baselines: (number | null)[] = [];
    c.plex.onRequest = (request) => {
      const entry = c.outbox.get('watch:pb-1');
      if (crossing(request) && entry?.kind === 'watch') baselines.push(entry.baselineViewCount);
    };
    await watchToTheEnd(c, 'pb-1');
    expect(c.plex.requests[0]?.op).toBe('metadata');
    expect(c.plex.requests.findIndex((r) => r.op === 'timeline')).toBeGreaterThan(0);
    expect(c.player.items).toEqual([{ playbackId: 'pb-1', item: { status: 'plex', thresholdPercent: 90, baselineViewCount: 3 } }]);
    expect(baselines).toEqual([3]);
    expect(c.plex.item('1').viewCount).toBe(4);
  });

  it('keeps a baseline handed back by the script, so a count before a helper restart is seen and not repeated', async () => {
    const c = await core({}, { '1': 3 });
    // The first helper's session crossed (Plex counted: 4), and it died before its re-read.
    await c.plex.timeline({ ratingKey: '1', state: 'playing', timeMs: 0.8 * D, durationMs: D, sessionId: 'pb-1' });
    await c.plex.timeline({ ratingKey: '1', state: 'playing', timeMs: 0.91 * D, durationMs: D, sessionId: 'pb-1' });
    expect(c.plex.item('1').viewCount).toBe(4);
    const playback = new Playback(c, 'pb-1', '1');
    playback.positionMs = 0.91 * D;
    await playback.start(3);
    await playThrough(playback, [93, 96]);
    await c.sender.laneDone('pb-1');
    expect(c.player.items[0]?.item.baselineViewCount).toBe(3);
    expect(c.results.map((r) => r.result)).toEqual([{ kind: 'delivered', detail: 'counted-by-plex' }]);
    expect(c.plex.sent('scrobble')).toHaveLength(0);
    expect(c.plex.item('1').viewCount).toBe(4);
  });
});

describe('rule 3: reports stay below the server threshold until the watch is decided', () => {
  it('caps every report while the watch is pending', async () => {
    const c = await core({ config: { threshold: 95 } });
    const playback = await startPlaying(c, [50, 89, 92, 94]);
    playback.pause();
    await c.sender.laneDone('pb-1');
    const reports = c.plex.sent('timeline');
    expect(reports.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...reports.map((r) => r.timeMs ?? 0))).toBe(CAP);
    expect(c.plex.item('1').viewCount).toBe(0);
    expect(c.plex.item('1').viewOffset).toBe(CAP);
  });

  it('does not let a seek straight to the credits make Plex count', async () => {
    const c = await core();
    const playback = new Playback(c, 'pb-1', '1');
    await playback.start();
    await playThrough(playback, [4]); // 24 s played: less than the 30 s needed
    playback.seekTo(97);
    await elapse(0);
    expect(await playback.end()).toEqual({ delivered: true });
    expect(c.plex.sent('timeline').every((r) => (r.timeMs ?? 0) <= CAP)).toBe(true);
    expect(c.plex.sent('scrobble')).toHaveLength(0);
    expect(c.plex.item('1').viewCount).toBe(0);
    expect(c.plex.item('1').viewOffset).toBe(CAP);
  });

  it('does not let a user threshold above the server one make Plex count early', async () => {
    const c = await core({ config: { threshold: 95 } });
    const playback = await startPlaying(c, [50, 92, 94]);
    await c.sender.laneDone('pb-1');
    expect(c.plex.item('1').viewCount).toBe(0);
    await playThrough(playback, [96]);
    await c.sender.laneDone('pb-1');
    expect(c.plex.item('1').viewCount).toBe(1);
  });
});

describe('rule 4: the mark', () => {
  it('writes the watch to the outbox before any request of it', async () => {
    const c = await core();
    const playback = await startPlaying(c, [40, 85]);
    const queuedAtRequest: boolean[] = [];
    c.plex.onRequest = () => queuedAtRequest.push(c.outbox.get(playback.watchId) !== undefined);
    playback.playTo(91);
    expect(c.outbox.get(playback.watchId)).toMatchObject({ kind: 'watch', positionMs: 0.91 * D, baselineViewCount: 0 });
    await c.sender.laneDone('pb-1');
    expect(queuedAtRequest.length).toBeGreaterThanOrEqual(3);
    expect(queuedAtRequest.every(Boolean)).toBe(true);
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.outbox.list()).toEqual([]);
  });

  it('sends the crossing report at the true position in the session, so Plex counts by itself', async () => {
    const c = await core();
    await watchToTheEnd(c, 'pb-1');
    expect(c.plex.requests.filter(crossing).map((r) => [r.timeMs, r.sessionId, r.state])).toEqual([[0.91 * D, 'pb-1', 'playing']]);
    expect(c.plex.item('1').counts).toEqual([{ via: 'timeline', sessionId: 'pb-1' }]);
  });

  it('re-reads the item after the crossing and does not scrobble when Plex counted', async () => {
    const c = await core();
    const playback = await startPlaying(c, [40, 85]);
    const from = c.plex.requests.length;
    playback.playTo(91);
    await c.sender.laneDone('pb-1');
    expect(c.plex.requests.slice(from).map((r) => r.op)).toEqual(['metadata', 'timeline', 'metadata']);
    expect(c.results.map((r) => r.result)).toEqual([{ kind: 'delivered', detail: 'counted-by-plex' }]);
    expect(c.plex.item('1').viewCount).toBe(1);
  });

  it('scrobbles once when Plex did not count the crossing', async () => {
    const c = await core();
    // No report below the threshold reaches Plex: the crossing alone counts nothing.
    c.plex.fault({ kind: 'http', status: 503, match: below, times: Infinity });
    await watchToTheEnd(c, 'pb-1');
    expect(c.plex.sent('scrobble')).toHaveLength(1);
    expect(c.plex.item('1').counts).toEqual([{ via: 'scrobble', sessionId: null }]);
    expect(c.outbox.list()).toEqual([]);
  });

  it('retries crossing, re-read and scrobble as one unit, re-reading before it decides', async () => {
    const c = await core();
    c.plex.fault({ kind: 'http', status: 503, match: below, times: Infinity });
    c.plex.fault({ kind: 'http', status: 503, match: (r) => r.op === 'scrobble' });
    const playback = await startPlaying(c, [40, 85]);
    const from = c.plex.requests.length;
    playback.playTo(91);
    await c.sender.laneDone('pb-1');
    expect(c.plex.requests.slice(from).map((r) => r.op)).toEqual(['metadata', 'timeline', 'metadata', 'scrobble', 'metadata', 'scrobble']);
    expect(c.plex.item('1').viewCount).toBe(1);
  });
});

describe('rule 5: a count in doubt', () => {
  it('queues the watch in doubt when the crossing gets no answer, sends nothing before inDoubtUntil, then sees the late count', async () => {
    const c = await core();
    c.plex.fault({ kind: 'lost', match: crossing });
    const playback = await watchToTheEnd(c, 'pb-1');
    const markedAt = Date.now();
    expect(c.results.map((r) => r.result)).toMatchObject([{ kind: 'kept', inDoubt: true }]);
    expect(c.outbox.get(playback.watchId)).toMatchObject({ inDoubtUntil: markedAt + SETTLE_TIMEOUTS * c.plex.timeoutMs });
    expect(c.player.osd.some((line) => line.includes('did not answer in time'))).toBe(true);
    await playback.end();
    const before = c.plex.requests.length;
    await elapse(SETTLE_TIMEOUTS * c.plex.timeoutMs - 1);
    expect(await c.sender.flush({ all: true })).toEqual({ delivered: 0, dropped: 0, kept: 1 });
    expect(c.plex.requests.slice(before).filter((r) => r.ratingKey === '1')).toEqual([]);
    await elapse(1);
    expect(await c.sender.flush()).toEqual({ delivered: 1, dropped: 0, kept: 0 });
    expect(c.plex.requests.slice(before).map((r) => r.op)).toEqual(['metadata']);
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.outbox.list()).toEqual([]);
  });

  it('scrobbles after the in-doubt time when the unanswered request never landed', async () => {
    const c = await core();
    c.plex.fault({ kind: 'network', code: 'TIMEOUT', match: crossing });
    await watchToTheEnd(c, 'pb-1');
    expect(c.plex.item('1').viewCount).toBe(0);
    expect(c.plex.sent('scrobble')).toHaveLength(0);
    await elapse(SETTLE_TIMEOUTS * c.plex.timeoutMs);
    expect(await c.sender.flush()).toEqual({ delivered: 1, dropped: 0, kept: 0 });
    expect(c.plex.item('1').counts).toEqual([{ via: 'scrobble', sessionId: null }]);
  });

  it('counts once when Plex applies an unanswered scrobble late, within the settle time', async () => {
    const c = await core();
    c.plex.fault({ kind: 'http', status: 503, match: below, times: Infinity });
    c.plex.fault({ kind: 'late', afterMs: 4 * c.plex.timeoutMs, match: (r) => r.op === 'scrobble' });
    const playback = await watchToTheEnd(c, 'pb-1');
    expect(c.plex.item('1').viewCount).toBe(0);
    await playback.end();
    await elapse(SETTLE_TIMEOUTS * c.plex.timeoutMs);
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(await c.sender.flush()).toEqual({ delivered: 1, dropped: 0, kept: 0 });
    expect(c.plex.sent('scrobble')).toHaveLength(1);
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.outbox.list()).toEqual([]);
  });

  it('retries a refused connection at once: it proves the request never left', async () => {
    const c = await core();
    c.plex.fault({ kind: 'network', code: 'ECONNREFUSED', match: crossing });
    const playback = await watchToTheEnd(c, 'pb-1');
    expect(c.plex.requests.filter(crossing)).toHaveLength(2);
    expect(c.results.map((r) => r.result)).toEqual([{ kind: 'delivered', detail: 'counted-by-plex' }]);
    expect(c.outbox.get(playback.watchId)).toBeUndefined();
    expect(c.plex.item('1').viewCount).toBe(1);
  });
});

describe('rule 6: after the mark', () => {
  it('reports on a new session after its own scrobble, so the rest of the playback cannot count again', async () => {
    // The server's threshold went up to 95 after the helper read 90: the crossing at 91 % is a
    // report below it in session pb-1, and a later one at 97 % in that session would count again.
    const c = await core({ plex: new MemoryPlex({ playedThreshold: 95 }), serverThreshold: 90 });
    c.plex.addItem('1', { durationMs: D });
    const playback = await watchToTheEnd(c, 'pb-1');
    expect(c.plex.item('1').counts).toEqual([{ via: 'scrobble', sessionId: null }]);
    await playThrough(playback, [97]);
    await playback.end();
    const after = c.plex.sent('timeline').filter((r) => (r.timeMs ?? 0) >= 0.97 * D);
    expect(after.length).toBeGreaterThanOrEqual(1);
    expect(after.every((r) => r.sessionId === 'pb-1:after')).toBe(true);
    expect(c.plex.item('1').viewCount).toBe(1);
  });

  it('sends no report below the server threshold once decided: a watched item gets no resume point back', async () => {
    const c = await core();
    const playback = await watchToTheEnd(c, 'pb-1');
    const from = c.plex.requests.length;
    playback.seekTo(50);
    await playThrough(playback, [60]);
    expect(await playback.end()).toEqual({ delivered: true });
    expect(c.plex.requests.slice(from).filter(below)).toEqual([]);
    expect(c.outbox.get(positionEntryId(SERVER, '1'))).toBeUndefined();
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.plex.item('1').viewOffset).toBeUndefined();
  });
});

describe('rule 7: replays', () => {
  async function replay(entries: WatchEntry[], viewCount: number, lastViewedAt?: number): Promise<Core> {
    const c = await createCore({ outbox: new MemoryOutboxStore({ entries }) });
    c.plex.addItem('101', { durationMs: 7_200_000, viewCount, ...(lastViewedAt !== undefined ? { lastViewedAt } : {}) });
    await c.sender.flush();
    return c;
  }

  it('skips the crossing report, re-reads and scrobbles when Plex has not counted', async () => {
    const c = await replay([watch('pb-1')], 3);
    expect(c.plex.requests.map((r) => r.op)).toEqual(['metadata', 'scrobble']);
    expect(c.plex.item('101').viewCount).toBe(4);
    expect(c.outbox.list()).toEqual([]);
  });

  it('does not scrobble when Plex has counted since the baseline', async () => {
    const c = await replay([watch('pb-1')], 4);
    expect(c.plex.sent('scrobble')).toEqual([]);
    expect(c.plex.item('101').viewCount).toBe(4);
    expect(c.outbox.list()).toEqual([]);
  });

  it('takes a view after the playback began as counted when there is no baseline', async () => {
    const c = await replay([watch('pb-1', { baselineViewCount: null })], 1, Math.floor((T0 - 60_000) / 1000));
    expect(c.plex.sent('scrobble')).toEqual([]);
    expect(c.plex.item('101').viewCount).toBe(1);
    expect(c.outbox.list()).toEqual([]);
  });

  it('scrobbles without a baseline when the last view is older than the playback', async () => {
    const c = await replay([watch('pb-1', { baselineViewCount: null })], 1, Math.floor((T0 - 30 * 86_400_000) / 1000));
    expect(c.plex.item('101').viewCount).toBe(2);
    expect(c.outbox.list()).toEqual([]);
  });

  it('drops the watch when the item was marked unwatched since', async () => {
    const c = await replay([watch('pb-1')], 0);
    expect(c.results.map((r) => r.result)).toEqual([{ kind: 'dropped', failure: 'superseded', detail: 'marked unwatched since' }]);
    expect(c.plex.sent('scrobble')).toEqual([]);
    expect(c.plex.item('101').viewCount).toBe(0);
    expect(c.outbox.list()).toEqual([]);
  });
});

describe('positions', () => {
  it('sends the final position at the end of a playback as a stopped report', async () => {
    const c = await core();
    const playback = await startPlaying(c, [20, 40]);
    playback.seekTo(43); // not yet reported when the file ends
    expect(await playback.end()).toEqual({ delivered: true });
    expect(c.plex.sent('timeline').at(-1)).toMatchObject({ state: 'stopped', timeMs: 0.43 * D, sessionId: 'pb-1' });
    expect(c.plex.item('1').viewOffset).toBe(0.43 * D);
    expect(c.plex.item('1').viewCount).toBe(0);
    expect(c.outbox.list()).toEqual([]);
  });

  it('lets a newer position replace a queued older one of the same item', async () => {
    const c = await core();
    c.plex.fault({ kind: 'http', status: 503, match: (r) => r.op === 'timeline', times: Infinity });
    const first = new Playback(c, 'pb-1', '1');
    await first.start();
    await playThrough(first, [30]);
    expect(await first.end()).toEqual({ delivered: false });
    await elapse(60_000);
    const second = new Playback(c, 'pb-2', '1');
    await second.start();
    await playThrough(second, [20, 50]);
    expect(await second.end()).toEqual({ delivered: false });
    expect(c.outbox.list()).toHaveLength(1);
    expect(c.outbox.list()[0]).toMatchObject({ kind: 'position', playbackId: 'pb-2', positionMs: 0.5 * D });
    c.plex.clearFaults();
    await elapse(60 * 60_000);
    expect(await c.sender.flush()).toEqual({ delivered: 1, dropped: 0, kept: 0 });
    expect(c.plex.sent('timeline').filter((r) => r.state === 'stopped' && r.outcome === 'ok').map((r) => r.timeMs)).toEqual([0.5 * D]);
    expect(c.plex.item('1').viewOffset).toBe(0.5 * D);
  });

  it('does not let a replay overwrite a newer position from another device', async () => {
    const c = await createCore({ outbox: new MemoryOutboxStore({ entries: [position('102', T0)] }) });
    c.plex.addItem('102', { durationMs: 1_800_000 });
    vi.setSystemTime(T0 + 5_000);
    c.plex.positionElsewhere('102', 900_000);
    expect(await c.sender.flush()).toEqual({ delivered: 0, dropped: 1, kept: 0 });
    expect(c.plex.sent('timeline')).toEqual([]);
    expect(c.plex.item('102').viewOffset).toBe(900_000);
    expect(c.outbox.list()).toEqual([]);
  });
});

describe('the quit deadline', () => {
  it('answers by the deadline against a slow Plex, and the work finishes later, counted once', async () => {
    const c = await core({ plex: new MemoryPlex({ latencyMs: 5_000, timeoutMs: 10_000 }) });
    c.plex.addItem('1', { durationMs: D });
    const playback = new Playback(c, 'pb-1', '1');
    const started = playback.start();
    await elapse(5_000);
    await started;
    await playThrough(playback, [40, 85]);
    await elapse(20_000);
    playback.playTo(91);
    const quitAt = Date.now();
    let outcome: unknown = null;
    void playback.end(quitAt + 1_000).then((answer) => (outcome = { answer, at: Date.now() }));
    await elapse(1_000);
    expect(outcome).toEqual({ answer: { delivered: false }, at: quitAt + 1_000 });
    expect(c.player.osd.some((line) => line.includes('will sync in the background'))).toBe(true);
    expect(c.plex.item('1').viewCount).toBe(0);
    await elapse(60_000);
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.plex.sent('scrobble')).toEqual([]);
    expect(c.outbox.list()).toEqual([]);
    expect(c.engine.activePlaybacks).toBe(0);
  });
});

describe('eight playbacks at once', () => {
  it('counts every watch once, on one engine and one sender, never above the concurrency bound', async () => {
    const keys = ['1', '2', '3', '4', '5', '6', '7', '8'];
    const c = await createCore({ plex: new MemoryPlex({ latencyMs: 300 }), concurrencyPerServer: 3 });
    for (const key of keys) c.plex.addItem(key, { durationMs: D, viewCount: Number(key) });
    const playbacks = keys.map((key) => new Playback(c, `pb-${key}`, key));
    const started = Promise.all(playbacks.map((playback) => playback.start()));
    await elapse(5_000);
    await started;
    // The item lookups above go past the sender (the resolver asks Plex itself): count from here.
    c.plex.maxInFlight = 0;
    for (const percent of [20, 45, 70, 88, 92, 97]) {
      await elapse(10_000);
      for (const playback of playbacks) playback.playTo(percent);
    }
    const quitBy = Date.now() + 120_000;
    const ended = Promise.all(playbacks.map((playback) => playback.end(quitBy)));
    await elapse(120_000);
    expect(await ended).toEqual(keys.map(() => ({ delivered: true })));
    for (const key of keys) expect(c.plex.item(key).viewCount, `item ${key}`).toBe(Number(key) + 1);
    expect(c.plex.maxInFlight).toBe(3);
    expect(c.outbox.list()).toEqual([]);
  });
});

describe('settled', () => {
  it('is announced only when nothing of the playback is in flight or queued', async () => {
    const c = await core({ plex: new MemoryPlex({ latencyMs: 1_000 }) });
    c.plex.addItem('1', { durationMs: D });
    const seen: { inFlight: number; watchQueued: boolean }[] = [];
    c.player.onSettled = () => seen.push({ inFlight: c.plex.inFlight, watchQueued: c.outbox.get('watch:pb-1') !== undefined });
    const playback = new Playback(c, 'pb-1', '1');
    const started = playback.start();
    await elapse(1_000);
    await started;
    await playThrough(playback, [30, 60]);
    await elapse(5_000);
    playback.playTo(91);
    await elapse(500);
    expect(c.player.settledCalls.filter((call) => call.settled.positionMs === null)).toEqual([]);
    await elapse(30_000);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((s) => s.inFlight === 0 && !s.watchQueued)).toBe(true);
    expect(c.player.settledCalls.at(-1)?.settled).toMatchObject({ positionMs: null });
    expect(c.plex.item('1').viewCount).toBe(1);
  });
});

describe('the server ends the session (terminationCode)', () => {
  it('stops the playback with the server\'s reason, and nothing of it is reported or counted after', async () => {
    const c = await core();
    const playback = await startPlaying(c, [30]);
    c.plex.terminateSessions('1', 'Stream stopped by the owner');
    await playThrough(playback, [50]);
    expect(c.player.ended).toEqual([{ playbackId: 'pb-1', text: "Plex stopped 'Film 1': Stream stopped by the owner — not marked watched" }]);
    const reportsAtEnd = c.plex.requests.length;
    await playThrough(playback, [85, 95]);
    await playback.end();
    await c.sender.laneDone('pb-1');
    expect(c.plex.requests.length).toBe(reportsAtEnd);
    expect(c.player.ended).toHaveLength(1);
    expect(c.plex.item('1').viewCount).toBe(0);
    expect(c.outbox.list()).toEqual([]);
  });

  it('does not scrobble when the server ends the session in answer to the crossing report', async () => {
    const c = await core();
    const playback = await startPlaying(c, [40, 85]);
    c.plex.terminateSessions('1', 'Limit reached');
    playback.playTo(91);
    await c.sender.laneDone('pb-1');
    expect(c.plex.requests.filter((r) => r.op === 'scrobble')).toEqual([]);
    expect(c.player.ended.map((e) => e.playbackId)).toEqual(['pb-1']);
    expect(c.plex.item('1').viewCount).toBe(0);
    expect(c.outbox.list()).toEqual([]);
  });
});

describe('short plays leave the resume point alone', () => {
  /** An item with Plex's resume point at `savedPercent`, and a playback started there (a resume) or at `startPercent`. */
  async function resumed(savedPercent: number, startPercent = savedPercent): Promise<{ c: Core; playback: Playback }> {
    const c = await createCore();
    c.plex.addItem('1', { durationMs: D, viewOffset: (D * savedPercent) / 100 });
    const playback = new Playback(c, 'pb-1', '1');
    playback.positionMs = (D * startPercent) / 100;
    await playback.start();
    return { c, playback };
  }

  it('reports a resumed start at the saved position first, and a stop after 3 s played leaves that position', async () => {
    const { c, playback } = await resumed(50);
    await elapse(3_000);
    playback.playTo(50.5); // 3 s played
    await elapse(0);
    await playback.end();
    const reports = c.plex.sent('timeline');
    expect(reports.map((r) => [r.state, r.timeMs])).toEqual([
      ['playing', 0.5 * D],
      ['stopped', 0.5 * D],
    ]);
    expect(c.plex.item('1').viewOffset).toBe(0.5 * D);
    expect(c.results.filter((r) => r.entry.kind === 'position')).toEqual([]);
    expect(c.outbox.list()).toEqual([]);
  });

  it('keeps a report below the mark even when Plex holds an absurd resume point past the end, so a short play cannot count', async () => {
    const c = await createCore();
    c.plex.addItem('1', { durationMs: D, viewOffset: 2e12 });
    const playback = new Playback(c, 'pb-1', '1');
    await playback.start();
    await elapse(3_000);
    playback.playTo(0.5);
    await elapse(0);
    await playback.end();
    expect(c.plex.sent('timeline').length).toBeGreaterThan(0);
    expect(c.plex.sent('timeline').every((report) => (report.timeMs ?? 0) <= CAP)).toBe(true);
    expect(c.plex.item('1').viewCount).toBe(0);
  });

  it('sends nothing that moves the saved position for a seek and a stop within the first seconds', async () => {
    const { c, playback } = await resumed(50);
    await elapse(2_000);
    playback.playTo(50.3); // 1.8 s played
    playback.seekTo(80);
    await elapse(1_000);
    playback.pause();
    await elapse(0);
    await playback.end();
    expect(c.plex.sent('timeline').every((r) => r.timeMs === 0.5 * D)).toBe(true);
    expect(c.plex.item('1').viewOffset).toBe(0.5 * D);
    expect(c.outbox.list()).toEqual([]);
  });

  it('reports only the saved position for a short replay from the start (resume=no)', async () => {
    const { c, playback } = await resumed(50, 0);
    await elapse(5_000);
    playback.playTo(1); // 6 s played
    playback.pause();
    await elapse(0);
    await playback.end();
    expect(c.plex.sent('timeline').map((r) => [r.state, r.timeMs])).toEqual([
      ['playing', 0.5 * D],
      ['paused', 0.5 * D],
      ['stopped', 0.5 * D],
    ]);
    expect(c.plex.item('1').viewOffset).toBe(0.5 * D);
  });

  it('gives a watched item no resume point for a short play', async () => {
    const c = await core({}, { '1': 2 });
    const playback = await startPlaying(c, [1]); // 6 s played
    await playback.end();
    expect(c.plex.sent('timeline').every((r) => r.timeMs === 0)).toBe(true);
    expect(c.plex.item('1').viewOffset).toBeUndefined();
    expect(c.outbox.list()).toEqual([]);
  });

  it('keeps the position of a short play of an unwatched item with no resume point, which had nothing to lose', async () => {
    const c = await core();
    const playback = await startPlaying(c, [1]); // 6 s played
    await playback.end();
    expect(c.plex.item('1').viewOffset).toBe(0.01 * D);
  });

  it('reports the true position again once 10 s are played, and its end moves the resume point', async () => {
    const { c, playback } = await resumed(50);
    await playThrough(playback, [51, 52]); // 6 s, then 12 s played
    await playback.end();
    expect(c.plex.sent('timeline').map((r) => r.timeMs)).toEqual([0.5 * D, 0.5 * D, 0.52 * D, 0.52 * D]);
    expect(c.plex.item('1').viewOffset).toBe(0.52 * D);
  });

  it('still counts a resumed playback once by its crossing, its early reports pinned to the saved position', async () => {
    const { c, playback } = await resumed(85);
    await playThrough(playback, [86, 88, 91]); // 6 s, 18 s, 36 s played
    await c.sender.laneDone('pb-1');
    await playback.end();
    expect(c.plex.sent('timeline').filter((r) => r.timeMs === 0.86 * D)).toEqual([]);
    expect(c.plex.item('1').counts).toEqual([{ via: 'timeline', sessionId: 'pb-1' }]);
    expect(c.plex.sent('scrobble')).toHaveLength(0);
    expect(c.plex.item('1').viewOffset).toBeUndefined();
  });

  it('counts a short item watched once even when its mark comes before 10 s are played', async () => {
    const c = await createCore();
    c.plex.addItem('1', { durationMs: 20_000, viewOffset: 15_000 });
    const playback = new Playback(c, 'pb-1', '1');
    playback.positionMs = 15_000;
    await playback.start();
    await elapse(4_000);
    playback.playTo(95); // 4 s played, past the mark (at least 5 % of 20 s played)
    await c.sender.laneDone('pb-1');
    await playback.end();
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.plex.item('1').counts).toHaveLength(1);
    expect(c.plex.item('1').viewOffset).toBeUndefined();
  });
});

describe('a lookup that outlasts the quit (issue 18, point 1)', () => {
  it('is given up at the deadline, the playback kept in the spool, and its late answer sends nothing', async () => {
    const c = await createCore({ plex: new MemoryPlex({ latencyMs: 60_000 }) });
    c.plex.addItem('1', { durationMs: D, viewCount: 0 });
    const playback = new Playback(c, 'pb-1', '1');
    const started = playback.start();
    await elapse(1_000);
    playback.playTo(95);
    const ended = playback.end(Date.now() + 3_000);
    await elapse(3_000);
    expect(await ended).toEqual({ delivered: false });
    expect(c.spooled).toEqual(['pb-1']);

    await elapse(120_000);
    await started;
    expect(c.outbox.list()).toEqual([]);
    expect(c.plex.sent('timeline')).toEqual([]);
    expect(c.plex.sent('scrobble')).toEqual([]);
  });
});
