// A playback whose item Plex answers 404 for (a ratingKey that is not there): said once, and not
// spooled, since no later helper can place it either; a spool file would be tried at every
// attach and said again (issue 20).
import { describe, expect, it } from 'vitest';
import { createCore, Playback } from '../support/core.js';

describe('a playback of an item Plex does not have', () => {
  it('is said once on the player, synced as nothing, and left out of the spool', async () => {
    const c = await createCore();
    c.plex.addItem('1', { durationMs: 20_000, viewCount: 0 });
    c.plex.fault({ kind: 'http', status: 404, match: (request) => request.op === 'metadata' });
    const playback = new Playback(c, 'pb-1', '1');
    await playback.start();
    playback.playTo(95);
    await playback.end();
    expect(c.spooled).toEqual([]);
    expect(c.outbox.list()).toEqual([]);
    expect(c.player.printed.filter((line) => line.includes('not on the Plex server'))).toHaveLength(1);
    expect(c.plex.sent('timeline')).toEqual([]);
  });
});
