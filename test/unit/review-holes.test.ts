// Holes the review of issue 11 found in the sync core, each test failing before its fix: a late
// message resolved with another file's token, a watch lost across a helper restart after an
// unwatch, and a resume point erased by an unscrobble delivered late.
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/config.js';
import { MemoryOutboxStore } from '../../src/outbox/index.js';
import { SyncEngine } from '../../src/sync/engine.js';
import { tokenFromPlayer } from '../../src/sync/player-token.js';
import type { ItemResolver } from '../../src/sync/ports.js';
import { Sender } from '../../src/sync/sender.js';
import { silent } from '../support/core.js';
import { FakePlayer, FakeThresholds, MemoryPlex } from '../support/memory-plex.js';

/** mpv is at file B (its URL carries B's own token) while the message is about file A, on another host. */
const PATH_A = 'http://a-host.example:32400/library/parts/1/2/a.mkv';
const FULL_B = 'http://b-host.example:32400/library/parts/3/4/b.mkv?X-Plex-Token=TOKEN-OF-B';

class PlayerAtB extends FakePlayer {
  override async fullPath(): Promise<string | null> {
    return FULL_B;
  }
}

/**
 * The helper reads the token from mpv's *current* path, and pairs it with the path of the message
 * it is answering. A helper that was frozen (SIGSTOP) or slow while mpv went on from A to B (A's
 * load hold timed out, or A failed to open) resolves A's start/lookup with B's token, and the
 * resolver asks A's host for the part with it: B's token leaves for another host.
 * Fixed: tokenFromPlayer(player, path) (src/sync/player-token.ts) gives the token only when mpv
 * plays the message's own file (same origin and path).
 */
describe('a token read from mpv belongs to the file mpv plays now, not to an older message', () => {
  it('tokenFromPlayer gives no token for a path that is not the one mpv plays', async () => {
    const tokenFor = tokenFromPlayer as (player: FakePlayer, path: string) => Promise<string | null>;
    expect(await tokenFor(new PlayerAtB(), PATH_A)).toBeNull();
  });

  it("a late start for file A is not resolved with file B's token", async () => {
    const plex = new MemoryPlex();
    const outbox = new MemoryOutboxStore();
    await outbox.load();
    const seen: { path: string; urlToken: string | null }[] = [];
    const resolver: ItemResolver = {
      resolve: async (path, _ratingKey, urlToken) => {
        seen.push({ path, urlToken });
        return { kind: 'not-plex', reason: 'test' };
      },
    };
    const engine = new SyncEngine({
      config: ConfigSchema.parse({}),
      servers: new FakeThresholds(plex.threshold),
      resolver,
      outbox,
      sender: new Sender({ outbox, clientFor: () => null, log: silent }),
      log: silent,
      offline: { notify: () => undefined },
      spoolUnresolved: async () => undefined,
    });
    await engine.start(new PlayerAtB(), { playbackId: 'pb-a', path: PATH_A, startedAt: Date.now(), durationMs: null, positionMs: 0, ratingKey: null, baselineViewCount: null });
    expect(seen).toEqual([{ path: PATH_A, urlToken: null }]);
  });
});

/**
 * A helper killed between an unwatch and a watch. The round of a playback lives only in the
 * engine: a restarted helper meets the re-announced playback at round 0, so its next watch is
 * `watch:<pb>` (round 0), which sender.ts orders *before* the queued `unwatch:<pb>#1` (ranks by
 * round within a playback). Played past the mark again after the unwatch, that watch goes first,
 * finds Plex's old count (1 > baseline 0) and is done without a scrobble; the unwatch then sets
 * the item unwatched: a watch the person made is lost (Plex ends at 0, should be 1).
 * Fixed: a playback starts at the highest round of its marks still queued (engine #queuedRound),
 * so the new watch is `watch:<pb>#1` and waits for the unwatch.
 */
