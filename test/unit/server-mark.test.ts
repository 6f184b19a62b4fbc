// The engine counts where the server itself counts (its threshold or the credits start, per its
// LibraryVideoPlayedAtBehaviour), or at the threshold the person set; until that decision no
// report reaches the server's own mark point, so the server never counts earlier or twice.
import { describe, expect, it } from 'vitest';
import { MemoryOutboxStore, type OutboxEntry } from '../../src/outbox/index.js';
import type { PlexMarkerFact } from '../../src/plex/schemas.js';
import type { PlayedAtBehaviour } from '../../src/plex/watch-prefs.js';
import { createCore, elapse, Playback, useFakeClock, type Core } from '../support/core.js';
import { MemoryPlex } from '../support/memory-plex.js';

const D = 600_000;
/** Credits from 85 % to the end, the final ones. */
const CREDITS: PlexMarkerFact[] = [
  { type: 'intro', startMs: 30_000, endMs: 60_000, final: false },
  { type: 'credits', startMs: 0.85 * D, endMs: D, final: true },
];

useFakeClock();

async function world(behaviour: PlayedAtBehaviour, config: Record<string, unknown> = {}, outbox?: MemoryOutboxStore): Promise<Core> {
  const plex = new MemoryPlex({ playedAtBehaviour: behaviour });
  plex.addItem('1', { type: 'episode', title: 'Episode 1', durationMs: D, markers: CREDITS });
  return createCore({ plex, config, ...(outbox ? { outbox } : {}) });
}

/** Plays item 1 through these percents, 10 s apart, then stops there and lets everything settle. */
async function playAndStop(c: Core, percents: number[]): Promise<Playback> {
  const playback = new Playback(c, 'pb-1', '1');
  await playback.start(null);
  for (const percent of percents) {
    await elapse(10_000);
    playback.playTo(percent);
  }
  await elapse(10_000);
  void playback.end(Date.now() + 30_000);
  await elapse(60_000);
  return playback;
}

const timelineTimes = (c: Core): number[] => c.plex.sent('timeline').map((r) => r.timeMs ?? 0);

