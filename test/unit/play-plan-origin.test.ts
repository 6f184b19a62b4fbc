// Review (issue 11): the part key comes from the server's answer. Whatever it holds, the URL mpv
// gets the token header for must stay on the server's own origin.
import { describe, expect, it } from 'vitest';
import type { PlexClient } from '../../src/plex/client.js';
import { planEntries, PlayError, type ItemPlan } from '../../src/play/play-plan.js';
import { MetadataSchema } from '../../src/plex/schemas.js';

const SERVER = 'http://127.0.0.1:32400';

function planWithPartKey(key: string): ItemPlan {
  const meta = MetadataSchema.parse({ ratingKey: '5', type: 'movie', title: 'Film', Media: [{ Part: [{ id: 1, key }] }] });
  return { meta, client: { serverUrl: SERVER } as PlexClient, serverName: 'Living Room' };
}

describe('planEntries: the part key', () => {
  it.each([
    ['@evil.example/library/parts/1/2/f.mkv'],
    [':80@evil.example/f.mkv'],
    ['//evil.example/library/parts/1/2/f.mkv'],
    ['http://evil.example/library/parts/1/2/f.mkv'],
    ['.evil.example/f.mkv'],
  ])('refuses %s, which would take the token elsewhere', async (key) => {
    await expect(planEntries(planWithPartKey(key), { version: null, next: 0 }, 'X-Plex-Token: SECRET')).rejects.toThrow(PlayError);
  });

  it('keeps a key with .. on the server (the URL stays on its origin)', async () => {
    const [entry] = await planEntries(planWithPartKey('/library/parts/1/../../x/f.mkv'), { version: null, next: 0 }, 'X-Plex-Token: SECRET');
    expect(new URL(entry!.url).origin).toBe(SERVER);
  });

  it('plays an ordinary part key', async () => {
    const [entry] = await planEntries(planWithPartKey('/library/parts/1/2/f.mkv'), { version: null, next: 0 }, null);
    expect(entry!.url).toBe(`${SERVER}/library/parts/1/2/f.mkv`);
  });
});

describe('planEntries: --next with an episode that cannot be played', () => {
  function episode(ratingKey: string, parts: unknown[]): unknown {
    return { ratingKey, type: 'episode', title: `E${ratingKey}`, grandparentTitle: 'Show', grandparentRatingKey: '9', Media: [{ Part: parts }] };
  }

  it('queues the episodes around it, and still plays the one asked for', async () => {
    const leaves = [
      episode('11', [{ id: 1, key: '/library/parts/11/1/a.mkv' }]),
      episode('12', []),
      episode('13', [{ id: 3, key: '/library/parts/13/1/c.mkv' }]),
    ].map((leaf) => MetadataSchema.parse(leaf));
    const client = { serverUrl: SERVER, allLeaves: async () => leaves } as unknown as PlexClient;
    const plan: ItemPlan = { meta: leaves[0]!, client, serverName: 'Living Room' };
    const entries = await planEntries(plan, { version: null, next: 2 }, null);
    expect(entries.map((entry) => entry.ratingKey)).toEqual(['11', '13']);
  });
});
