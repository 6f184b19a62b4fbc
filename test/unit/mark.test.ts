// The mark keys in the sync core (docs/sync-rule.md, marks): mark-watched decides a playback,
// mark-unwatched sets the item unwatched at once and lets the playback count again; both go
// through the outbox and the one sender, in the order the person pressed them, also when Plex
// is down and after a crash. Every test checks what Plex ended with.
import { describe, expect, it } from 'vitest';
import { MemoryOutboxStore, unwatchEntryId, watchEntryId } from '../../src/outbox/index.js';
import { createCore, elapse, Playback, useFakeClock, type Core } from '../support/core.js';
import { T0, unwatch, watch } from '../support/entries.js';
import type { PlexRequest } from '../support/memory-plex.js';

const D = 600_000; // ten minutes

useFakeClock();

async function core(viewCount = 0): Promise<Core> {
  const c = await createCore();
  c.plex.addItem('1', { viewCount, durationMs: D });
  return c;
}

async function playThrough(playback: Playback, percents: number[]): Promise<void> {
  for (const percent of percents) {
    await elapse(10_000);
    playback.playTo(percent);
  }
  await elapse(0);
}

async function startPlaying(c: Core, percents: number[], id = 'pb-1'): Promise<Playback> {
  const playback = new Playback(c, id, '1');
  await playback.start();
  await playThrough(playback, percents);
  return playback;
}

/** Presses a mark key and waits until the playback's lane has sent it (retries included). */
async function press(c: Core, watched: boolean, id = 'pb-1'): Promise<void> {
  c.engine.mark(c.player, id, watched);
  const done = c.sender.laneDone(id);
  await elapse(5_000);
  await done;
}

/** The marks Plex applied, in order. */
const markOps = (c: Core): string[] => c.plex.requests.filter((r) => (r.op === 'scrobble' || r.op === 'unscrobble') && r.outcome === 'ok').map((r) => r.op);
const down = { kind: 'network', code: 'ECONNREFUSED', times: 1_000 } as const;
const marks = (request: PlexRequest) => request.op === 'scrobble' || request.op === 'unscrobble' || request.op === 'metadata';

describe('mark-watched', () => {
  it('counts the playback once at the press, and playing on to the end counts nothing more', async () => {
    const c = await core();
    const playback = await startPlaying(c, [20, 50]);
    await press(c, true);
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.player.osd).toContain('Marked watched in Plex: Film 1');
    await playThrough(playback, [80, 95, 100]);
    await playback.end();
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.plex.item('1').counts).toEqual([{ via: 'scrobble', sessionId: null }]);
    expect(c.plex.item('1').viewOffset).toBeUndefined();
    expect(c.outbox.list()).toEqual([]);
  });

  it('sends no crossing report at the press: the position is not at the mark', async () => {
    const c = await core();
    await startPlaying(c, [20, 50]);
    const before = c.plex.requests.length;
    await press(c, true);
    expect(c.plex.requests.slice(before).map((r) => r.op)).toEqual(['metadata', 'scrobble']);
  });

  it('answers a press that went through, though mark-unwatched was pressed while it was on its way', async () => {
    const c = await core();
    await startPlaying(c, [20, 50]);
    // The unwatch is pressed once Plex has the scrobble and before its answer is back.
    c.plex.onRequest = (request) => {
      if (request.op !== 'scrobble') return;
      c.plex.onRequest = null;
      c.engine.mark(c.player, 'pb-1', false);
    };
    await press(c, true);
    await elapse(5_000);
    await c.sender.laneDone('pb-1');
    expect(markOps(c)).toEqual(['scrobble', 'unscrobble']);
    expect(c.plex.item('1').viewCount).toBe(0);
    const answers = ['Marked watched in Plex: Film 1', 'Marked unwatched in Plex: Film 1'];
    expect(c.player.printed.filter((line) => line.startsWith('Marked'))).toEqual(answers);
    expect(c.player.osd.filter((line) => line.startsWith('Marked'))).toEqual(answers);
  });

  it('counts once when pressed twice, and says the second press changed nothing', async () => {
    const c = await core();
    const playback = await startPlaying(c, [30]);
    await press(c, true);
    await press(c, true);
    await playThrough(playback, [95]);
    await playback.end();
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.results.filter((r) => r.entry.kind === 'watch')).toHaveLength(1);
    expect(c.player.osd).toContain('Already marked watched in Plex: Film 1');
  });

  it('counts nothing on an item watched before this playback, not even at its end', async () => {
    const c = await core(2);
    const playback = await startPlaying(c, [30]);
    await press(c, true);
    expect(c.player.osd).toContain('Already watched in Plex: Film 1 — not counted again');
    await playThrough(playback, [60, 92, 100]);
    await playback.end();
    expect(c.plex.item('1').viewCount).toBe(2);
    expect(markOps(c)).toEqual([]);
  });

  it('says "nothing to mark" for a playback the helper does not know as a Plex item', async () => {
    const c = await core();
    c.engine.mark(c.player, 'pb-unknown', true);
    const other = new Playback(c, 'pb-2', '1');
    await c.engine.start(c.player, { playbackId: 'pb-2', path: '/elsewhere/x.mkv', startedAt: T0, durationMs: D, positionMs: 0, ratingKey: null, baselineViewCount: null });
    c.engine.mark(c.player, other.id, false);
    expect(c.player.osd.filter((line) => line === 'Not a Plex item: nothing to mark')).toHaveLength(2);
    expect(c.outbox.list()).toEqual([]);
  });

  it('is queued when Plex is down, says so, and a later flush counts it once', async () => {
    const c = await core();
    const playback = await startPlaying(c, [40]);
    c.plex.fault({ ...down, match: marks });
    await press(c, true);
    expect(c.player.osd).toContain('Marked watched — queued: Plex unreachable (ECONNREFUSED): Film 1');
    await playThrough(playback, [95, 100]);
    await playback.end();
    expect(c.plex.item('1').viewCount).toBe(0);
    c.plex.clearFaults();
    expect(await c.sender.flush({ all: true })).toEqual({ delivered: 1, dropped: 0, kept: 0 });
    expect(await c.sender.flush({ all: true })).toEqual({ delivered: 0, dropped: 0, kept: 0 });
    expect(c.plex.item('1').viewCount).toBe(1);
  });
});

