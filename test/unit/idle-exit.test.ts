// When the helper exits, on a fake clock: after idleExitMs with no mpv, never while one is
// attached, and once later for a watch in doubt, but only once per watch.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleExit, type IdleExitOptions } from '../../src/helper/idle-exit.js';
import { MemoryOutboxStore, watchEntryId, type WatchEntry } from '../../src/outbox/index.js';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const IDLE_MS = 10_000;
/** idle-exit.ts checks a watch this long after its in-doubt time. */
const MARGIN_MS = 200;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

function watch(playbackId: string, inDoubtUntil?: number): WatchEntry {
  return {
    kind: 'watch',
    id: watchEntryId(playbackId),
    serverUrl: 'http://127.0.0.1:32400',
    ratingKey: '42',
    title: 'Item 42',
    createdAt: T0,
    attempts: 1,
    nextAttemptAt: T0,
    lastError: null,
    playbackId,
    sessionId: playbackId,
    startedAt: T0 - 60_000,
    baselineViewCount: 0,
    positionMs: 55_000,
    durationMs: 60_000,
    ...(inDoubtUntil === undefined ? {} : { inDoubtUntil }),
  };
}

/** An IdleExit over a memory outbox, with the helper's side played by counters. */
async function idleExit(entries: readonly WatchEntry[] = [], over: Partial<IdleExitOptions> = {}) {
  const outbox = new MemoryOutboxStore({ entries });
  await outbox.load();
  const state = { players: 0, activePlaybacks: 0, catchUps: 0, requestLooks: 0, stops: 0, exited: false };
  const idle = new IdleExit({
    idleExitMs: IDLE_MS,
    players: () => state.players,
    activePlaybacks: () => state.activePlaybacks,
    outbox,
    catchUp: async () => void (state.catchUps += 1),
    takeAttachRequests: async () => void (state.requestLooks += 1),
    stop: async () => void (state.stops += 1),
    log: pino({ level: 'silent' }),
    ...over,
  });
  const watchExit = () => void idle.untilExit().then(() => (state.exited = true));
  return { idle, outbox, state, watchExit };
}

