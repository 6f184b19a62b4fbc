// What mpv plays, read from its path: the second front door of the address grammar.
import { describe, expect, it } from 'vitest';
import { parsePlayedAddress } from '../../src/address/played-address.js';

const server = 'http://192.168.1.10:32400';

describe('parsePlayedAddress', () => {
  it('prefers an explicit ratingKey over anything the path says', () => {
    expect(parsePlayedAddress(`${server}/library/parts/5/1/file.mkv`, '77')).toEqual({ kind: 'ratingKey', ratingKey: '77', serverUrl: server });
  });

  it('keeps no server for an explicit ratingKey on a local file', () => {
    expect(parsePlayedAddress('/media/a.mkv', '77')).toEqual({ kind: 'ratingKey', ratingKey: '77', serverUrl: null });
  });

  it('reads the ratingKey from a /library/metadata URL', () => {
    expect(parsePlayedAddress(`${server}/library/metadata/4242`, null)).toEqual({ kind: 'metadata', ratingKey: '4242', serverUrl: server });
  });

  it('reads the ratingKey from the path parameter of a transcode URL', () => {
    const url = `${server}/video/:/transcode/universal/start.m3u8?path=%2Flibrary%2Fmetadata%2F99&mediaIndex=0&protocol=hls`;
    expect(parsePlayedAddress(url, null)).toEqual({ kind: 'metadata', ratingKey: '99', serverUrl: server });
  });

  it('recognises a direct-play part URL by its part id', () => {
    expect(parsePlayedAddress(`${server}/library/parts/1234/1700000000/file.mkv`, null)).toEqual({ kind: 'part', partId: '1234', serverUrl: server });
  });

  it('recognises a plex.direct https part URL with its own host as the server', () => {
    const host = 'https://192-168-1-10.abcdef0123456789.plex.direct:32400';
    expect(parsePlayedAddress(`${host}/library/parts/7/1/Movie%20Name.mp4`, null)).toEqual({ kind: 'part', partId: '7', serverUrl: host });
  });

  it('treats a bare path and a file:// URL as local files', () => {
    expect(parsePlayedAddress('/mnt/nas/movies/A.mkv', null)).toEqual({ kind: 'localFile', path: '/mnt/nas/movies/A.mkv' });
    expect(parsePlayedAddress('file:///mnt/nas/movies/A%20B.mkv', null)).toEqual({ kind: 'localFile', path: '/mnt/nas/movies/A B.mkv' });
  });

  it('calls other URLs and mpv protocols not Plex', () => {
    expect(parsePlayedAddress('https://example.com/video.mp4', null)).toEqual({ kind: 'other' });
    expect(parsePlayedAddress('av://lavfi:testsrc', null)).toEqual({ kind: 'other' });
    expect(parsePlayedAddress('ytdl://abc', null)).toEqual({ kind: 'other' });
    expect(parsePlayedAddress(`${server}/library/sections`, null)).toEqual({ kind: 'other' });
  });

  it('ignores an explicit ratingKey that is not a number', () => {
    expect(parsePlayedAddress('av://lavfi:testsrc', 'abc')).toEqual({ kind: 'other' });
  });
});

describe('parsePlayedAddress: a file:// URL with a malformed escape', () => {
  it('reads file:///x/100% y.mkv as the local file it names, never a thrown error', () => {
    expect(parsePlayedAddress('file:///x/100% y.mkv', null)).toEqual({ kind: 'localFile', path: '/x/100% y.mkv' });
  });

  it('reads a part URL whose file name holds a bare % by its part id, never a thrown error', () => {
    expect(parsePlayedAddress(`${server}/library/parts/12/1/100% y.mkv`, null)).toEqual({ kind: 'part', partId: '12', serverUrl: server });
  });
});
