// The Plex double's users: each token a user with their own watched state, as Plex keeps it per
// user (/work/shared/plex/README.md, "Home users, shared servers"). Over real HTTP and a websocket.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startPlexDouble, type PlexDouble } from './index.js';

const ADMIN = 'admin-token-111';
const KID = 'kid-token-222';
const MUM = 'mum-token-333';
const LIB = 'com.plexapp.plugins.library';

let double: PlexDouble;

beforeEach(async () => {
  double = await startPlexDouble({ token: ADMIN, users: [{ token: KID, name: 'kid' }, { token: MUM, name: 'mum' }], prefsForOtherUsers: 403 });
  double.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
  double.addItem({
    ratingKey: '101',
    type: 'movie',
    title: 'Clip',
    sectionKey: '1',
    durationMs: 100_000,
    partId: 1001,
    file: '/data/movies/Clip.mkv',
    viewCount: 2,
    streams: [
      { id: 1, streamType: 2, index: 1, codec: 'aac', languageCode: 'eng', selected: true },
      { id: 2, streamType: 2, index: 2, codec: 'aac', languageCode: 'fra' },
      { id: 3, streamType: 3, index: 3, codec: 'srt', languageCode: 'eng' },
    ],
  });
});

afterEach(async () => {
  await double.stop();
});

function call(path: string, token: string | null, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  const all: Record<string, string> = { Accept: 'application/json', 'X-Plex-Client-Identifier': 'client-abc', ...headers };
  if (token !== null) all['X-Plex-Token'] = token;
  return fetch(double.url + path, { method, headers: all });
}

async function metadata(token: string): Promise<Record<string, unknown>> {
  const res = await call('/library/metadata/101', token);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { MediaContainer: { Metadata: Record<string, unknown>[] } };
  return body.MediaContainer.Metadata[0]!;
}

async function timeline(token: string, state: string, time: number): Promise<void> {
  const res = await call(`/:/timeline?ratingKey=101&key=/library/metadata/101&state=${state}&time=${time}&duration=100000`, token);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

describe('Plex double users', () => {
  it("keeps each user's watched state apart: a seeded count is the main user's, another user starts unwatched", async () => {
    expect((await metadata(ADMIN))['viewCount']).toBe(2);
    expect((await metadata(KID))['viewCount']).toBeUndefined();
    expect(double.item('101').viewCount).toBe(2);
    expect(double.item('101', { user: 'kid' }).viewCount).toBe(0);
  });

  it("counts a crossing of the threshold for the reporting user alone, in that user's history", async () => {
    await timeline(KID, 'playing', 10_000);
    await timeline(KID, 'stopped', 95_000);
    expect(double.item('101', { user: 'kid' }).viewCount).toBe(1);
    expect(double.item('101').viewCount).toBe(2);
    expect(double.item('101', { user: 'mum' }).viewCount).toBe(0);
    expect(double.history).toEqual([expect.objectContaining({ ratingKey: '101', via: 'timeline', user: 'kid' })]);
  });

  it("keeps a resume point per user, and two users' reports from one client are two sessions", async () => {
    await timeline(KID, 'playing', 30_000);
    await timeline(MUM, 'playing', 60_000);
    expect(double.sessions().map((session) => [session.user, session.viewOffset])).toEqual([
      ['kid', 30_000],
      ['mum', 60_000],
    ]);
    expect(double.item('101', { user: 'kid' }).viewOffset).toBe(30_000);
    expect(double.item('101', { user: 'mum' }).viewOffset).toBe(60_000);
    expect(double.item('101').viewOffset).toBeUndefined();
    expect((await metadata(MUM))['viewOffset']).toBe(60_000);
  });

  it('scrobbles and unscrobbles for the user whose token asks', async () => {
    await (await call(`/:/scrobble?key=101&identifier=${LIB}`, MUM)).arrayBuffer();
    expect(double.item('101', { user: 'mum' }).viewCount).toBe(1);
    await (await call(`/:/unscrobble?key=101&identifier=${LIB}`, ADMIN)).arrayBuffer();
    expect(double.item('101').viewCount).toBe(0);
    expect(double.item('101', { user: 'mum' }).viewCount).toBe(1);
  });

  it("keeps each user's audio and subtitle choice, starting from the part's seeded one", async () => {
    const res = await call('/library/parts/1001?audioStreamID=2&subtitleStreamID=3&allParts=1', KID, {}, 'PUT');
    expect(res.status).toBe(200);
    expect(double.streamSelection('101', { user: 'kid' })).toEqual({ audioStreamID: 2, subtitleStreamID: 3 });
    expect(double.streamSelection('101')).toEqual({ audioStreamID: 1, subtitleStreamID: null });
    const streams = ((await metadata(KID))['Media'] as { Part: { Stream: { id: number; selected?: boolean }[] }[] }[])[0]!.Part[0]!.Stream;
    expect(streams.filter((stream) => stream.selected).map((stream) => stream.id)).toEqual([2, 3]);
  });

  it('names the user of each request, never the token, and refuses an unknown token', async () => {
    await (await call('/library/sections', KID)).arrayBuffer();
    await (await call('/library/sections', ADMIN)).arrayBuffer();
    const unknown = await call('/library/sections', 'nobody-token-999');
    expect(unknown.status).toBe(401);
    expect(double.requests.map((request) => [request.user, request.status])).toEqual([
      ['kid', 200],
      ['admin', 200],
      [null, 401],
    ]);
    expect(JSON.stringify(double.requests)).not.toMatch(/token-(111|222|999)/);
  });

  it("answers /:/prefs to the main user and refuses the other users when told to, as a shared server may", async () => {
    expect((await call('/:/prefs', ADMIN)).status).toBe(200);
    expect((await call('/:/prefs', KID)).status).toBe(403);
  });

  it("sends a user's notifications to the sockets their own token opened", async () => {
    const frames = { admin: [] as string[], kid: [] as string[] };
    const sockets = await Promise.all(
      ([['admin', ADMIN], ['kid', KID]] as const).map(
        ([name, token]) =>
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(`${double.url.replace('http', 'ws')}/:/websockets/notifications`, { headers: { 'X-Plex-Token': token } });
            ws.on('message', (data: Buffer) => frames[name].push(data.toString('utf8')));
            ws.once('open', () => resolve(ws));
            ws.once('error', reject);
          }),
      ),
    );
    try {
      double.markWatchedElsewhere('101', { user: 'kid' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(frames.kid.length).toBe(1);
      expect(frames.admin).toEqual([]);
    } finally {
      for (const ws of sockets) ws.close();
    }
  });

  it('refuses a users option that reuses a token or a name', async () => {
    await expect(startPlexDouble({ token: ADMIN, users: [{ token: ADMIN, name: 'kid' }] })).rejects.toThrow(TypeError);
    await expect(startPlexDouble({ token: ADMIN, users: [{ token: KID, name: 'admin' }] })).rejects.toThrow(TypeError);
  });
});