describe('IdleExit', () => {
  it('exits idleExitMs after it is told to wait with no mpv attached, having tried what is due and looked for attach requests', async () => {
    const { state, watchExit } = await idleExit();
    watchExit();
    await vi.advanceTimersByTimeAsync(IDLE_MS - 1);
    expect(state).toMatchObject({ catchUps: 0, stops: 0, exited: false });
    await vi.advanceTimersByTimeAsync(1);
    expect(state).toMatchObject({ catchUps: 1, requestLooks: 1, stops: 1, exited: true });
  });

  it('schedules no exit before anyone waits for one', async () => {
    const { idle, state } = await idleExit();
    idle.schedule();
    await vi.advanceTimersByTimeAsync(IDLE_MS * 3);
    expect(state).toMatchObject({ catchUps: 0, stops: 0 });
  });

  it('does not start the wait while an mpv is attached', async () => {
    const { state, watchExit } = await idleExit();
    state.players = 1;
    watchExit();
    await vi.advanceTimersByTimeAsync(IDLE_MS * 3);
    expect(state).toMatchObject({ catchUps: 0, stops: 0, exited: false });
  });

  it('cancels the exit when an mpv attaches, and waits the whole idleExitMs again once it leaves', async () => {
    const { idle, state, watchExit } = await idleExit();
    watchExit();
    await vi.advanceTimersByTimeAsync(IDLE_MS / 2);
    state.players = 1;
    idle.cancel();
    await vi.advanceTimersByTimeAsync(IDLE_MS * 3);
    expect(state).toMatchObject({ catchUps: 0, stops: 0, exited: false });
    state.players = 0;
    idle.schedule();
    await vi.advanceTimersByTimeAsync(IDLE_MS - 1);
    expect(state.exited).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(state).toMatchObject({ stops: 1, exited: true });
  });

  it('stays when a late attach request brings an mpv, with no exit left pending', async () => {
    const { state, watchExit } = await idleExit([], {
      takeAttachRequests: async () => {
        state.players = 1;
      },
    });
    watchExit();
    await vi.advanceTimersByTimeAsync(IDLE_MS);
    expect(state).toMatchObject({ catchUps: 1, stops: 0, exited: false });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits another idleExitMs while the engine still handles a playback of an mpv that left', async () => {
    const { state, watchExit } = await idleExit();
    state.activePlaybacks = 1;
    watchExit();
    await vi.advanceTimersByTimeAsync(IDLE_MS);
    expect(state).toMatchObject({ catchUps: 0, stops: 0, exited: false });
    state.activePlaybacks = 0;
    await vi.advanceTimersByTimeAsync(IDLE_MS);
    expect(state).toMatchObject({ catchUps: 1, stops: 1, exited: true });
  });

  it('stays once for a watch in doubt, until just past its in-doubt time, then exits', async () => {
    const inDoubtUntil = T0 + IDLE_MS + 30_000;
    const { state, watchExit } = await idleExit([watch('pb-doubt', inDoubtUntil)]);
    watchExit();
    await vi.advanceTimersByTimeAsync(IDLE_MS);
    expect(state).toMatchObject({ catchUps: 1, stops: 0, exited: false });
    await vi.advanceTimersByTimeAsync(inDoubtUntil - Date.now() + MARGIN_MS - 1);
    expect(state).toMatchObject({ catchUps: 1, exited: false });
    await vi.advanceTimersByTimeAsync(1);
    // The second look tried the watch again (its check now due) before going.
    expect(state).toMatchObject({ catchUps: 2, stops: 1, exited: true });
  });

  it('never stays twice for the same watch, even when it is still in doubt at the second look', async () => {
    const id = watchEntryId('pb-silent');
    const { outbox, state, watchExit } = await idleExit([watch('pb-silent', T0 + IDLE_MS + 30_000)], {
      // A server that never answers: each try leaves the watch in doubt for another minute.
      catchUp: async () => {
        state.catchUps += 1;
        await outbox.update(id, { inDoubtUntil: Date.now() + 60_000 });
      },
    });
    watchExit();
    await vi.advanceTimersByTimeAsync(IDLE_MS);
    expect(state).toMatchObject({ catchUps: 1, exited: false });
    await vi.advanceTimersByTimeAsync(60_000 + MARGIN_MS);
    expect(state).toMatchObject({ catchUps: 2, stops: 1, exited: true });
    const left = outbox.get(id);
    expect(left?.kind === 'watch' && left.inDoubtUntil).toBeGreaterThan(Date.now());
  });

  it('stays for each watch in doubt once: one that fell in doubt during the first stay gets its own', async () => {
    const firstUntil = T0 + IDLE_MS + 5_000;
    const secondUntil = T0 + IDLE_MS + 20_000;
    const { outbox, state, watchExit } = await idleExit([watch('pb-first', firstUntil)]);
    watchExit();
    await vi.advanceTimersByTimeAsync(IDLE_MS);
    await outbox.put(watch('pb-second', secondUntil));
    await vi.advanceTimersByTimeAsync(firstUntil + MARGIN_MS - Date.now());
    expect(state).toMatchObject({ catchUps: 2, exited: false });
    await vi.advanceTimersByTimeAsync(secondUntil + MARGIN_MS - Date.now() - 1);
    expect(state.exited).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(state).toMatchObject({ catchUps: 3, stops: 1, exited: true });
  });

  it('refuses an idleExitMs that is not a number of ms, naming it', () => {
    const base = { players: () => 0, activePlaybacks: () => 0, outbox: { list: () => [] }, catchUp: async () => undefined, takeAttachRequests: async () => undefined, stop: async () => undefined, log: pino({ level: 'silent' }) };
    expect(() => new IdleExit({ ...base, idleExitMs: -1 })).toThrow(TypeError);
    expect(() => new IdleExit({ ...base, idleExitMs: Number.NaN })).toThrow(/idleExitMs/);
    expect(() => new IdleExit({ ...base, idleExitMs: 0 })).not.toThrow();
  });
});
