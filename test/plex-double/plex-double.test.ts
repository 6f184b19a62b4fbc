// The Plex double's own tests, over real HTTP and a real websocket.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startPlexDouble, type PlexDouble } from './index.js';

const TOKEN = 'test-token-123';
const CLIENT = 'client-abc';
const LIB = 'com.plexapp.plugins.library';

let dir: string;
let mediaPath: string;
let media: Buffer;
let double: PlexDouble;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'plex-double-'));
  media = randomBytes(10_000);
  mediaPath = join(dir, 'clip.mkv');
  writeFileSync(mediaPath, media);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  double = await startPlexDouble({ token: TOKEN });
  seed(double);
});

afterEach(async () => {
  await double.stop();
});

function seed(target: PlexDouble): void {
  target.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
  target.addSection({ key: '2', type: 'show', title: 'TV Shows', locations: ['/data/tv', '/mnt/tv'] });
  target.addItem({ ratingKey: '101', type: 'movie', title: 'Clip', sectionKey: '1', durationMs: 100_000, partId: 1001, file: '/data/movies/Clip.mkv', mediaPath });
  target.addItem({ ratingKey: '102', type: 'movie', title: 'Other', sectionKey: '1', durationMs: 100_000, partId: 1002, file: '/data/movies/Other.mp4' });
  target.addItem({ ratingKey: '103', type: 'movie', title: 'Third', sectionKey: '1', durationMs: 100_000, partId: 1003, file: '/data/movies/Third.mkv' });
  target.addItem({
    ratingKey: '201',
    type: 'episode',
    title: 'Pilot',
    grandparentTitle: 'Show',
    parentIndex: 1,
    index: 1,
    sectionKey: '2',
    durationMs: 100_000,
    partId: 2001,
    file: '/data/tv/Show/S01/Show - s01e01.mkv',
  });
}

/** GET (or another method) with the token header and JSON, unless told otherwise. */
function call(
  path: string,
  init: { method?: string; headers?: Record<string, string>; token?: string | null; signal?: AbortSignal; redirect?: 'follow' | 'manual' } = {},
): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...init.headers };
  if (init.token !== null) headers['X-Plex-Token'] = init.token ?? TOKEN;
  return fetch(double.url + path, { method: init.method ?? 'GET', headers, signal: init.signal, redirect: init.redirect ?? 'follow' });
}

async function json(path: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await call(path, { headers });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { MediaContainer: Record<string, unknown> };
  return body.MediaContainer;
}

/** One timeline report from the default client, in the given session. */
async function report(ratingKey: string, state: string, time: number, session?: string): Promise<Response> {
  const headers: Record<string, string> = { 'X-Plex-Client-Identifier': CLIENT };
  if (session) headers['X-Plex-Session-Identifier'] = session;
  const res = await call(`/:/timeline?ratingKey=${ratingKey}&key=/library/metadata/${ratingKey}&state=${state}&time=${time}&duration=100000`, { headers });
  await res.arrayBuffer();
  return res;
}

