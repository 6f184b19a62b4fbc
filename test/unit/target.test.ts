import { describe, expect, it } from 'vitest';
import { parseTarget, toPlexPath } from '../../src/resolve/target.js';

const server = 'http://192.168.1.10:32400';

describe('parseTarget', () => {
  it('prefers an explicit ratingKey over anything the path says', () => {
    expect(parseTarget(`${server}/library/parts/5/1/file.mkv`, '77')).toEqual({ kind: 'ratingKey', ratingKey: '77', serverUrl: server });
  });

  it('keeps no server for an explicit ratingKey on a local file', () => {
    expect(parseTarget('/media/a.mkv', '77')).toEqual({ kind: 'ratingKey', ratingKey: '77', serverUrl: null });
  });

  it('reads the ratingKey from a /library/metadata URL', () => {
    expect(parseTarget(`${server}/library/metadata/4242`, null)).toEqual({ kind: 'metadata', ratingKey: '4242', serverUrl: server });
  });

  it('reads the ratingKey from the path parameter of a transcode URL', () => {
    const url = `${server}/video/:/transcode/universal/start.m3u8?path=%2Flibrary%2Fmetadata%2F99&mediaIndex=0&protocol=hls`;
    expect(parseTarget(url, null)).toEqual({ kind: 'metadata', ratingKey: '99', serverUrl: server });
  });

  it('recognises a direct-play part URL by its part id', () => {
    expect(parseTarget(`${server}/library/parts/1234/1700000000/file.mkv`, null)).toEqual({ kind: 'part', partId: '1234', serverUrl: server });
  });

  it('recognises a plex.direct https part URL with its own host as the server', () => {
    const host = 'https://192-168-1-10.abcdef0123456789.plex.direct:32400';
    expect(parseTarget(`${host}/library/parts/7/1/Movie%20Name.mp4`, null)).toEqual({ kind: 'part', partId: '7', serverUrl: host });
  });

  it('treats a bare path and a file:// URL as local files', () => {
    expect(parseTarget('/mnt/nas/movies/A.mkv', null)).toEqual({ kind: 'localFile', path: '/mnt/nas/movies/A.mkv' });
    expect(parseTarget('file:///mnt/nas/movies/A%20B.mkv', null)).toEqual({ kind: 'localFile', path: '/mnt/nas/movies/A B.mkv' });
  });

  it('calls other URLs and mpv protocols not Plex', () => {
    expect(parseTarget('https://example.com/video.mp4', null)).toEqual({ kind: 'other' });
    expect(parseTarget('av://lavfi:testsrc', null)).toEqual({ kind: 'other' });
    expect(parseTarget('ytdl://abc', null)).toEqual({ kind: 'other' });
    expect(parseTarget(`${server}/library/sections`, null)).toEqual({ kind: 'other' });
  });

  it('ignores an explicit ratingKey that is not a number', () => {
    expect(parseTarget('av://lavfi:testsrc', 'abc')).toEqual({ kind: 'other' });
  });
});

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
