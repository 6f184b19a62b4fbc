// What a person types after `play`: the first front door of the address grammar.
import { describe, expect, it } from 'vitest';
import { checkMachineId, parsePersonTarget, PlayTargetError } from '../../src/address/person-target.js';

const MACHINE = '0123456789abcdef0123456789abcdef01234567';

describe('parsePersonTarget', () => {
  it('reads a number as a ratingKey of the configured server', () => {
    expect(parsePersonTarget('12345')).toEqual({ kind: 'ratingKey', ratingKey: '12345' });
  });

  it('reads a /library/metadata URL as an item of the server at its origin', () => {
    expect(parsePersonTarget('http://192.168.1.10:32400/library/metadata/123')).toEqual({
      kind: 'metadataUrl',
      origin: 'http://192.168.1.10:32400',
      ratingKey: '123',
      urlToken: null,
    });
  });

  it('takes the token off a /library/metadata URL and keeps it apart', () => {
    const target = parsePersonTarget('https://plex.example:32400/library/metadata/123/?X-Plex-Token=abcd1234');
    expect(target).toEqual({ kind: 'metadataUrl', origin: 'https://plex.example:32400', ratingKey: '123', urlToken: 'abcd1234' });
  });

  it('reads an app.plex.tv link: the machine id names the server, the key the item', () => {
    const link = `https://app.plex.tv/desktop/#!/server/${MACHINE}/details?key=%2Flibrary%2Fmetadata%2F4242`;
    expect(parsePersonTarget(link)).toEqual({ kind: 'plexWeb', machineId: MACHINE, ratingKey: '4242' });
  });

  it('reads the older desktop#! form of the link', () => {
    const link = `https://app.plex.tv/desktop#!/server/${MACHINE}/details?key=%2Flibrary%2Fmetadata%2F4242`;
    expect(parsePersonTarget(link)).toEqual({ kind: 'plexWeb', machineId: MACHINE, ratingKey: '4242' });
  });

  it("reads a server's own /web link by its machine id, not by its host", () => {
    const link = `http://10.0.0.2:32400/web/index.html#!/server/${MACHINE}/details?key=%2Flibrary%2Fmetadata%2F77&context=home%3Ahub.continueWatching`;
    expect(parsePersonTarget(link)).toEqual({ kind: 'plexWeb', machineId: MACHINE, ratingKey: '77' });
  });

  it('reads the newer media link of Plex Web: the machine id names the server, the key the item', () => {
    const link = `https://app.plex.tv/desktop/#!/media/${MACHINE}/com.plexapp.plugins.library?key=%2Flibrary%2Fmetadata%2F4242`;
    expect(parsePersonTarget(link)).toEqual({ kind: 'plexWeb', machineId: MACHINE, ratingKey: '4242' });
  });

  it("reads the newer media link on a server's own /web, with Plex Web's other parameters", () => {
    const link = `http://10.0.0.2:32400/web/index.html#!/media/${MACHINE}/com.plexapp.plugins.library?key=%2Flibrary%2Fmetadata%2F77&context=library%3Acontent.library`;
    expect(parsePersonTarget(link)).toEqual({ kind: 'plexWeb', machineId: MACHINE, ratingKey: '77' });
  });

  it('reads a part URL whose file name holds a bare % as a part URL, not an error', () => {
    expect(parsePersonTarget('http://127.0.0.1:32400/library/parts/1010/1700000000/100%.mkv')).toMatchObject({ kind: 'partUrl' });
  });

  it('reads a part URL as a URL to play as it is, without its token', () => {
    const target = parsePersonTarget('http://127.0.0.1:32400/library/parts/1010/1700000000/file.mkv?X-Plex-Token=abcd1234');
    expect(target).toEqual({ kind: 'partUrl', url: 'http://127.0.0.1:32400/library/parts/1010/1700000000/file.mkv', urlToken: 'abcd1234' });
  });

  it('reads a path as a local file, and file:// too', () => {
    expect(parsePersonTarget('/media/Show/S01E01.mkv')).toEqual({ kind: 'localFile', path: '/media/Show/S01E01.mkv' });
    expect(parsePersonTarget('clip 1.mkv')).toEqual({ kind: 'localFile', path: 'clip 1.mkv' });
    expect(parsePersonTarget('file:///media/a%20b.mkv')).toEqual({ kind: 'localFile', path: '/media/a b.mkv' });
  });

  it('reads a title as a search: not a number, a URL, a path, a media file or a name that exists', () => {
    const none = { exists: () => false };
    expect(parsePersonTarget('the office s02e03', none)).toEqual({ kind: 'search', text: 'the office s02e03' });
    expect(parsePersonTarget('  alien 1979 ', none)).toEqual({ kind: 'search', text: 'alien 1979' });
    expect(parsePersonTarget("Grey's Anatomy", none)).toEqual({ kind: 'search', text: "Grey's Anatomy" });
    expect(parsePersonTarget('Mr. Robot', none)).toEqual({ kind: 'search', text: 'Mr. Robot' });
  });

  it('keeps what looks like a file a file even when it is not there, so mpv says it is missing', () => {
    const none = { exists: () => false };
    expect(parsePersonTarget('film.mkv', none)).toEqual({ kind: 'localFile', path: 'film.mkv' });
    expect(parsePersonTarget('Movies/Alien', none)).toEqual({ kind: 'localFile', path: 'Movies/Alien' });
    expect(parsePersonTarget('./Alien', none)).toEqual({ kind: 'localFile', path: './Alien' });
    expect(parsePersonTarget('~/Alien', none)).toEqual({ kind: 'localFile', path: '~/Alien' });
  });

  it('takes a bare name that exists on this machine for the file, not a title', () => {
    expect(parsePersonTarget('Alien', { exists: (path) => path === 'Alien' })).toEqual({ kind: 'localFile', path: 'Alien' });
  });

  it('passes other URLs and mpv protocols through as they are', () => {
    expect(parsePersonTarget('https://example.com/stream.m3u8')).toMatchObject({ kind: 'otherUrl', url: 'https://example.com/stream.m3u8' });
    expect(parsePersonTarget('ytdl://abc')).toMatchObject({ kind: 'otherUrl', url: 'ytdl://abc' });
  });

  describe('malformed links give an error that says what is wrong', () => {
    const cases: Array<[string, RegExp]> = [
      [`https://app.plex.tv/desktop/#!/server/${MACHINE}/details`, /names no item \(no key=\)/],
      [`https://app.plex.tv/desktop/#!/server/${MACHINE}/details?key=%2Flibrary%2Fsections%2F1`, /key '\/library\/sections\/1' is not an item/],
      [`https://app.plex.tv/desktop/#!/server/${MACHINE}/details?key=%2Flibrary%2Fmetadata%2Fabc`, /is not an item/],
      ['https://app.plex.tv/desktop/#!/settings/account', /not a link to a Plex item/],
      [`https://app.plex.tv/desktop/#!/media/${MACHINE}/com.plexapp.plugins.library`, /names no item \(no key=\)/],
      [`https://app.plex.tv/desktop/#!/media/${MACHINE}/com.plexapp.plugins.library?key=%2Flibrary%2Fsections%2F1`, /key '\/library\/sections\/1' is not an item/],
      [`https://app.plex.tv/desktop/#!/media/${MACHINE}/tv.plex.provider.vod?key=%2Flibrary%2Fmetadata%2F1`, /not a link to a Plex item/],
      ['https://app.plex.tv/desktop/#!/media/ab%20cd/com.plexapp.plugins.library?key=%2Flibrary%2Fmetadata%2F1', /machine id 'ab cd' is not one/],
      ['https://app.plex.tv/desktop/#!/server//details?key=%2Flibrary%2Fmetadata%2F1', /not a link to a Plex item/],
      ['https://app.plex.tv/desktop/#!/server/ab%20cd/details?key=%2Flibrary%2Fmetadata%2F1', /machine id 'ab cd' is not one/],
      ['http://127.0.0.1:32400/library/metadata/', /not a Plex item address/],
      ['http://127.0.0.1:32400/library/parts/12/file.mkv', /not a Plex item address/],
      ['http://[::1/library/metadata/1', /not a valid URL/],
      ['   ', /no target/],
    ];
    for (const [link, message] of cases) {
      it(`rejects ${link.trim() || 'an empty target'}`, () => {
        expect(() => parsePersonTarget(link)).toThrow(PlayTargetError);
        expect(() => parsePersonTarget(link)).toThrow(message);
      });
    }
  });

  it('never shows a token from the link in its error', () => {
    expect(() => parsePersonTarget('http://127.0.0.1:32400/library/metadata/x?X-Plex-Token=SECRET-abc')).toThrow(/<redacted>/);
    try {
      parsePersonTarget('http://127.0.0.1:32400/library/metadata/x?X-Plex-Token=SECRET-abc');
    } catch (error) {
      expect(String(error)).not.toContain('SECRET-abc');
    }
  });
});

describe('checkMachineId', () => {
  const server = { machineIdentifier: MACHINE, name: 'Living Room' };

  it("accepts the configured server's machine id, whatever its case", () => {
    expect(() => checkMachineId(MACHINE.toUpperCase(), server)).not.toThrow();
  });

  it('rejects an unknown machine id, naming it and the configured server', () => {
    expect(() => checkMachineId('ffff', server)).toThrow(
      `the link is for the Plex server with machine id ffff, which is not the configured server 'Living Room' (machine id ${MACHINE})`,
    );
  });
});