describe('mark-unwatched', () => {
  it('sets a watched item unwatched at once', async () => {
    const c = await core(3);
    await startPlaying(c, [10]);
    await press(c, false);
    expect(c.plex.item('1').viewCount).toBe(0);
    expect(markOps(c)).toEqual(['unscrobble']);
    expect(c.player.osd).toContain('Marked unwatched in Plex: Film 1');
    expect(c.outbox.list()).toEqual([]);
  });

  it('lets the playback count once when played past the mark after it', async () => {
    const c = await core(1);
    const playback = await startPlaying(c, [10]);
    await press(c, false);
    await playThrough(playback, [40, 70, 92, 96, 100]);
    await playback.end();
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.plex.item('1').counts).toHaveLength(1);
  });

  it('ends a short play\'s care for the old resume point: the position after it is the true one', async () => {
    const c = await createCore();
    c.plex.addItem('1', { viewCount: 1, viewOffset: 300_000, durationMs: D });
    const playback = new Playback(c, 'pb-1', '1');
    await playback.start();
    await playThrough(playback, [0.5]);
    await press(c, false);
    expect(c.plex.item('1').viewOffset).toBeUndefined();
    await playThrough(playback, [1]);
    await playback.end();
    expect(c.plex.item('1').viewCount).toBe(0);
    expect(c.plex.item('1').viewOffset).toBe(6_000);
  });

  it('past the mark, counts again only once the playback goes past the mark again', async () => {
    const c = await core(0);
    const playback = await startPlaying(c, [30, 60, 85, 95]);
    await c.sender.laneDone('pb-1');
    expect(c.plex.item('1').viewCount).toBe(1);
    await press(c, false);
    await playThrough(playback, [97, 100]);
    expect(c.plex.item('1').viewCount).toBe(0);
    playback.seekTo(50);
    await playThrough(playback, [70, 85, 93]);
    await playback.end();
    expect(c.plex.item('1').viewCount).toBe(1);
  });

  it('unwatched, then watched, then played to the end: one unscrobble, one count', async () => {
    const c = await core(1);
    const playback = await startPlaying(c, [10, 30]);
    await press(c, false);
    await press(c, true);
    await playThrough(playback, [60, 91, 100]);
    await playback.end();
    expect(markOps(c)).toEqual(['unscrobble', 'scrobble']);
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.player.osd).toEqual(expect.arrayContaining(['Marked unwatched in Plex: Film 1', 'Marked watched in Plex: Film 1']));
    expect(c.outbox.list()).toEqual([]);
  });

  it('is not undone by an earlier watch still queued: that watch is dropped', async () => {
    const c = await core(0);
    const playback = await startPlaying(c, [30, 60, 85]);
    c.plex.fault({ ...down, match: marks });
    await playThrough(playback, [95]);
    await elapse(5_000);
    await c.sender.laneDone('pb-1');
    expect(c.outbox.get(watchEntryId('pb-1'))).toBeDefined();
    await press(c, false);
    expect(c.player.osd).toContain('Marked unwatched — queued: Plex unreachable (ECONNREFUSED): Film 1');
    await playback.end();
    c.plex.clearFaults();
    await c.sender.flush({ all: true });
    expect(c.outbox.list()).toEqual([]);
    expect(markOps(c)).toEqual(['unscrobble']);
    expect(c.plex.item('1').viewCount).toBe(0);
  });

  it('does not lose a watch queued after it: the watch goes once the unwatch has', async () => {
    const c = await core(1);
    const playback = await startPlaying(c, [10, 30]);
    c.plex.fault({ ...down, match: marks });
    await press(c, false);
    await press(c, true);
    await playback.end();
    expect(c.outbox.list().map((e) => e.id)).toEqual(expect.arrayContaining([unwatchEntryId('pb-1', 1), watchEntryId('pb-1', 1)]));
    expect(c.plex.item('1').viewCount).toBe(1);
    c.plex.clearFaults();
    await c.sender.flush({ all: true });
    expect(markOps(c)).toEqual(['unscrobble', 'scrobble']);
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.outbox.list()).toEqual([]);
  });

  it('holds a later watch back, untried, while the unwatch before it waits for its retry', async () => {
    const c = await core(1);
    const playback = await startPlaying(c, [10, 30]);
    c.plex.fault({ ...down, match: (r) => r.op === 'unscrobble' });
    await press(c, false);
    await press(c, true);
    await playback.end();
    const unwatch = c.outbox.get(unwatchEntryId('pb-1', 1));
    const held = c.outbox.get(watchEntryId('pb-1', 1));
    expect(held?.nextAttemptAt).toBe(unwatch?.nextAttemptAt);
    expect(held?.lastError).toMatch(/^waits for the unwatch queued before it/);
    // Said as a sentence with its subject: what waits, and for what.
    expect(c.player.osd).toContain('Marked watched — queued: the unwatch before it has not gone through: Film 1');
    expect(c.plex.sent('scrobble')).toEqual([]);
    expect(c.plex.item('1').viewCount).toBe(1);
  });
});

