// What a refresh of the part index reads, against a server in memory: a section it does not
// know whole, a section whose updatedAt moved only for its changes, and, for a part id it
// misses when no updatedAt moved (a server that does not move it), every section's changes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlexClient, SectionPartsOptions } from '../../src/plex/client.js';
import type { PlexIndexItem } from '../../src/plex/schemas.js';
import { PartIndex } from '../../src/resolve/part-index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mps-index-refresh-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Item {
  readonly ratingKey: string;
  readonly partId: number;
  readonly file: string;
  readonly addedAt: number;
}

/** Two sections; `updatedAt` of each as the test sets it; the server's clock at 2,000,000,000. */
function memoryServer() {
  const clock = 2_000_000_000;
  const sections = [
    { key: '1', type: 'movie', updatedAt: clock - 100 },
    { key: '2', type: 'show', updatedAt: clock - 100 },
  ];
  const items = new Map<string, Item[]>([
    ['1', [{ ratingKey: '10', partId: 100, file: '/data/movies/A/A.mkv', addedAt: clock - 500 }]],
    ['2', [{ ratingKey: '20', partId: 200, file: '/data/tv/S/Season 01/S01E01.mkv', addedAt: clock - 500 }]],
  ]);
  const listings: { section: string; since: SectionPartsOptions['since'] | undefined }[] = [];
  const client = {
    serverUrl: 'http://memory.test:32400',
    librarySections: async () => ({ sections: sections.map((section) => ({ ...section })), serverSeconds: clock }),
    sectionParts: async (key: string, _type: number, onItem: (item: PlexIndexItem) => void, options: SectionPartsOptions = {}) => {
      listings.push({ section: key, since: options.since });
      for (const item of items.get(key) ?? []) {
        if (options.since && item.addedAt < options.since.epochSeconds) continue;
        onItem({ ratingKey: item.ratingKey, Media: [{ Part: [{ id: item.partId, file: item.file }] }] });
      }
    },
  } as unknown as PlexClient;
  const add = (section: string, item: Omit<Item, 'addedAt'>) => items.get(section)?.push({ ...item, addedAt: clock });
  return { client, sections, listings, add };
}

describe('a refresh of the part index', () => {
  it('lists unknown sections whole, then only the changes of the section whose updatedAt moved', async () => {
    const server = memoryServer();
    const index = new PartIndex({ cacheFile: join(dir, 'index.json') });
    expect(await index.byPartId(server.client, '100')).toBe('10');
    expect(server.listings).toEqual([
      { section: '1', since: undefined },
      { section: '2', since: undefined },
    ]);
    server.listings.length = 0;
    server.add('2', { ratingKey: '21', partId: 201, file: '/data/tv/S/Season 01/S01E02.mkv' });
    (server.sections[1] as { updatedAt: number }).updatedAt += 50;
    expect(await index.byPartId(server.client, '201')).toBe('21');
    expect(server.listings.map((listing) => [listing.section, listing.since?.field])).toEqual([
      ['2', 'addedAt'],
      ['2', 'updatedAt'],
    ]);
  });

  it("reads every section's changes for a part id it misses when no updatedAt moved, never for a file", async () => {
    const server = memoryServer();
    const index = new PartIndex({ cacheFile: join(dir, 'index.json'), minRebuildIntervalMs: 0 });
    expect(await index.byPartId(server.client, '100')).toBe('10');
    server.add('1', { ratingKey: '11', partId: 101, file: '/data/movies/B/B.mkv' });
    server.listings.length = 0;
    expect(await index.byFile(server.client, '/data/movies/B/B.mkv')).toBeNull();
    expect(server.listings).toEqual([]);
    expect(await index.byPartId(server.client, '101')).toBe('11');
    expect(server.listings.every((listing) => listing.since !== undefined)).toBe(true);
    expect(new Set(server.listings.map((listing) => listing.section))).toEqual(new Set(['1', '2']));
  });
});
