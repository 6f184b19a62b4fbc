// Listings a server pages must end, whatever the server claims: against a real local server that
// answers section listings and allLeaves the way a broken or hostile one would (a totalSize of
// 10^12 with the same page every time, pages that never run dry, pages that overlap).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PlexClient } from '../../src/plex/client.js';

const TOKEN = 'paging-token-1618';
/** Past this many requests the server answers 500, so that a client without bounds fails its test instead of hanging. */
const SERVER_GIVES_UP_AFTER = 3_000;

let server: Server;
let url: string;
let requests = 0;
/** How the listing at /library/sections/1/all and /library/metadata/9/allLeaves answers. */
let listing: (start: number, size: number) => { entries: unknown[]; totalSize?: number } = () => ({ entries: [] });

const movie = (n: number) => ({
  ratingKey: String(n),
  type: 'movie',
  title: `Movie ${n}`,
  Media: [{ id: n, Part: [{ id: n, key: `/library/parts/${n}/1/file.mkv`, file: `/data/${n}.mkv` }] }],
});
const episode = (n: number) => ({ ...movie(n), type: 'episode', grandparentRatingKey: '9' });
const range = (from: number, count: number) => Array.from({ length: count }, (_, index) => from + index);

beforeAll(async () => {
  server = createServer((req, res) => {
    requests += 1;
    const reqUrl = new URL(req.url ?? '/', 'http://x');
    const param = (name: string) => Number(req.headers[name.toLowerCase()] ?? reqUrl.searchParams.get(name) ?? 0);
    if (requests > SERVER_GIVES_UP_AFTER) return void res.writeHead(500).end();
    const { entries, totalSize } = listing(param('X-Plex-Container-Start'), param('X-Plex-Container-Size'));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ MediaContainer: { size: entries.length, totalSize, Metadata: entries } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterEach(() => {
  requests = 0;
});

function client(extra: Partial<ConstructorParameters<typeof PlexClient>[0]> = {}): PlexClient {
  return new PlexClient({ serverUrl: url, token: TOKEN, clientIdentifier: 'test-client-0001', timeoutMs: 5_000, ...extra });
}

describe('a listing that never ends', () => {
  it('ends a section listing that claims 10^12 items and repeats the same 100 after two requests', async () => {
    listing = () => ({ entries: range(1, 100).map(movie), totalSize: 1e12 });
    const items = await client().sectionItems('1', 1);
    expect(items.map((item) => item.ratingKey)).toEqual(range(1, 100).map(String));
    expect(requests).toBeLessThanOrEqual(2);
  });

  it("ends a show's allLeaves that claims 10^12 episodes and repeats the same page, so play --next cannot hang", async () => {
    listing = () => ({ entries: range(1, 100).map(episode), totalSize: 1e12 });
    const leaves = await client().allLeaves('9');
    expect(leaves).toHaveLength(100);
    expect(requests).toBeLessThanOrEqual(2);
  });

  it('stops a listing whose every page brings new items at the item bound, and says that it stopped', async () => {
    listing = (start, size) => ({ entries: range(start + 1, size).map(movie), totalSize: 1e12 });
    const told: string[] = [];
    const items = await client({ listingLimits: { maxItems: 1_000 }, onSkippedItem: (text) => told.push(text) }).sectionItems('1', 1);
    expect(items).toHaveLength(1_000);
    expect(requests).toBeLessThanOrEqual(11);
    expect(told.join('\n')).toMatch(/stopped|more than 1000/i);
  });

  it('stops a listing at the page bound when each page brings only one new item', async () => {
    // The server pages by one whatever is asked: a trickle that the item bound alone would let run for long.
    listing = (start) => ({ entries: [movie(start + 1)], totalSize: 1e12 });
    const items = await client({ listingLimits: { maxPages: 50 } }).sectionItems('1', 1);
    expect(items).toHaveLength(50);
    expect(requests).toBe(50);
  });

  it('stops at an empty page even when totalSize says more are left', async () => {
    listing = (start) => ({ entries: start === 0 ? range(1, 100).map(movie) : [], totalSize: 1e12 });
    expect(await client().sectionItems('1', 1)).toHaveLength(100);
    expect(requests).toBe(2);
  });

  it('keeps each item once when every page repeats one from before', async () => {
    // Each page after the first opens with item 1 again, in place of one of its own.
    listing = (start) => ({ entries: (start === 0 ? range(1, 100) : [1, ...range(start + 2, 99)]).map(movie), totalSize: 400 });
    const items = await client().sectionItems('1', 1);
    const keys = items.map((item) => item.ratingKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((key) => key === '1')).toHaveLength(1);
    expect(keys).toHaveLength(397);
  });
});

describe('the bounds', () => {
  it('refuses a bound that is not a positive integer when the client is made, naming it', () => {
    expect(() => client({ listingLimits: { maxPages: 0 } })).toThrow(/limits\.maxPages/);
    expect(() => client({ listingLimits: { maxItems: Number.NaN } })).toThrow(/limits\.maxItems/);
  });
});

describe('a real library', () => {
  it('reads a section of 200,000 items whole with the default bounds', async () => {
    // The server answers 1,000 per page, more than asked, as a server may.
    listing = (start) => ({ entries: range(start + 1, Math.min(1_000, 200_000 - start)).map(movie), totalSize: 200_000 });
    const items = await client().sectionItems('1', 1);
    expect(items).toHaveLength(200_000);
    expect(items[199_999]?.ratingKey).toBe('200000');
    expect(requests).toBeLessThanOrEqual(201);
  }, 60_000);

  it('asks for pages of a bounded size and follows the server when it pages smaller', async () => {
    const asked: number[] = [];
    listing = (start, size) => {
      asked.push(size);
      return { entries: range(start + 1, Math.min(30, 250 - start)).map(movie), totalSize: 250 };
    };
    expect(await client().sectionItems('1', 1)).toHaveLength(250);
    expect(Math.max(...asked)).toBeLessThanOrEqual(1_000);
    expect(requests).toBe(9);
  });
});
