import { describe, expect, it } from 'vitest';
import { chooseMedia, episodesAfter, planEntries, PlayError, versionLines } from '../../src/play/play-plan.js';
import type { PlexClient } from '../../src/plex/client.js';
import { MetadataSchema, type PlexMetadata } from '../../src/plex/schemas.js';

function episode(ratingKey: string, season: number, index: number): PlexMetadata {
  return MetadataSchema.parse({ ratingKey, type: 'episode', title: `E${ratingKey}`, grandparentTitle: 'Show', parentIndex: season, index, Media: [{ Part: [{ id: 1, key: `/library/parts/${ratingKey}/1/file.mkv` }] }] });
}

const leaves = [episode('11', 1, 1), episode('12', 1, 2), episode('21', 2, 1), episode('22', 2, 2)];

describe('episodesAfter', () => {
  it("goes on from a season's last episode into the next season", () => {
    expect(episodesAfter(leaves, '12', 2).map((leaf) => leaf.ratingKey)).toEqual(['21', '22']);
  });

  it("stops at the show's last episode", () => {
    expect(episodesAfter(leaves, '21', 5).map((leaf) => leaf.ratingKey)).toEqual(['22']);
    expect(episodesAfter(leaves, '22', 2)).toEqual([]);
  });

  it('queues nothing for an episode the listing does not hold', () => {
    expect(episodesAfter(leaves, '99', 2)).toEqual([]);
  });
});

describe('chooseMedia', () => {
  const movie = MetadataSchema.parse({ ratingKey: '5', type: 'movie', title: 'Film', Media: [{ id: 1, Part: [] }, { id: 2, Part: [] }] });

  it('takes the first version unless told, and the n-th when told', () => {
    expect(chooseMedia(movie, null, 'Living Room').id).toBe(1);
    expect(chooseMedia(movie, 2, 'Living Room').id).toBe(2);
  });

  it('names the number of versions when asked for one past them', () => {
    expect(() => chooseMedia(movie, 3, 'Living Room')).toThrow(PlayError);
    expect(() => chooseMedia(movie, 3, 'Living Room')).toThrow("Plex item 5 on 'Living Room' has 2 versions, not 3: see play --versions");
  });
});

describe('versionLines', () => {
  it('shows resolution, codecs, container, size, duration and file of each version', () => {
    const movie = MetadataSchema.parse({
      ratingKey: '5',
      type: 'movie',
      title: 'Film',
      Media: [
        { videoResolution: '4k', videoCodec: 'hevc', audioCodec: 'eac3', container: 'mkv', duration: 7_384_000, Part: [{ id: 1, size: 21_474_836_480, file: '/m/Film 4k.mkv' }] },
        { height: 576, Part: [{ id: 2, container: 'avi', size: 734_003_200, duration: 65_000 }, { id: 3 }] },
        { Part: [] },
      ],
    });
    expect(versionLines(movie)).toEqual([
      '1  4k · hevc · eac3 · mkv · 20.0 GiB · 2:03:04  /m/Film 4k.mkv',
      '2  576p · avi · 700.0 MiB · 1:05 · 2 parts',
      '3  no details',
    ]);
  });
});

describe('planEntries with --next', () => {
  // Neither case asks the server anything: the client only lends its URL to the first entry.
  const client = { serverUrl: 'http://plex.local:32400' } as PlexClient;

  it('says that the episode has no show in Plex\'s answer, rather than that an episode is not one', async () => {
    const orphan = MetadataSchema.parse({ ratingKey: '201', type: 'episode', title: 'Pilot', Media: [{ Part: [{ id: 1, key: '/library/parts/1/1/file.mkv' }] }] });
    await expect(planEntries({ meta: orphan, client, serverName: 'Living Room' }, { version: null, next: 2 }, null)).rejects.toThrow(
      "--next queues the episodes after this one, but Plex's answer for episode 201 ('Pilot') on 'Living Room' names no show it belongs to; play it without --next",
    );
  });

  it('names what the item is, with the right article, when it is no episode', async () => {
    const movie = MetadataSchema.parse({ ratingKey: '5', type: 'movie', title: 'Film', Media: [{ Part: [{ id: 1, key: '/library/parts/5/1/file.mkv' }] }] });
    await expect(planEntries({ meta: movie, client, serverName: 'Living Room' }, { version: null, next: 1 }, null)).rejects.toThrow(
      "--next queues the episodes after an episode, and Plex item 5 ('Film') on 'Living Room' is a movie",
    );
  });
});
