import { describe, expect, it } from 'vitest';
import { shownName } from '../../src/plex/schemas.js';
import { PlexClient } from '../../src/plex/client.js';
import { startPlexDouble } from '../plex-double/index.js';

describe('names a server gives, shown to the person', () => {
  it('lose their control characters where they enter: no escape sequence reaches the terminal', () => {
    expect(shownName.parse('Living\u001b[2J\u001b]0;pwned\u0007Room\n')).toBe('Living [2J ]0;pwned Room');
    expect(shownName.parse('\u0000\u009b')).toBe('');
  });

  it("so does a server's friendlyName, and one left empty counts as none", async () => {
    const double = await startPlexDouble({ token: 'tok', friendlyName: 'Den\u001b[31m' });
    try {
      const client = new PlexClient({ serverUrl: double.url, token: 'tok', clientIdentifier: 'test', version: '0' });
      expect((await client.serverInfo()).friendlyName).toBe('Den [31m');
    } finally {
      await double.stop();
    }
  });
});