describe('tokens', () => {
  it('answers 401 with Plex HTML when the token is missing', async () => {
    const res = await call('/library/sections', { token: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(await res.text()).toBe('<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>');
  });

  it('answers 401 when the token is wrong', async () => {
    const res = await call('/library/metadata/101', { token: 'nope' });
    expect(res.status).toBe(401);
  });

  it('serves /identity without a token', async () => {
    const res = await call('/identity', { token: null });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { MediaContainer: Record<string, unknown> };
    expect(body.MediaContainer).toMatchObject({ size: 0, claimed: true });
    expect(typeof body.MediaContainer['machineIdentifier']).toBe('string');
    expect(typeof body.MediaContainer['version']).toBe('string');
  });

  it('accepts the token in the query string and records that it came that way, redacted', async () => {
    const res = await fetch(`${double.url}/library/sections?X-Plex-Token=${TOKEN}`, { headers: { Accept: 'application/json' } });
    expect(res.status).toBe(200);
    await call('/library/sections');
    const [viaQuery, viaHeader] = double.requests;
    expect(viaQuery).toMatchObject({ method: 'GET', path: '/library/sections', tokenVia: 'query', status: 200 });
    expect(viaQuery?.query['X-Plex-Token']).toBe('<redacted>');
    expect(viaHeader).toMatchObject({ tokenVia: 'header' });
    expect(viaHeader?.headers['x-plex-token']).toBe('<redacted>');
    expect(JSON.stringify(double.requests)).not.toContain(TOKEN);
  });

  it('refuses the old token after setToken and accepts the new one', async () => {
    double.setToken('rotated');
    expect((await call('/library/sections')).status).toBe(401);
    expect((await call('/library/sections', { token: 'rotated' })).status).toBe(200);
  });
});

describe('server and library reads', () => {
  it('names itself at / with friendlyName, machineIdentifier and version', async () => {
    const mc = await json('/');
    expect(Object.keys(mc)).toEqual(expect.arrayContaining(['friendlyName', 'machineIdentifier', 'version']));
  });

  it('reports LibraryVideoPlayedThreshold in /:/prefs', async () => {
    const mc = await json('/:/prefs');
    const settings = mc['Setting'] as Array<Record<string, unknown>>;
    expect(settings.find((s) => s['id'] === 'LibraryVideoPlayedThreshold')).toMatchObject({ value: 90, type: 'int', default: 90 });
  });

  it('gives item metadata in Plex shape, leaving out viewCount, viewOffset and lastViewedAt while unset', async () => {
    const mc = await json('/library/metadata/101');
    const [item] = mc['Metadata'] as Array<Record<string, unknown>>;
    expect(item).toMatchObject({ ratingKey: '101', key: '/library/metadata/101', type: 'movie', title: 'Clip', duration: 100_000, librarySectionID: 1 });
    expect(item).not.toHaveProperty('viewCount');
    expect(item).not.toHaveProperty('viewOffset');
    expect(item).not.toHaveProperty('lastViewedAt');
    expect(typeof item?.['updatedAt']).toBe('number');
    const media = (item?.['Media'] as Array<Record<string, unknown>>)[0];
    const part = (media?.['Part'] as Array<Record<string, unknown>>)[0];
    expect(part).toMatchObject({ id: 1001, file: '/data/movies/Clip.mkv', size: 10_000, duration: 100_000, container: 'mkv' });
    expect(double.url + String(part?.['key'])).toBe(double.partUrl('101'));
  });

  it('answers in the odd shapes real servers send when asked to (realShapes), with the same facts', async () => {
    const odd = await startPlexDouble({ token: TOKEN, realShapes: true });
    try {
      seed(odd);
      const res = await fetch(`${odd.url}/library/metadata/201`, { headers: { 'X-Plex-Token': TOKEN, Accept: 'application/json' } });
      const [item] = ((await res.json()) as { MediaContainer: { Metadata: Array<Record<string, unknown>> } }).MediaContainer.Metadata;
      expect(item).toMatchObject({ ratingKey: '201', index: '1', parentIndex: '1', duration: '100000', viewCount: null, viewOffset: null, lastViewedAt: null });
      const media = (item?.['Media'] as Array<Record<string, unknown>>)[0];
      expect(media).toMatchObject({ id: '2001', optimizedForStreaming: 1 });
      expect((media?.['Part'] as Array<Record<string, unknown>>)[0]).toMatchObject({ id: '2001', optimizedForStreaming: true, size: 2 ** 32 });
    } finally {
      await odd.stop();
    }
  });

  it('gives episode fields for an episode', async () => {
    const mc = await json('/library/metadata/201');
    const [item] = mc['Metadata'] as Array<Record<string, unknown>>;
    expect(item).toMatchObject({ type: 'episode', grandparentTitle: 'Show', parentIndex: 1, index: 1 });
  });

  it('answers 404 for an unknown rating key', async () => {
    expect((await call('/library/metadata/999')).status).toBe(404);
  });

  it('answers XML when JSON is not asked for', async () => {
    const res = await fetch(`${double.url}/library/metadata/101`, { headers: { 'X-Plex-Token': TOKEN } });
    expect(res.headers.get('content-type')).toContain('xml');
    expect(await res.text()).toMatch(/<MediaContainer size="1"><Video ratingKey="101"/);
  });

  it('lists sections with their locations', async () => {
    const mc = await json('/library/sections');
    const dirs = mc['Directory'] as Array<Record<string, unknown>>;
    expect(dirs.map((d) => [d['key'], d['type'], d['title']])).toEqual([
      ['1', 'movie', 'Movies'],
      ['2', 'show', 'TV Shows'],
    ]);
    expect((dirs[1]?.['Location'] as Array<Record<string, unknown>>).map((l) => l['path'])).toEqual(['/data/tv', '/mnt/tv']);
  });

  it('lists the movies of a section for type=1 and the episodes for type=4', async () => {
    const movies = await json('/library/sections/1/all?type=1');
    expect((movies['Metadata'] as Array<Record<string, unknown>>).map((m) => m['ratingKey'])).toEqual(['101', '102', '103']);
    expect(movies).toMatchObject({ size: 3, totalSize: 3, offset: 0 });
    const episodes = await json('/library/sections/2/all?type=4');
    expect((episodes['Metadata'] as Array<Record<string, unknown>>).map((m) => m['ratingKey'])).toEqual(['201']);
  });

  it('pages a section listing by query parameters', async () => {
    const res = await call('/library/sections/1/all?type=1&X-Plex-Container-Start=1&X-Plex-Container-Size=1');
    expect(res.headers.get('x-plex-container-total-size')).toBe('3');
    const mc = ((await res.json()) as { MediaContainer: Record<string, unknown> }).MediaContainer;
    expect(mc).toMatchObject({ size: 1, totalSize: 3, offset: 1 });
    expect((mc['Metadata'] as Array<Record<string, unknown>>)[0]?.['ratingKey']).toBe('102');
  });

  it('pages a section listing by headers', async () => {
    const mc = await json('/library/sections/1/all?type=1', { 'X-Plex-Container-Start': '2', 'X-Plex-Container-Size': '5' });
    expect(mc).toMatchObject({ size: 1, totalSize: 3, offset: 2 });
  });

  it('pages at pageSize even when the client did not ask', async () => {
    await double.stop();
    double = await startPlexDouble({ token: TOKEN, pageSize: 2 });
    seed(double);
    const first = await json('/library/sections/1/all?type=1');
    expect(first).toMatchObject({ size: 2, totalSize: 3, offset: 0 });
    const asked = await json('/library/sections/1/all?type=1&X-Plex-Container-Size=100&X-Plex-Container-Start=2');
    expect(asked).toMatchObject({ size: 1, totalSize: 3, offset: 2 });
  });

  it('answers 404 for an unknown section', async () => {
    expect((await call('/library/sections/9/all?type=1')).status).toBe(404);
  });

  it('answers 404 for an unknown path', async () => {
    expect((await call('/no/such/thing')).status).toBe(404);
  });
});

describe('direct play', () => {
  it('serves the whole file with Accept-Ranges, token in the query as mpv sends it', async () => {
    const res = await fetch(`${double.partUrl('101')}?X-Plex-Token=${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await res.arrayBuffer()).equals(media)).toBe(true);
  });

  it('serves a byte range with 206 and Content-Range', async () => {
    const res = await fetch(double.partUrl('101'), { headers: { 'X-Plex-Token': TOKEN, Range: 'bytes=100-199' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 100-199/10000');
    expect(Buffer.from(await res.arrayBuffer()).equals(media.subarray(100, 200))).toBe(true);
  });

  it('serves open-ended and suffix ranges', async () => {
    const open = await fetch(double.partUrl('101'), { headers: { 'X-Plex-Token': TOKEN, Range: 'bytes=9990-' } });
    expect(open.headers.get('content-range')).toBe('bytes 9990-9999/10000');
    expect((await open.arrayBuffer()).byteLength).toBe(10);
    const suffix = await fetch(double.partUrl('101'), { headers: { 'X-Plex-Token': TOKEN, Range: 'bytes=-5' } });
    expect(suffix.headers.get('content-range')).toBe('bytes 9995-9999/10000');
    expect(Buffer.from(await suffix.arrayBuffer()).equals(media.subarray(9995))).toBe(true);
  });

  it('answers 416 for a range past the end', async () => {
    const res = await fetch(double.partUrl('101'), { headers: { 'X-Plex-Token': TOKEN, Range: 'bytes=10000-' } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */10000');
  });

  it('answers HEAD with the length and no body', async () => {
    const res = await fetch(double.partUrl('101'), { method: 'HEAD', headers: { 'X-Plex-Token': TOKEN } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('10000');
  });

  it('answers 404 for an unknown part and for a part with no local file', async () => {
    expect((await fetch(`${double.url}/library/parts/9999/1/file.mkv`, { headers: { 'X-Plex-Token': TOKEN } })).status).toBe(404);
    expect((await fetch(double.partUrl('102'), { headers: { 'X-Plex-Token': TOKEN } })).status).toBe(404);
  });

  it('refuses a part without the token', async () => {
    expect((await fetch(double.partUrl('101'))).status).toBe(401);
  });
});

describe('the watched rule', () => {
  it('counts one watch when a session reports below and then at the threshold', async () => {
    await report('101', 'playing', 50_000);
    expect(double.item('101')).toMatchObject({ viewCount: 0, viewOffset: 50_000 });
    await report('101', 'playing', 90_000);
    const item = double.item('101');
    expect(item).toMatchObject({ viewCount: 1, viewOffset: undefined });
    expect(item.lastViewedAt).toBeTypeOf('number');
    expect(double.history).toEqual([expect.objectContaining({ ratingKey: '101', via: 'timeline' })]);
  });

  it('counts the final stopped report at 100 percent as the crossing', async () => {
    await report('101', 'playing', 10_000);
    await report('101', 'stopped', 100_000);
    expect(double.item('101').viewCount).toBe(1);
    expect(double.sessions()).toEqual([]);
  });

  it('counts nothing and stores no offset when every report lies above the threshold', async () => {
    await report('101', 'playing', 95_000);
    await report('101', 'stopped', 99_000);
    expect(double.item('101')).toMatchObject({ viewCount: 0, viewOffset: undefined, lastViewedAt: undefined });
    expect(double.history).toEqual([]);
  });

  it('does not count a second crossing in the same session', async () => {
    await report('101', 'playing', 50_000, 's1');
    await report('101', 'playing', 95_000, 's1');
    await report('101', 'playing', 20_000, 's1');
    expect(double.item('101').viewOffset).toBe(20_000);
    await report('101', 'playing', 95_000, 's1');
    expect(double.item('101').viewCount).toBe(1);
  });

  it('counts again in a new session', async () => {
    await report('101', 'playing', 50_000, 's1');
    await report('101', 'stopped', 95_000, 's1');
    await report('101', 'playing', 50_000, 's2');
    await report('101', 'stopped', 95_000, 's2');
    expect(double.item('101').viewCount).toBe(2);
  });

  it('keys sessions by session identifier, so two at once count separately', async () => {
    await report('101', 'playing', 50_000, 'a');
    await report('101', 'playing', 95_000, 'b');
    expect(double.item('101').viewCount).toBe(0);
    await report('101', 'playing', 95_000, 'a');
    expect(double.item('101').viewCount).toBe(1);
  });

  it('counts a watch twice when a scrobble follows a crossing', async () => {
    await report('101', 'playing', 50_000);
    await report('101', 'stopped', 92_000);
    await call(`/:/scrobble?key=101&identifier=${LIB}`);
    expect(double.item('101').viewCount).toBe(2);
    expect(double.history.map((h) => h.via)).toEqual(['timeline', 'scrobble']);
  });

  it('ignores a report without a client identifier but records it', async () => {
    const res = await call('/:/timeline?ratingKey=101&key=/library/metadata/101&state=playing&time=50000&duration=100000');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ MediaContainer: { size: 0 } });
    expect(double.item('101')).toMatchObject({ viewCount: 0, viewOffset: undefined });
    expect(double.requests.at(-1)).toMatchObject({ path: '/:/timeline', status: 200 });
  });

  it('takes the client identifier from the query as well', async () => {
    await call(`/:/timeline?ratingKey=101&state=playing&time=50000&X-Plex-Client-Identifier=${CLIENT}`);
    expect(double.item('101').viewOffset).toBe(50_000);
  });

  it('uses the item duration when the report has none', async () => {
    const headers = { 'X-Plex-Client-Identifier': CLIENT };
    await call('/:/timeline?ratingKey=101&state=playing&time=10000', { headers });
    await call('/:/timeline?ratingKey=101&state=playing&time=90000', { headers });
    expect(double.item('101').viewCount).toBe(1);
  });

  it('answers 400 for a report missing ratingKey, state or time and 404 for an unknown item', async () => {
    const headers = { 'X-Plex-Client-Identifier': CLIENT };
    expect((await call('/:/timeline?state=playing&time=1', { headers })).status).toBe(400);
    expect((await call('/:/timeline?ratingKey=101&time=1', { headers })).status).toBe(400);
    expect((await call('/:/timeline?ratingKey=101&state=playing', { headers })).status).toBe(400);
    expect((await call('/:/timeline?ratingKey=999&state=playing&time=1', { headers })).status).toBe(404);
  });

  it('lists open sessions in /status/sessions', async () => {
    await report('101', 'paused', 30_000, 's9');
    const mc = await json('/status/sessions');
    const [session] = mc['Metadata'] as Array<Record<string, unknown>>;
    expect(session).toMatchObject({ ratingKey: '101', viewOffset: 30_000, Player: { state: 'paused' } });
    expect(typeof session?.['sessionKey']).toBe('string');
  });
});

describe('scrobble, unscrobble and progress', () => {
  it('scrobble adds a view, clears the offset and sets lastViewedAt', async () => {
    await report('101', 'paused', 40_000);
    const res = await call(`/:/scrobble?key=101&identifier=${LIB}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(double.item('101')).toMatchObject({ viewCount: 1, viewOffset: undefined });
    expect(double.item('101').lastViewedAt).toBeTypeOf('number');
  });

  it('scrobble accepts PUT', async () => {
    expect((await call(`/:/scrobble?key=101&identifier=${LIB}`, { method: 'PUT' })).status).toBe(200);
    expect(double.item('101').viewCount).toBe(1);
  });

  it('unscrobble resets the view count and the offset', async () => {
    await call(`/:/scrobble?key=101&identifier=${LIB}`);
    await call(`/:/scrobble?key=101&identifier=${LIB}`);
    await call(`/:/unscrobble?key=101&identifier=${LIB}`);
    expect(double.item('101')).toMatchObject({ viewCount: 0, viewOffset: undefined });
  });

  it('answers 400 without key or identifier and 404 for an unknown key', async () => {
    expect((await call(`/:/scrobble?identifier=${LIB}`)).status).toBe(400);
    expect((await call('/:/scrobble?key=101')).status).toBe(400);
    expect((await call(`/:/unscrobble?key=999&identifier=${LIB}`)).status).toBe(404);
    expect(double.item('101').viewCount).toBe(0);
  });

  it('progress sets the offset below the threshold and ignores it at or above', async () => {
    expect((await call(`/:/progress?key=101&identifier=${LIB}&time=30000&state=stopped`)).status).toBe(200);
    expect(double.item('101').viewOffset).toBe(30_000);
    await call(`/:/progress?key=101&identifier=${LIB}&time=95000&state=stopped`);
    expect(double.item('101')).toMatchObject({ viewOffset: 30_000, viewCount: 0 });
  });
});

describe('faults', () => {
  it('answers a status fault the given number of times, then normally', async () => {
    double.fault({ match: '/:/scrobble', kind: 'status', status: 503, retryAfterSeconds: 7, times: 2 });
    const first = await call(`/:/scrobble?key=101&identifier=${LIB}`);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('7');
    expect((await call(`/:/scrobble?key=101&identifier=${LIB}`)).status).toBe(503);
    expect(double.item('101').viewCount).toBe(0);
    expect((await call(`/:/scrobble?key=101&identifier=${LIB}`)).status).toBe(200);
    expect(double.item('101').viewCount).toBe(1);
    expect(double.requests.map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('answers 429 with Retry-After to requests past a concurrency limit, and serves the rest', async () => {
    const slow = await startPlexDouble({ token: TOKEN, latencyMs: 100 });
    try {
      seed(slow);
      slow.fault({ match: '/library/metadata', kind: 'concurrency', limit: 2, retryAfterSeconds: 3 });
      const get = () => fetch(`${slow.url}/library/metadata/101`, { headers: { 'X-Plex-Token': TOKEN } });
      const answers = await Promise.all([get(), get(), get(), get()]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 429, 429]);
      expect(answers.find((r) => r.status === 429)?.headers.get('retry-after')).toBe('3');
      // Once the crowd has gone, a request is within the limit again.
      expect((await get()).status).toBe(200);
    } finally {
      await slow.stop();
    }
  });

  it('leaves a 429 of the concurrency limit without effect and spends no hit within the limit', async () => {
    const slow = await startPlexDouble({ token: TOKEN, latencyMs: 50 });
    try {
      seed(slow);
      slow.fault({ match: '/:/scrobble', kind: 'concurrency', limit: 1, times: 1 });
      const scrobble = () => fetch(`${slow.url}/:/scrobble?key=101&identifier=${LIB}`, { headers: { 'X-Plex-Token': TOKEN } });
      expect((await scrobble()).status).toBe(200);
      const both = await Promise.all([scrobble(), scrobble()]);
      expect(both.map((r) => r.status).sort()).toEqual([200, 429]);
      // The rule's one hit went to the 429; the next crowd is served in full.
      expect((await Promise.all([scrobble(), scrobble()])).map((r) => r.status)).toEqual([200, 200]);
      expect(slow.item('101').viewCount).toBe(4);
    } finally {
      await slow.stop();
    }
  });

  it('matches a RegExp against the path and leaves other paths alone', async () => {
    double.fault({ match: /^\/:\/(timeline|scrobble)$/, kind: 'status', status: 500 });
    expect((await call(`/:/scrobble?key=101&identifier=${LIB}`)).status).toBe(500);
    expect((await call('/library/metadata/101')).status).toBe(200);
    double.clearFaults();
    expect((await call(`/:/scrobble?key=101&identifier=${LIB}`)).status).toBe(200);
  });

  it('answers a redirect fault with the new place, keeping path and query, and applies nothing', async () => {
    double.fault({ match: '/:/scrobble', kind: 'redirect', to: 'http://127.0.0.1:9/', times: 1 });
    const moved = await call(`/:/scrobble?key=101&identifier=${LIB}`, { redirect: 'manual' });
    expect(moved.status).toBe(302);
    expect(moved.headers.get('location')).toBe(`http://127.0.0.1:9/:/scrobble?key=101&identifier=${LIB}`);
    expect(double.item('101').viewCount).toBe(0);
    double.fault({ match: '/library/metadata', kind: 'redirect', to: 'http://127.0.0.1:9', status: 308 });
    expect((await call('/library/metadata/101', { redirect: 'manual' })).status).toBe(308);
    expect(() => double.fault({ match: '/', kind: 'redirect', to: 'not a url' })).toThrow(TypeError);
  });

  it('answers every page of a listing under an endless-listing fault with its first page, claiming 10^12 items', async () => {
    double.fault({ match: /^\/library\/(sections\/[^/]+\/all|metadata\/[^/]+\/allLeaves)$/, kind: 'endless-listing' });
    const first = await json('/library/sections/1/all?X-Plex-Container-Start=0&X-Plex-Container-Size=2');
    const later = await json('/library/sections/1/all?X-Plex-Container-Start=1000&X-Plex-Container-Size=2');
    expect(first['totalSize']).toBe(1e12);
    expect(later['offset']).toBe(0);
    expect((later['Metadata'] as { ratingKey: string }[]).map((item) => item.ratingKey)).toEqual(
      (first['Metadata'] as { ratingKey: string }[]).map((item) => item.ratingKey),
    );
    // A path the rule matches that is no listing answers as usual.
    expect((await json('/library/metadata/101'))['size']).toBe(1);
  });

  it('sends a body that never ends under an endless-body fault, until the client goes away', async () => {
    double.fault({ match: '/library/metadata', kind: 'endless-body' });
    const giveUp = new AbortController();
    const res = await call('/library/metadata/101', { signal: giveUp.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let bytes = 0;
    while (bytes < 4 * 1024 * 1024) bytes += (await reader.read()).value?.byteLength ?? 0;
    giveUp.abort();
    await expect(reader.read()).rejects.toThrow();
    expect(double.item('101').viewCount).toBe(0);
    double.clearFaults();
    expect((await call('/library/metadata/101')).status).toBe(200);
  });

  it('drops the connection without an answer and records status 0', async () => {
    double.fault({ match: '/library/metadata', kind: 'drop' });
    await expect(call('/library/metadata/101')).rejects.toThrow();
    expect(double.requests[0]).toMatchObject({ path: '/library/metadata/101', status: 0 });
  });

  it('holds a timed-out request until the client gives up', async () => {
    double.fault({ match: '/:/timeline', kind: 'timeout', times: 1 });
    const started = Date.now();
    await expect(call('/:/timeline?ratingKey=101&state=playing&time=1', { signal: AbortSignal.timeout(200) })).rejects.toThrow(/abort|timeout/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(double.requests[0]).toMatchObject({ status: 0 });
    expect((await call('/:/timeline?ratingKey=101&state=playing&time=1')).status).toBe(200);
  });

  it('can let a timed-out request take effect though its answer is lost', async () => {
    double.fault({ match: '/:/scrobble', kind: 'timeout', applies: true });
    await expect(call(`/:/scrobble?key=101&identifier=${LIB}`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    expect(double.item('101').viewCount).toBe(1);
  });

  it('delays an answer by the given time', async () => {
    double.fault({ match: '/identity', kind: 'delay', ms: 150 });
    const started = Date.now();
    expect((await call('/identity')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('adds latencyMs before every answer', async () => {
    await double.stop();
    double = await startPlexDouble({ token: TOKEN, latencyMs: 120 });
    const started = Date.now();
    expect((await call('/identity')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('refuses connections while down and comes up on the same port with its state', async () => {
    await call(`/:/scrobble?key=101&identifier=${LIB}`);
    const { url } = double;
    await double.goDown();
    // On a connection of its own: fetch would reuse the kept-alive one that going down closed,
    // and read ECONNRESET or ECONNREFUSED as the race between the two went.
    const error = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
      get(`${double.url}/identity`, { agent: false }, (response) => reject(new Error(`answered ${response.statusCode}`))).on('error', resolve);
    });
    expect(error.code).toBe('ECONNREFUSED');
    await double.comeUp();
    expect(double.url).toBe(url);
    const mc = await json('/library/metadata/101');
    expect((mc['Metadata'] as Array<Record<string, unknown>>)[0]?.['viewCount']).toBe(1);
  });

  it('ends a held request when it stops', async () => {
    double.fault({ match: '/identity', kind: 'timeout' });
    const pending = call('/identity').catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await double.stop();
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('notifications', () => {
  /** Opens the notification socket and collects parsed frames. */
  async function listen(query = ''): Promise<{ ws: WebSocket; frames: Array<Record<string, unknown>> }> {
    const ws = new WebSocket(`${double.url.replace('http', 'ws')}/:/websockets/notifications${query}`, {
      headers: query ? {} : { 'X-Plex-Token': TOKEN },
    });
    const frames: Array<Record<string, unknown>> = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return { ws, frames };
  }

  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(check()).toBe(true);
  }

  it('sends a playing frame for a timeline report and an activity frame for a counted watch', async () => {
    const { ws, frames } = await listen();
    await report('101', 'playing', 50_000);
    await report('101', 'stopped', 95_000);
    await until(() => frames.length >= 3);
    ws.close();
    const [playing, stopped, activity] = frames.map((f) => f['NotificationContainer'] as Record<string, unknown>);
    expect(playing).toMatchObject({
      type: 'playing',
      size: 1,
      PlaySessionStateNotification: [{ ratingKey: '101', key: '/library/metadata/101', viewOffset: 50_000, state: 'playing', clientIdentifier: CLIENT }],
    });
    expect(stopped).toMatchObject({ type: 'playing' });
    expect(activity).toMatchObject({
      type: 'activity',
      ActivityNotification: [{ event: 'ended', Activity: { type: 'library.refresh.items', Context: { key: '/library/metadata/101' } } }],
    });
  });

  it('accepts the token in the query and notifies a change made on another device', async () => {
    const { ws, frames } = await listen(`?X-Plex-Token=${TOKEN}`);
    double.markWatchedElsewhere('201');
    await until(() => frames.length >= 1);
    ws.close();
    expect(frames[0]).toMatchObject({ NotificationContainer: { type: 'activity' } });
    expect(double.item('201').viewCount).toBe(1);
    expect(double.history).toEqual([expect.objectContaining({ ratingKey: '201', via: 'elsewhere' })]);
  });

  it('moves the resume point when another device reports and says so', async () => {
    const { ws, frames } = await listen();
    double.reportFromOtherDevice('101', 12_000);
    await until(() => frames.length >= 2);
    ws.close();
    expect(double.item('101').viewOffset).toBe(12_000);
    expect(frames.map((f) => (f['NotificationContainer'] as Record<string, unknown>)['type'])).toEqual(['playing', 'activity']);
  });

  it('refuses the websocket with 401 without a token', async () => {
    const ws = new WebSocket(`${double.url.replace('http', 'ws')}/:/websockets/notifications`);
    const status = await new Promise<number | undefined>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.once('error', () => resolve(undefined));
    });
    expect(status).toBe(401);
    expect(double.requests[0]).toMatchObject({ path: '/:/websockets/notifications', status: 401 });
  });
});

describe('audio and subtitle streams', () => {
  /** An item whose part has two audio streams, an embedded subtitle and a separate subtitle file. */
  function addStreamsItem(): string {
    const subtitleFile = join(dir, 'external.srt');
    writeFileSync(subtitleFile, '1\n00:00:00,000 --> 00:00:05,000\nhello\n');
    double.addItem({
      ratingKey: '301',
      type: 'movie',
      title: 'Streams',
      sectionKey: '1',
      durationMs: 100_000,
      partId: 3001,
      file: '/data/movies/Streams.mkv',
      streams: [
        { id: 11, streamType: 1, index: 0, codec: 'h264' },
        { id: 12, streamType: 2, index: 1, codec: 'aac', languageCode: 'eng', language: 'English', selected: true },
        { id: 13, streamType: 2, index: 2, codec: 'aac', languageCode: 'ger', language: 'Deutsch' },
        { id: 14, streamType: 3, index: 3, codec: 'srt', languageCode: 'eng', language: 'English' },
        { id: 15, streamType: 3, codec: 'srt', languageCode: 'fre', language: 'Français', filePath: subtitleFile },
      ],
    });
    return subtitleFile;
  }

  async function partStreams(): Promise<Array<Record<string, unknown>>> {
    const container = await json('/library/metadata/301');
    const item = (container['Metadata'] as Array<Record<string, unknown>>)[0]!;
    const part = ((item['Media'] as Array<Record<string, unknown>>)[0]!['Part'] as Array<Record<string, unknown>>)[0]!;
    return part['Stream'] as Array<Record<string, unknown>>;
  }

  it("lists a part's streams with selected on the stored choice, and a separate file by its key", async () => {
    addStreamsItem();
    const streams = await partStreams();
    expect(streams.map((stream) => [stream['id'], stream['streamType'], stream['index'], stream['selected'], stream['key']])).toEqual([
      [11, 1, 0, undefined, undefined],
      [12, 2, 1, true, undefined],
      [13, 2, 2, undefined, undefined],
      [14, 3, 3, undefined, undefined],
      [15, 3, undefined, undefined, '/library/streams/15'],
    ]);
    expect(double.streamSelection('301')).toEqual({ audioStreamID: 12, subtitleStreamID: null });
  });

  it('stores a choice sent with PUT /library/parts/<id>, and 0 turns subtitles off', async () => {
    addStreamsItem();
    const put = await call('/library/parts/3001?audioStreamID=13&subtitleStreamID=14&allParts=1', { method: 'PUT' });
    expect(put.status).toBe(200);
    expect(double.streamSelection('301')).toEqual({ audioStreamID: 13, subtitleStreamID: 14 });
    expect((await partStreams()).filter((stream) => stream['selected']).map((stream) => stream['id'])).toEqual([13, 14]);
    expect((await call('/library/parts/3001?subtitleStreamID=0&allParts=1', { method: 'PUT' })).status).toBe(200);
    expect(double.streamSelection('301')).toEqual({ audioStreamID: 13, subtitleStreamID: null });
  });

  it("refuses a stream id that is not one of the part's, of that kind, with 400; an unknown part with 404", async () => {
    addStreamsItem();
    expect((await call('/library/parts/3001?audioStreamID=14', { method: 'PUT' })).status).toBe(400);
    expect((await call('/library/parts/3001?subtitleStreamID=12', { method: 'PUT' })).status).toBe(400);
    expect((await call('/library/parts/3001?audioStreamID=999', { method: 'PUT' })).status).toBe(400);
    expect((await call('/library/parts/3001?audioStreamID=abc', { method: 'PUT' })).status).toBe(400);
    expect((await call('/library/parts/3001?allParts=1', { method: 'PUT' })).status).toBe(400);
    expect((await call('/library/parts/9999?audioStreamID=13', { method: 'PUT' })).status).toBe(404);
    expect((await call('/library/parts/3001?audioStreamID=13', { method: 'PUT', token: 'wrong' })).status).toBe(401);
    expect(double.streamSelection('301')).toEqual({ audioStreamID: 12, subtitleStreamID: null });
  });

  it('serves a separate subtitle file at /library/streams/<id>, with the token only', async () => {
    const file = addStreamsItem();
    const res = await call('/library/streams/15');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(readFileSync(file, 'utf8'));
    expect((await call('/library/streams/15', { token: null })).status).toBe(401);
    // An embedded stream is no file of its own.
    expect((await call('/library/streams/14')).status).toBe(404);
  });
});

describe('shows, seasons and versions', () => {
  /** A MediaContainer read loosely: these tests look deep into it. */
  const listing = (path: string): Promise<any> => json(path);

  /** A show with two seasons of two episodes each, added out of order on purpose. */
  function seedShow(target: PlexDouble): void {
    target.addShow({ ratingKey: '300', title: 'The Show', sectionKey: '2' });
    target.addSeason({ ratingKey: '320', showRatingKey: '300', index: 2 });
    target.addSeason({ ratingKey: '310', showRatingKey: '300', index: 1 });
    const episode = (ratingKey: string, season: string, index: number, partId: number) =>
      target.addItem({ ratingKey, type: 'episode', title: `Episode ${ratingKey}`, parentRatingKey: season, index, sectionKey: '2', durationMs: 60_000, partId, file: `/data/tv/The Show/${ratingKey}.mkv` });
    episode('322', '320', 2, 3022);
    episode('312', '310', 2, 3012);
    episode('311', '310', 1, 3011);
    episode('321', '320', 1, 3021);
  }

  it("gives an episode its season and show: parentRatingKey, grandparentRatingKey, titles and keys", async () => {
    seedShow(double);
    const body = await listing('/library/metadata/321');
    expect(body['Metadata'][0]).toMatchObject({
      ratingKey: '321',
      type: 'episode',
      parentRatingKey: '320',
      grandparentRatingKey: '300',
      parentKey: '/library/metadata/320',
      grandparentKey: '/library/metadata/300',
      parentTitle: 'Season 2',
      grandparentTitle: 'The Show',
      parentIndex: 2,
      index: 1,
    });
  });

  it('gives a show and a season as directories with their counts', async () => {
    seedShow(double);
    expect((await listing('/library/metadata/300'))['Metadata'][0]).toMatchObject({ ratingKey: '300', type: 'show', key: '/library/metadata/300/children', childCount: 2, leafCount: 4 });
    expect((await listing('/library/metadata/310'))['Metadata'][0]).toMatchObject({ type: 'season', index: 1, parentRatingKey: '300', parentTitle: 'The Show', leafCount: 2 });
  });

  it("lists a show's seasons and a season's episodes in order under /children", async () => {
    seedShow(double);
    const seasons = await listing('/library/metadata/300/children');
    expect(seasons['Metadata'].map((s: { ratingKey: string }) => s.ratingKey)).toEqual(['310', '320']);
    expect(seasons).toMatchObject({ size: 2, viewGroup: 'season', title1: 'The Show' });
    const episodes = await listing('/library/metadata/320/children');
    expect(episodes['Metadata'].map((e: { ratingKey: string }) => e.ratingKey)).toEqual(['321', '322']);
    expect(episodes).toMatchObject({ viewGroup: 'episode', parentIndex: 2, title2: 'Season 2' });
  });

  it("lists every episode of a show under /allLeaves, season after season, paged when asked", async () => {
    seedShow(double);
    const all = await listing('/library/metadata/300/allLeaves');
    expect(all['Metadata'].map((e: { ratingKey: string }) => e.ratingKey)).toEqual(['311', '312', '321', '322']);
    expect(all).toMatchObject({ size: 4, totalSize: 4 });
    const page = await listing('/library/metadata/300/allLeaves?X-Plex-Container-Start=1&X-Plex-Container-Size=2');
    expect(page['Metadata'].map((e: { ratingKey: string }) => e.ratingKey)).toEqual(['312', '321']);
    expect(page).toMatchObject({ size: 2, totalSize: 4, offset: 1 });
  });

  it('answers 404 for the children of an unknown key, and an empty container for an item', async () => {
    seedShow(double);
    expect((await call('/library/metadata/999/children')).status).toBe(404);
    expect((await call('/library/metadata/999/allLeaves')).status).toBe(404);
    expect(await listing('/library/metadata/101/children')).toEqual({ size: 0 });
  });

  it('gives an item with several versions one Media each, each part served', async () => {
    double.addItem({
      ratingKey: '150',
      type: 'movie',
      title: 'Two Cuts',
      sectionKey: '1',
      durationMs: 100_000,
      partId: 1500,
      file: '/data/movies/Two Cuts 1080p.mkv',
      mediaPath,
      media: { videoResolution: '1080', videoCodec: 'h264', width: 1920, height: 1080 },
      versions: [{ partId: 1501, file: '/data/movies/Two Cuts 720p.mp4', mediaPath, videoResolution: '720', videoCodec: 'hevc', height: 720 }],
    });
    const versions = (await listing('/library/metadata/150'))['Metadata'][0]['Media'];
    expect(versions).toHaveLength(2);
    expect(versions[0]).toMatchObject({ id: 1500, videoResolution: '1080', videoCodec: 'h264', container: 'mkv', Part: [{ id: 1500, file: '/data/movies/Two Cuts 1080p.mkv', size: 10_000 }] });
    expect(versions[1]).toMatchObject({ id: 1501, videoResolution: '720', videoCodec: 'hevc', container: 'mp4', Part: [{ id: 1501, file: '/data/movies/Two Cuts 720p.mp4' }] });
    const second = await call(versions[1]['Part'][0]['key']);
    expect(second.status).toBe(200);
    expect(Buffer.from(await second.arrayBuffer()).equals(media)).toBe(true);
  });

  it('refuses a version whose part id is taken', () => {
    expect(() =>
      double.addItem({ ratingKey: '151', type: 'movie', title: 'X', sectionKey: '1', durationMs: 1000, partId: 1510, file: '/x.mkv', versions: [{ partId: 1001, file: '/y.mkv' }] }),
    ).toThrow(/already used/);
  });
});

describe('markers', () => {
  function addWithMarkers(): void {
    double.addItem({
      ratingKey: '160',
      type: 'episode',
      title: 'Marked',
      sectionKey: '2',
      durationMs: 100_000,
      partId: 1600,
      file: '/data/tv/Marked.mkv',
      markers: [
        { type: 'credits', startTimeOffset: 92_000, endTimeOffset: 100_000, final: true },
        { type: 'intro', startTimeOffset: 5_000, endTimeOffset: 20_000 },
      ],
    });
  }

  it('lists an item\'s markers only when asked with includeMarkers=1, final only on the final credits', async () => {
    addWithMarkers();
    const plain = (await json('/library/metadata/160'))['Metadata'] as Array<Record<string, unknown>>;
    expect(plain[0]).not.toHaveProperty('Marker');
    const asked = (await json('/library/metadata/160?includeMarkers=1'))['Metadata'] as Array<Record<string, unknown>>;
    expect(asked[0]!['Marker']).toEqual([
      { id: 1, type: 'credits', startTimeOffset: 92_000, endTimeOffset: 100_000, final: true },
      { id: 2, type: 'intro', startTimeOffset: 5_000, endTimeOffset: 20_000 },
    ]);
  });

  it('sends no Marker list for an item without markers, even when asked', async () => {
    const asked = (await json('/library/metadata/101?includeMarkers=1'))['Metadata'] as Array<Record<string, unknown>>;
    expect(asked[0]).not.toHaveProperty('Marker');
  });

  it('refuses a marker that ends before it starts', () => {
    expect(() =>
      double.addItem({ ratingKey: '161', type: 'movie', title: 'X', sectionKey: '1', durationMs: 1000, partId: 1610, file: '/x161.mkv', markers: [{ type: 'intro', startTimeOffset: 500, endTimeOffset: 400 }] }),
    ).toThrow(/end after it starts/);
  });
});

describe('the played-at behaviour (LibraryVideoPlayedAtBehaviour)', () => {
  /** Episode 170: first credits at 70 %, final credits (flagged) at 85 %, a last unflagged one at 95 %. */
  function addCredits(ratingKey = '170', markers?: Parameters<PlexDouble['addItem']>[0]['markers']): void {
    double.addItem({
      ratingKey,
      type: 'episode',
      title: 'Credits',
      sectionKey: '2',
      durationMs: 100_000,
      partId: Number(ratingKey) * 10,
      file: `/data/tv/Credits-${ratingKey}.mkv`,
      markers: markers ?? [
        { type: 'intro', startTimeOffset: 2_000, endTimeOffset: 10_000 },
        { type: 'credits', startTimeOffset: 70_000, endTimeOffset: 75_000 },
        { type: 'credits', startTimeOffset: 85_000, endTimeOffset: 92_000, final: true },
        { type: 'credits', startTimeOffset: 95_000, endTimeOffset: 100_000 },
      ],
    });
  }

  /** Reports below, then at `at`, in one session: viewCount after each. */
  async function crossAt(at: number, ratingKey = '170'): Promise<number[]> {
    await report(ratingKey, 'playing', 10_000, `s-${at}`);
    await report(ratingKey, 'playing', at - 1, `s-${at}`);
    const before = double.item(ratingKey).viewCount;
    await report(ratingKey, 'playing', at, `s-${at}`);
    return [before, double.item(ratingKey).viewCount];
  }

  it('lists LibraryVideoPlayedAtBehaviour in /:/prefs, 3 by default, and both prefs as set per test', async () => {
    const settings = () => json('/:/prefs').then((mc) => mc['Setting'] as Array<Record<string, unknown>>);
    expect((await settings()).find((s) => s['id'] === 'LibraryVideoPlayedAtBehaviour')).toMatchObject({ value: 3, type: 'int', default: 3 });
    double.setPlayedPrefs({ threshold: 80, behaviour: 1 });
    const now = await settings();
    expect(now.find((s) => s['id'] === 'LibraryVideoPlayedThreshold')).toMatchObject({ value: 80 });
    expect(now.find((s) => s['id'] === 'LibraryVideoPlayedAtBehaviour')).toMatchObject({ value: 1 });
    expect(() => double.setPlayedPrefs({ behaviour: 4 as never })).toThrow(/0, 1, 2 or 3/);
  });

  it('takes both prefs as constructor options', async () => {
    const other = await startPlexDouble({ token: TOKEN, playedThreshold: 95, playedAtBehaviour: 0 });
    try {
      const res = await fetch(`${other.url}/:/prefs`, { headers: { Accept: 'application/json', 'X-Plex-Token': TOKEN } });
      const settings = ((await res.json()) as { MediaContainer: { Setting: Array<Record<string, unknown>> } }).MediaContainer.Setting;
      expect(settings.filter((s) => String(s['id']).startsWith('LibraryVideoPlayed')).map((s) => s['value'])).toEqual([95, 0]);
    } finally {
      await other.stop();
    }
  });

  it('0: counts at the threshold, not at the credits', async () => {
    double.setPlayedPrefs({ behaviour: 0 });
    addCredits();
    expect(double.markPointMs('170')).toBe(90_000);
    expect(await crossAt(85_000)).toEqual([0, 0]);
    expect(await crossAt(90_000)).toEqual([0, 1]);
  });

  it('1: counts at the credits flagged final, even when later credits follow', async () => {
    double.setPlayedPrefs({ behaviour: 1 });
    addCredits();
    expect(double.markPointMs('170')).toBe(85_000);
    expect(await crossAt(80_000)).toEqual([0, 0]);
    expect(await crossAt(85_000)).toEqual([0, 1]);
  });

  it('1 without a final flag: counts at the last credits by time', async () => {
    double.setPlayedPrefs({ behaviour: 1 });
    addCredits('171', [
      { type: 'credits', startTimeOffset: 70_000, endTimeOffset: 75_000 },
      { type: 'credits', startTimeOffset: 93_000, endTimeOffset: 100_000 },
    ]);
    expect(double.markPointMs('171')).toBe(93_000);
    expect(await crossAt(93_000, '171')).toEqual([0, 1]);
  });

  it('2: counts at the first credits', async () => {
    double.setPlayedPrefs({ behaviour: 2 });
    addCredits();
    expect(double.markPointMs('170')).toBe(70_000);
    expect(await crossAt(70_000)).toEqual([0, 1]);
  });

  it('3 (the default): counts at the earlier of the threshold and the first credits', async () => {
    addCredits();
    expect(double.markPointMs('170')).toBe(70_000);
    expect(await crossAt(70_000)).toEqual([0, 1]);
    addCredits('172', [{ type: 'credits', startTimeOffset: 96_000, endTimeOffset: 100_000, final: true }]);
    expect(double.markPointMs('172')).toBe(90_000);
    expect(await crossAt(90_000, '172')).toEqual([0, 1]);
  });

  it('uses the threshold for every behaviour on an item without credits markers', async () => {
    for (const behaviour of [0, 1, 2, 3] as const) {
      double.setPlayedPrefs({ behaviour });
      expect(double.markPointMs('101')).toBe(90_000);
    }
  });

  it('a session reporting only in the credits counts nothing and stores no offset there', async () => {
    addCredits();
    await report('170', 'playing', 72_000, 'late');
    await report('170', 'stopped', 80_000, 'late');
    expect(double.item('170')).toMatchObject({ viewCount: 0, viewOffset: undefined });
  });

  it('counts a session once, however often it crosses the credits', async () => {
    addCredits();
    await report('170', 'playing', 60_000, 'once');
    await report('170', 'playing', 75_000, 'once');
    await report('170', 'playing', 60_000, 'once');
    await report('170', 'stopped', 75_000, 'once');
    expect(double.item('170').viewCount).toBe(1);
    expect(double.history).toHaveLength(1);
  });
});