describe('a helper killed between an unwatch and a watch', () => {
  it("counts the watch played after the unwatch once both reach Plex", async () => {
    const { createCore, elapse } = await import('../support/core.js');
    const { Playback } = await import('../support/core.js');
    const { vi } = await import('vitest');
    vi.useFakeTimers();
    try {
      const D = 600_000;
      const first = await createCore();
      first.plex.addItem('1', { viewCount: 0, durationMs: D });
      const playback = new Playback(first, 'pb-1', '1');
      await playback.start();
      for (const percent of [30, 60, 85, 95]) {
        await elapse(10_000);
        playback.playTo(percent);
      }
      await elapse(5_000);
      await first.sender.laneDone('pb-1');
      expect(first.plex.item('1').viewCount).toBe(1);
      // Plex cannot be reached for the unscrobble: it stays queued.
      first.plex.fault({ kind: 'network', code: 'ECONNREFUSED', times: 1_000, match: (r) => r.op === 'unscrobble' });
      first.engine.mark(first.player, 'pb-1', false);
      await elapse(5_000);
      await first.sender.laneDone('pb-1');
      expect(first.outbox.list().map((e) => e.kind)).toEqual(['unwatch']);

      // The helper is killed; a new one gets the same outbox, and the script announces its playback again.
      const second = await createCore({ plex: first.plex, outbox: first.outbox });
      const again = new Playback(second, 'pb-1', '1');
      again.positionMs = playback.positionMs;
      again.playedMs = playback.playedMs;
      await again.start(0);
      again.seekTo(10);
      for (const percent of [30, 60, 85, 95]) {
        await elapse(10_000);
        again.playTo(percent);
      }
      await elapse(5_000);
      await again.end();
      first.plex.clearFaults();
      await second.sender.flush({ all: true });
      await second.sender.flush({ all: true });
      expect(second.outbox.list()).toEqual([]);
      expect(first.plex.item('1').viewCount).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

/**
 * Plex's /:/unscrobble also clears the resume point (viewOffset; the double does the same). A
 * queued unwatch is ordered against watches only (sender.ts earlierMarks); the playback's later
 * reports and final position go before its retry, and the unwatch then erases them. A short
 * outage as the key is pressed at 40 %, played on to 60 %, quit: Plex ends with no resume point.
 * Seen: timeline@270000..360000 ok, stopped@360000 ok, then the retried unscrobble ok: viewOffset gone.
 * Fixed: while an unwatch of the item is queued, the final position goes into the outbox, and the
 * sender sends a position after the item's unwatches queued before it (earlierMarks).
 */
describe('an unwatch queued while Plex is down, then the final position', () => {
  it('leaves the final position as the resume point once both reach Plex', async () => {
    const { createCore, elapse, Playback } = await import('../support/core.js');
    const { vi } = await import('vitest');
    vi.useFakeTimers();
    try {
      const D = 600_000;
      const c = await createCore();
      c.plex.addItem('1', { viewCount: 1, durationMs: D });
      const playback = new Playback(c, 'pb-1', '1');
      await playback.start();
      for (const percent of [10, 20, 30, 40]) {
        await elapse(10_000);
        playback.playTo(percent);
      }
      await elapse(1_000);
      // A short outage just as the key is pressed: the unwatch is kept for a later retry.
      c.plex.fault({ kind: 'network', code: 'ECONNREFUSED', times: 10_000 });
      c.engine.mark(c.player, 'pb-1', false);
      await elapse(5_000);
      await c.sender.laneDone('pb-1');
      expect(c.outbox.list().map((e) => e.kind)).toEqual(['unwatch']);
      c.plex.clearFaults();
      for (const percent of [45, 50, 55, 60]) {
        await elapse(10_000);
        playback.playTo(percent);
      }
      const ending = playback.end(Date.now() + 2_000);
      await elapse(5_000);
      await ending;
      await elapse(600_000);
      await c.sender.flush({ all: true });
      await c.sender.flush({ all: true });
      expect(c.outbox.list()).toEqual([]);
      expect(c.plex.item('1').viewCount).toBe(0);
      expect(c.plex.item('1').viewOffset).toBeGreaterThanOrEqual(0.55 * D);
    } finally {
      vi.useRealTimers();
    }
  });
});
