// The shared pieces of the address grammar both front doors read with.
import { describe, expect, it } from 'vitest';
import { decodeLeniently, itemRatingKey, metadataRatingKey, partId, urlOwnToken, webRoute, withoutOwnToken } from '../../src/address/plex-address.js';

describe('decodeLeniently', () => {
  it('decodes escapes as decodeURIComponent does when every one is well formed', () => {
    expect(decodeLeniently('/media/a%20b%C3%A9.mkv')).toBe('/media/a bé.mkv');
  });

  it('keeps a bare % as written and still decodes the escapes around it', () => {
    expect(decodeLeniently('/x/100% y%20z.mkv')).toBe('/x/100% y z.mkv');
  });

  it('keeps a run of escapes that is not UTF-8 as written', () => {
    expect(decodeLeniently('/x/%FF%FE.mkv')).toBe('/x/%FF%FE.mkv');
  });

  it('keeps an escape cut short at the end of the text as written', () => {
    expect(decodeLeniently('/x/a%2')).toBe('/x/a%2');
  });
});

describe('item and part paths', () => {
  it('reads an item from its own path and from a path under it', () => {
    expect(itemRatingKey('/library/metadata/12/')).toBe('12');
    expect(itemRatingKey('/library/metadata/12/children')).toBeNull();
    expect(metadataRatingKey('/library/metadata/12/children')).toBe('12');
  });

  it('reads a part id only from a whole direct-play path', () => {
    expect(partId('/library/parts/7/1700000000/a.mkv')).toBe('7');
    expect(partId('/library/parts/7/a.mkv')).toBeNull();
  });
});

describe('webRoute', () => {
  it('reads the machine id and query of the details route and of the newer media route', () => {
    expect(webRoute('#!/server/abc/details?key=%2Flibrary%2Fmetadata%2F1')).toEqual({ machineId: 'abc', query: 'key=%2Flibrary%2Fmetadata%2F1' });
    expect(webRoute('#!/media/abc/com.plexapp.plugins.library?key=%2Flibrary%2Fmetadata%2F1')).toEqual({ machineId: 'abc', query: 'key=%2Flibrary%2Fmetadata%2F1' });
  });

  it('finds no item route in a media route of another provider', () => {
    expect(webRoute('#!/media/abc/tv.plex.provider.vod?key=%2Flibrary%2Fmetadata%2F1')).toBeNull();
  });
});

describe("a URL's own token", () => {
  it('is read from X-Plex-Token and taken off a copy, the URL itself left as it was', () => {
    const url = new URL('http://h:32400/library/parts/1/2/a.mkv?X-Plex-Token=abcd1234&x=1');
    expect(urlOwnToken(url)).toBe('abcd1234');
    expect(withoutOwnToken(url).toString()).toBe('http://h:32400/library/parts/1/2/a.mkv?x=1');
    expect(urlOwnToken(url)).toBe('abcd1234');
  });
});
