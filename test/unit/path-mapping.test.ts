// A local file as the Plex server names it, through the person's path mappings, and back.
import { describe, expect, it } from 'vitest';
import { toLocalPath, toPlexPath } from '../../src/resolve/path-mapping.js';

describe('toPlexPath', () => {
  const mappings = [
    { plex: '/data/movies', local: '/mnt/nas/movies/' },
    { plex: '/data/tv', local: '/mnt/nas/tv' },
  ];

  it('maps a local path to the path Plex knows through the first matching prefix', () => {
    expect(toPlexPath('/mnt/nas/movies/A.mkv', mappings)).toBe('/data/movies/A.mkv');
    expect(toPlexPath('/mnt/nas/tv/Show/S01E01.mkv', mappings)).toBe('/data/tv/Show/S01E01.mkv');
  });

  it('does not map a path that only shares the beginning of a folder name', () => {
    expect(toPlexPath('/mnt/nas/movies-old/A.mkv', mappings)).toBe('/mnt/nas/movies-old/A.mkv');
  });

  it('leaves a path without a mapping as it is (a miss)', () => {
    expect(toPlexPath('/home/me/A.mkv', mappings)).toBe('/home/me/A.mkv');
  });
});

describe('toLocalPath', () => {
  const mappings = [
    { plex: '/data/movies/', local: '/mnt/nas/movies' },
    { plex: '/data/tv', local: '/mnt/nas/tv/' },
  ];

  it("maps Plex's path to the file on this machine, the reverse of toPlexPath", () => {
    expect(toLocalPath('/data/tv/Show/S01E01.mkv', mappings)).toBe('/mnt/nas/tv/Show/S01E01.mkv');
    expect(toPlexPath(toLocalPath('/data/movies/A.mkv', mappings), mappings)).toBe('/data/movies/A.mkv');
  });

  it('leaves a path without a mapping, or one that only shares the beginning of a folder name, as it is', () => {
    expect(toLocalPath('/data/movies-old/A.mkv', mappings)).toBe('/data/movies-old/A.mkv');
    expect(toLocalPath('/srv/A.mkv', mappings)).toBe('/srv/A.mkv');
  });
});
