// One odd item in a section listing must not make the others unresolvable: a real local server
// answers a listing where some items carry nulls Plex is not expected to send.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlexClient } from '../../src/plex/client.js';
import { PartIndex } from '../../src/resolve/part-index.js';

const TOKEN = 'listing-token-2718';
let server: Server;
let url: string;
let dir: string;

const movie = (ratingKey: string, partId: number, extra: Record<string, unknown> = {}) => ({
  ratingKey,
  type: 'movie',
  title: `Movie ${ratingKey}`,
  duration: 60_000,
  Media: [{ id: partId, Part: [{ id: partId, key: `/library/parts/${partId}/1/file.mkv`, file: `/data/movies/${ratingKey}.mkv` }] }],
  ...extra,
});

const LISTING = [
  movie('1', 11),
  // Unexpected nulls in fields that may be absent read as absent.
  movie('2', 12, { lastViewedAt: null, viewCount: null, viewOffset: null, grandparentTitle: null }),
  // Without a ratingKey or a part id the item cannot be used: skipped, the rest still listed.
  movie('3', 13, { ratingKey: null }),
  { ratingKey: '4', type: 'movie', title: 'Broken part', Media: [{ Part: [{ id: null, file: '/data/movies/4.mkv' }] }] },
  'not an item at all',
  movie('5', 15),
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mps-listing-'));
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body =
      path === '/library/sections'
        ? { MediaContainer: { Directory: [{ key: '1', type: 'movie', title: 'Movies', Location: [{ path: '/data/movies' }] }] } }
        : path === '/library/sections/1/all'
          ? { MediaContainer: { size: LISTING.length, totalSize: LISTING.length, offset: 0, Metadata: LISTING } }
          : path === '/library/metadata/2'
            ? { MediaContainer: { Metadata: [LISTING[1]] } }
            : { MediaContainer: {} };
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('a section listing with odd items', () => {
  it('lists every usable item, reads an unexpected null as absent, and skips and reports the odd ones', async () => {
    const skipped: string[] = [];
    const client = new PlexClient({ serverUrl: url, token: TOKEN, clientIdentifier: 'test-client-0001', onSkippedItem: (text) => skipped.push(text) });
    const items = await client.sectionItems('1', 1);
    expect(items.map((item) => item.ratingKey)).toEqual(['1', '2', '5']);
    expect(items[1]?.lastViewedAt).toBeUndefined();
    expect(items[1]?.viewCount).toBeUndefined();
    expect(skipped).toHaveLength(3);
    expect(skipped[0]).toMatch(/section 1.*item 3/);
    for (const text of skipped) expect(text).not.toContain(TOKEN);
  });

  it('still resolves the parts of the other items through the index', async () => {
    const client = new PlexClient({ serverUrl: url, token: TOKEN, clientIdentifier: 'test-client-0001' });
    const index = new PartIndex({ cacheFile: join(dir, 'index.json') });
    expect(await index.byPartId(client, '15')).toBe('5');
    expect(await index.byPartId(client, '12')).toBe('2');
  });

  it('reads an item with a null lastViewedAt on its own too', async () => {
    const client = new PlexClient({ serverUrl: url, token: TOKEN, clientIdentifier: 'test-client-0001' });
    const item = await client.metadata('2');
    expect(item.ratingKey).toBe('2');
    expect(item.lastViewedAt).toBeUndefined();
  });
});
