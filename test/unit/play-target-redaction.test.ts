// Review (issue 11): whatever a person pastes, play's error line (and its log) shows no token,
// also one that sits URL-encoded inside a Plex Web link's fragment.
import { describe, expect, it } from 'vitest';
import { parsePersonTarget, PlayTargetError } from '../../src/address/person-target.js';

function errorOf(text: string): string {
  try {
    parsePersonTarget(text);
  } catch (error) {
    if (error instanceof PlayTargetError) return error.message;
    throw error;
  }
  throw new Error(`${text} was taken`);
}

describe('parsePersonTarget errors show no token', () => {
  it.each([
    ['a token inside the encoded key', 'https://app.plex.tv/desktop/#!/server/abc/details?key=%2Flibrary%2Fmetadata%2F5%3FX-Plex-Token%3DSECRET1'],
    ['a token inside the encoded key, no item', 'https://app.plex.tv/desktop/#!/server/abc/details?key=%2Flibrary%2Fsections%3FX-Plex-Token%3DSECRET1'],
    ['a token as a parameter of the route', 'https://app.plex.tv/desktop/#!/server/abc/details?X-Plex-Token=SECRET1'],
    ['a token in the machine id', 'https://app.plex.tv/desktop/#!/server/a%20b%3FX-Plex-Token%3DSECRET1/details?key=%2Flibrary%2Fmetadata%2F5'],
    ['a token inside the encoded key of a media link', 'https://app.plex.tv/desktop/#!/media/abc/com.plexapp.plugins.library?key=%2Flibrary%2Fsections%3FX-Plex-Token%3DSECRET1'],
    ['a token in the machine id of a media link', 'https://app.plex.tv/desktop/#!/media/a%20b%3FX-Plex-Token%3DSECRET1/com.plexapp.plugins.library?key=%2Flibrary%2Fmetadata%2F5'],
    ['a token in a route that is not one', 'https://app.plex.tv/desktop/#!/media/abc?X-Plex-Token=SECRET1'],
    ['a token in a bad metadata path', 'http://h:32400/library/metadata/x?X-Plex-Token=SECRET1'],
    ['a token in an unparseable URL', 'http://[bad/library/metadata/5?X-Plex-Token=SECRET1'],
  ])('%s', (_what, text) => {
    expect(errorOf(text)).not.toContain('SECRET1');
  });
});

describe('parsePersonTarget: a file:// URL with a bare %', () => {
  it('is read as the file it names, not a URIError', () => {
    expect(parsePersonTarget('file:///tmp/100%.mkv')).toEqual({ kind: 'localFile', path: '/tmp/100%.mkv' });
  });
});
