import { describe, expect, it } from 'vitest';
import { maskToken, redact, redactUrl, redactValue, registerSecret } from '../../src/log/redact.js';

describe('redaction', () => {
  it('removes token query parameters from URLs in any text', () => {
    expect(redact('GET http://h:32400/a?X-Plex-Token=abc123&x=1 failed')).toBe('GET http://h:32400/a?X-Plex-Token=<redacted>&x=1 failed');
    expect(redactUrl('https://u:p@h/a?token=zz')).toBe('https://h/a?token=<redacted>');
  });

  it('replaces a registered secret wherever it appears, whatever the form', () => {
    registerSecret('s3cr3t-token-xyz');
    expect(redact('header X-Plex-Token: s3cr3t-token-xyz and again s3cr3t-token-xyz')).toBe('header X-Plex-Token: <redacted> and again <redacted>');
  });

  it('hides token headers and token-named fields of logged objects, deeply, errors included', () => {
    expect(redactValue({ 'X-Plex-Token': 'a', Accept: 'application/json' })).toEqual({ 'X-Plex-Token': '<redacted>', Accept: 'application/json' });
    const error = new Error('at http://h/?X-Plex-Token=abc', { cause: new Error('s3cr3t-token-xyz') });
    expect(redactValue({ nested: { accessToken: 'q', list: [error] } })).toEqual({
      nested: { accessToken: '<redacted>', list: [{ name: 'Error', message: 'at http://h/?X-Plex-Token=<redacted>', cause: { name: 'Error', message: '<redacted>', cause: undefined } }] },
    });
  });

  it('masks a token as **** and at most its last 4 characters', () => {
    expect(maskToken('abcdefghijkl')).toBe('****ijkl');
    expect(maskToken('short')).toBe('****');
    expect(maskToken(null)).toBe('(none)');
  });
});
