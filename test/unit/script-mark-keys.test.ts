// What a press of a mark key does in the script (mark-keys.ts), and the helper's check of the
// message it sends (validate.ts).
import { describe, expect, it } from 'vitest';
import { markAction } from '../../mpv-scripts/plex-sync/mark-keys.js';
import { newPlayback, type Playback } from '../../mpv-scripts/plex-sync/playback.js';
import { parseScriptMessage } from '../../src/protocol/validate.js';

function playing(status: Playback['status']): Playback {
  const pb = newPlayback({ id: 'pb-1', rawPath: '/media/film.mkv', startedAt: 1000, ratingKey: null, durationSec: 100, positionSec: 0, paused: false });
  pb.status = status;
  return pb;
}

describe('a mark key in the script', () => {
  it('sends the mark for a Plex item, watched or unwatched', () => {
    expect(markAction(playing('plex'), true, false)).toEqual({ send: { playbackId: 'pb-1', watched: true } });
    expect(markAction(playing('plex'), false, false)).toEqual({ send: { playbackId: 'pb-1', watched: false } });
  });

  it('says on the OSD why nothing is marked, and sends nothing', () => {
    expect(markAction(null, true, false)).toEqual({ osd: 'Plex sync: nothing is playing — nothing to mark' });
    expect(markAction(playing('ignored'), true, false)).toEqual({ osd: 'Not a Plex item: nothing to mark' });
    expect(markAction(playing('unknown'), false, false)).toEqual({ osd: 'Plex sync: the item is not known to Plex yet — nothing marked' });
    expect(markAction(playing('error'), true, false)).toEqual({ osd: 'Plex sync: the item is not known to Plex yet — nothing marked' });
    expect(markAction(playing('plex'), true, true)).toEqual({ osd: 'Plex sync: the helper is not responding — nothing marked' });
  });
});

describe('the mark message in the helper', () => {
  it('takes a well-formed mark', () => {
    expect(parseScriptMessage(['plex-sync/mark', JSON.stringify({ playbackId: 'pb-1', watched: false })])).toEqual({
      ok: true,
      message: { name: 'mark', payload: { playbackId: 'pb-1', watched: false } },
    });
  });

  it('refuses a mark without a boolean watched, naming the field', () => {
    const parsed = parseScriptMessage(['plex-sync/mark', JSON.stringify({ playbackId: 'pb-1', watched: 'yes' })]);
    expect(parsed).toMatchObject({ ok: false });
    expect(parsed.ok === false && parsed.reason).toMatch(/^plex-sync\/mark: watched /);
  });
});