describe('the watch follows the server rule', () => {
  it('behaviour 3 (the default): a stop in the credits before 90 % counts once, by the server, and the OSD says so', async () => {
    const c = await world(3);
    await playAndStop(c, [30, 60, 84, 87]);
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.plex.item('1').counts).toEqual([{ via: 'timeline', sessionId: 'pb-1' }]);
    expect(c.plex.sent('scrobble')).toEqual([]);
    expect(c.player.osd).toContain('Plex: marked watched at the credits — Episode 1');
    // The script was told to report at once at the credits start.
    expect(c.player.items[0]?.item.thresholdPercent).toBeCloseTo(85);
  });

  it('behaviour 0: the credits count nothing, a stop at 87 % is a resume point', async () => {
    const c = await world(0);
    await playAndStop(c, [30, 60, 84, 87]);
    expect(c.plex.item('1').viewCount).toBe(0);
    expect(c.plex.item('1').viewOffset).toBe(0.87 * D);
    expect(c.player.items[0]?.item.thresholdPercent).toBe(90);
  });

  it('behaviour 0 counts at the threshold with the usual OSD line', async () => {
    const c = await world(0);
    await playAndStop(c, [30, 60, 84, 91]);
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.player.osd).toContain('Plex: marked watched — Episode 1');
  });

  it('an override of 95: no report reaches the credits before 95 %, and the watch counts once there', async () => {
    const c = await world(3, { threshold: 95 });
    await playAndStop(c, [30, 60, 84, 87, 92]);
    expect(c.plex.item('1').viewCount).toBe(0);
    expect(Math.max(...timelineTimes(c))).toBeLessThan(0.85 * D);
    expect(c.player.items[0]?.item.thresholdPercent).toBe(95);

    const c2 = await world(3, { threshold: 95 });
    await playAndStop(c2, [30, 60, 84, 87, 92, 96]);
    expect(c2.plex.item('1').viewCount).toBe(1);
    expect(c2.plex.sent('scrobble')).toEqual([]);
    // Every report before the decision stayed below the credits start.
    const requests = c2.plex.sent('timeline');
    const firstAbove = requests.findIndex((r) => (r.timeMs ?? 0) >= 0.85 * D);
    expect(requests[firstAbove]?.timeMs).toBe(0.96 * D);
  });

  it('a per-type override applies to its type only', async () => {
    const c = await world(3, { thresholds: { movie: 95 } });
    await playAndStop(c, [30, 60, 84, 87]);
    expect(c.plex.item('1').viewCount).toBe(1);
  });

  it('a replay after a crash counts once', async () => {
    const outbox = new MemoryOutboxStore();
    const c = await world(3, {}, outbox);
    let saved: readonly OutboxEntry[] | null = null;
    c.plex.onCrash = () => {
      saved ??= [...c.outbox.list()];
    };
    // The helper dies as Plex applies the crossing report (at the credits start): Plex counted.
    c.plex.fault({ kind: 'crash', applied: true, match: (r) => r.op === 'timeline' && (r.timeMs ?? 0) >= 0.85 * D });
    const playback = new Playback(c, 'pb-1', '1');
    await playback.start(null);
    for (const percent of [30, 60, 84, 87]) {
      await elapse(10_000);
      playback.playTo(percent);
    }
    await elapse(10_000);
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(saved!.map((entry) => entry.id)).toEqual(['watch:pb-1']);

    c.plex.restart();
    const after = await createCore({ plex: c.plex, outbox: new MemoryOutboxStore({ entries: saved! }) });
    const flushed = after.sender.flush();
    await elapse(60_000);
    await flushed;
    expect(after.results.map((r) => r.result)).toEqual([{ kind: 'delivered', detail: 'counted-by-plex' }]);
    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.plex.sent('scrobble')).toEqual([]);
  });

  it('a replayed position stays below the server mark point (the credits), so it cannot count', async () => {
    // A seek into the credits with too little played: no watch, a final position at 88 %.
    const c = await world(3, { minPlayed: { seconds: 300, percent: 50 } });
    c.plex.fault({ kind: 'network', code: 'ECONNREFUSED', match: (r) => r.op === 'timeline' && (r.timeMs ?? 0) > 0.5 * D, times: Infinity });
    const playback = new Playback(c, 'pb-1', '1');
    await playback.start(null);
    await elapse(10_000);
    playback.playTo(20);
    await elapse(10_000);
    playback.seekTo(88);
    await elapse(10_000);
    void playback.end(Date.now() + 30_000);
    await elapse(60_000);
    const position = c.outbox.list().find((entry) => entry.kind === 'position');
    expect(position).toBeDefined();
    c.plex.clearFaults();
    const after = await createCore({ plex: c.plex, outbox: new MemoryOutboxStore({ entries: c.outbox.list() }) });
    const flushed = after.sender.flush({ all: true });
    await elapse(60_000);
    await flushed;
    expect(c.plex.item('1').viewCount).toBe(0);
    expect(Math.max(...timelineTimes(c))).toBeLessThan(0.85 * D);
    // The replay did send it: the resume point is just below the credits.
    expect(c.plex.item('1').viewOffset).toBeGreaterThan(0.85 * D - 1_500);
  });
});

describe('the mark told to the script', () => {
  it('stays within the 1 to 100 the script takes, even for credits marked at the very start', async () => {
    const plex = new MemoryPlex({ playedAtBehaviour: 2 });
    plex.addItem('2', { type: 'episode', durationMs: D, markers: [{ type: 'credits', startMs: 0, endMs: 10_000, final: true }] });
    const c = await createCore({ plex });
    await new Playback(c, 'pb-2', '2').start(null);
    expect(c.player.items[0]?.item.thresholdPercent).toBe(1);
  });
});
