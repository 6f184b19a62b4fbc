// A helper that cannot write its own files (a full disk, a read-only state dir) still sends a live
// watch when Plex is up, and says plainly that it could not save it (issue 18, point 2).
import { describe, expect, it } from 'vitest';
import { MemoryOutboxStore, type OutboxEntry, type PutResult } from '../../src/outbox/index.js';
import { createCore, elapse, Playback, useFakeClock } from '../support/core.js';

useFakeClock();

/** Holds entries in memory as the file store does, but every write to disk fails. */
class FullDiskOutbox extends MemoryOutboxStore {
  override async put(entry: OutboxEntry): Promise<PutResult> {
    await super.put(entry);
    throw new Error('could not write outbox journal (ENOSPC: no space left on device, write)');
  }
}

describe('a watch the outbox could not write to disk', () => {
  it('is sent all the same and counts once, and the OSD says it was not saved', async () => {
    const c = await createCore({ outbox: new FullDiskOutbox() });
    c.plex.addItem('1', { durationMs: 600_000, viewCount: 0 });
    const playback = new Playback(c, 'pb-1', '1');
    await playback.start();
    for (const percent of [30, 60, 85, 95]) {
      await elapse(10_000);
      playback.playTo(percent);
    }
    await c.sender.laneDone('pb-1');
    await elapse(0);

    expect(c.plex.item('1').viewCount).toBe(1);
    expect(c.player.osd.filter((line) => line.includes('could not save') && line.includes('ENOSPC'))).toHaveLength(1);
    expect(c.player.osd.some((line) => line.includes('not sent'))).toBe(false);
  });
});
