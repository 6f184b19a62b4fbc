// The part index's cache file on a real disk: written durably, private, and whole after rebuilds
// for several servers that finish at once.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlexClient } from '../../src/plex/client.js';
import { PartIndex } from '../../src/resolve/part-index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mps-part-index-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A server whose one movie section lists `count` items, the first with part id `${n}000`. */
function server(n: number, count: number): PlexClient {
  const items = Array.from({ length: count }, (_, i) => ({
    ratingKey: `${n}-${i}`,
    Media: [{ Part: [{ id: n * 1000 + i, file: `/media/${n}/film-${i}-${'x'.repeat(60)}.mkv` }] }],
  }));
  return {
    serverUrl: `http://plex-${n}.test:32400`,
    librarySections: async () => ({ sections: [{ key: '1', type: 'movie', updatedAt: 1_700_000_000 }], serverSeconds: 1_800_000_000 }),
    sectionParts: async (_key: string, _type: number, onItem: (item: unknown) => void) => items.forEach(onItem),
  } as unknown as PlexClient;
}

describe('PartIndex cache file', () => {
  it('is read back by the next index, with mode 0600 and no temp file beside it', async () => {
    const cacheFile = join(dir, 'index.json');
    const client = server(1, 3);
    const index = new PartIndex({ cacheFile });
    expect(await index.byPartId(client, '1002')).toBe('1-2');
    await index.saved();
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['index.json']);
    // A server that would now list nothing: the answer can only come from the file.
    const empty = { ...server(1, 0), serverUrl: client.serverUrl } as PlexClient;
    expect(await new PartIndex({ cacheFile }).byPartId(empty, '1002')).toBe('1-2');
  });

  it('holds every server when rebuilds for several servers finish at once', async () => {
    const cacheFile = join(dir, 'index.json');
    const index = new PartIndex({ cacheFile });
    // The big one first: its write takes longest, and must not land over the later ones.
    const clients = [server(1, 20_000), server(2, 10), server(3, 10)];
    await Promise.all(clients.map((client, n) => index.byPartId(client, `${n + 1}000`)));
    await index.saved();
    const reread = new PartIndex({ cacheFile });
    const empties = clients.map((client) => ({ ...server(9, 0), serverUrl: client.serverUrl }) as PlexClient);
    expect(await Promise.all(empties.map((client, n) => reread.byPartId(client, `${n + 1}000`)))).toEqual(['1-0', '2-0', '3-0']);
    expect(readdirSync(dir)).toEqual(['index.json']);
  });
});
