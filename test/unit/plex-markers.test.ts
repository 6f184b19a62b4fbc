// Plex's markers, read where they enter: each on its own, so one odd marker leaves the others.
import { describe, expect, it } from 'vitest';
import { MetadataSchema, plexMarkers } from '../../src/plex/schemas.js';

function metadataWith(Marker: unknown) {
  return MetadataSchema.parse({ ratingKey: '1', type: 'episode', title: 'E', Marker });
}

describe('plexMarkers', () => {
  it('reads intro, credits and commercial markers, sorted by start, with final', () => {
    const markers = plexMarkers(
      metadataWith([
        { id: 3, type: 'credits', startTimeOffset: 90_000, endTimeOffset: 100_000, final: true },
        { id: 1, type: 'intro', startTimeOffset: '1000', endTimeOffset: '20000' },
        { id: 2, type: 'commercial', startTimeOffset: 40_000, endTimeOffset: 50_000, final: 0 },
      ]),
    );
    expect(markers).toEqual([
      { type: 'intro', startMs: 1_000, endMs: 20_000, final: false },
      { type: 'commercial', startMs: 40_000, endMs: 50_000, final: false },
      { type: 'credits', startMs: 90_000, endMs: 100_000, final: true },
    ]);
  });

  it('leaves out a marker of an unknown type, a malformed one and one that ends before it starts, and keeps the rest', () => {
    const markers = plexMarkers(
      metadataWith([
        { type: 'recap', startTimeOffset: 0, endTimeOffset: 10 },
        { type: 'intro', startTimeOffset: 'soon', endTimeOffset: 10 },
        { type: 'credits', startTimeOffset: 50, endTimeOffset: 40 },
        'not a marker',
        { type: 'credits', startTimeOffset: 60_000, endTimeOffset: 70_000 },
      ]),
    );
    expect(markers).toEqual([{ type: 'credits', startMs: 60_000, endMs: 70_000, final: false }]);
  });

  it('gives no markers when Plex sent none, or sent something that is not a list', () => {
    expect(plexMarkers(metadataWith(undefined))).toEqual([]);
    expect(plexMarkers(metadataWith({ type: 'intro' }))).toEqual([]);
  });
});