describe('a replay after a helper crash', () => {

  async function replay(entries: ConstructorParameters<typeof MemoryOutboxStore>[0], viewCount: number): Promise<Core> {
    const c = await createCore({ outbox: new MemoryOutboxStore(entries) });
    c.plex.addItem('101', { durationMs: 7_200_000, viewCount });
    await c.sender.flush();
    return c;
  }

  it('sends a queued unwatch and the watch after it in that order, counting once', async () => {
    // Both in the same millisecond: the rounds give the order.
    const c = await replay({ entries: [watch('pb-1', { id: watchEntryId('pb-1', 1), round: 1, baselineViewCount: 0 }), unwatch('pb-1', 1)] }, 1);
    expect(markOps(c)).toEqual(['unscrobble', 'scrobble']);
    expect(c.plex.item('101').viewCount).toBe(1);
    expect(await c.sender.flush({ all: true })).toEqual({ delivered: 0, dropped: 0, kept: 0 });
    expect(c.plex.item('101').viewCount).toBe(1);
  });

  it('drops a watch queued before an unwatch, and sets the item unwatched', async () => {
    const c = await replay({ entries: [unwatch('pb-1', 1), watch('pb-1', { baselineViewCount: 0 })] }, 0);
    expect(markOps(c)).toEqual(['unscrobble']);
    expect(c.plex.item('101').viewCount).toBe(0);
    expect(c.outbox.list()).toEqual([]);
  });

  it('takes an earlier playback\'s watch as before an unwatch queued later: the item ends unwatched', async () => {
    const c = await replay({ entries: [watch('pb-0', { baselineViewCount: 0 }), unwatch('pb-1', 1, { createdAt: T0 - 1_000, nextAttemptAt: T0 - 1_000 })] }, 0);
    expect(c.plex.item('101').viewCount).toBe(1);
    const later = await createCore({ outbox: new MemoryOutboxStore({ entries: [watch('pb-0', { baselineViewCount: 0, createdAt: T0 - 2_000 }), unwatch('pb-1', 1)] }) });
    later.plex.addItem('101', { durationMs: 7_200_000, viewCount: 0 });
    await later.sender.flush();
    expect(later.plex.item('101').viewCount).toBe(0);
    expect(later.outbox.list()).toEqual([]);
  });
});
