// The Plex double's transient tokens (/work/shared/plex/README.md, "A token for a player"):
// GET /security/token?type=delegation gives a token that acts as the user who asked, for media
// and reads, and the request log tells it apart from the user's own token.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPlexDouble, type PlexDouble } from './index.js';

const ADMIN = 'admin-token-111';
const KID = 'kid-token-222';

let double: PlexDouble;
let clip: string;

beforeEach(async () => {
  double = await startPlexDouble({ token: ADMIN, users: [{ token: KID, name: 'kid' }] });
  double.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
  clip = new URL(import.meta.url).pathname; // any readable file serves as the part's bytes
  double.addItem({ ratingKey: '101', type: 'movie', title: 'Clip', sectionKey: '1', durationMs: 100_000, partId: 1001, file: '/data/movies/Clip.mkv', mediaPath: clip });
});

afterEach(async () => {
  await double.stop();
});

function call(path: string, token: string | null, accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept, 'X-Plex-Client-Identifier': 'client-abc' };
  if (token !== null) headers['X-Plex-Token'] = token;
  return fetch(double.url + path, { headers });
}

async function transientFor(token: string): Promise<string> {
  const res = await call('/security/token?type=delegation&scope=all', token);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { MediaContainer: { size: number; token: string } };
  expect(body.MediaContainer.size).toBe(0);
  return body.MediaContainer.token;
}

describe('Plex double: /security/token', () => {
  it('gives a new transient token for each ask, answered in JSON as Plex does, and lists whose each is', async () => {
    const first = await transientFor(ADMIN);
    const second = await transientFor(KID);
    expect(first).toMatch(/^transient-/);
    expect(second).not.toBe(first);
    expect(double.transientTokens).toEqual([
      { token: first, user: 'admin' },
      { token: second, user: 'kid' },
    ]);
  });

  it('answers in XML without Accept: application/json', async () => {
    const res = await call('/security/token?type=delegation&scope=all', ADMIN, '*/*');
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<MediaContainer size="0" token="transient-[^"]+" \/>/);
  });

  it('knows only the delegation type (400 otherwise) and asks for a valid token (401)', async () => {
    expect((await call('/security/token?type=other&scope=all', ADMIN)).status).toBe(400);
    expect((await call('/security/token?scope=all', ADMIN)).status).toBe(400);
    expect((await call('/security/token?type=delegation&scope=all', null)).status).toBe(401);
    expect((await call('/security/token?type=delegation&scope=all', 'nobody-token')).status).toBe(401);
    expect(double.transientTokens).toEqual([]);
  });

  it("takes the transient token for media parts and reads, as its user, and records which kind of token each request carried", async () => {
    const kids = await transientFor(KID);
    double.clearRequests();
    const part = await call(new URL(double.partUrl('101')).pathname, kids, '*/*');
    expect(part.status).toBe(200);
    await part.arrayBuffer();
    expect((await call('/library/metadata/101', kids)).status).toBe(200);
    expect((await call('/library/metadata/101', KID)).status).toBe(200);
    expect(double.requests.map((request) => [request.path.split('/').slice(0, 3).join('/'), request.user, request.tokenKind])).toEqual([
      ['/library/parts', 'kid', 'transient'],
      ['/library/metadata', 'kid', 'transient'],
      ['/library/metadata', 'kid', 'account'],
    ]);
    // The log never holds a token, of either kind.
    expect(JSON.stringify(double.requests)).not.toContain(kids);
    expect(JSON.stringify(double.requests)).not.toContain(KID);
  });

  it('records an unknown token and no token as tokenKind null', async () => {
    await call('/identity', null);
    await call('/library/metadata/101', 'nobody-token');
    expect(double.requests.map((request) => request.tokenKind)).toEqual([null, null]);
  });

  it('forgets its transient tokens as a restart does: they are refused after', async () => {
    const token = await transientFor(ADMIN);
    double.forgetTransientTokens();
    expect((await call('/library/metadata/101', token)).status).toBe(401);
    expect((await call('/library/metadata/101', ADMIN)).status).toBe(200);
    expect(double.transientTokens).toHaveLength(1);
  });

  it('refuses /security/token with a status fault, as an older server (404) or a shared one (401) does', async () => {
    double.fault({ match: '/security/token', kind: 'status', status: 404, times: 1 });
    double.fault({ match: '/security/token', kind: 'status', status: 401, times: 1 });
    expect((await call('/security/token?type=delegation&scope=all', ADMIN)).status).toBe(404);
    expect((await call('/security/token?type=delegation&scope=all', ADMIN)).status).toBe(401);
    expect((await call('/security/token?type=delegation&scope=all', ADMIN)).status).toBe(200);
    expect(double.transientTokens).toHaveLength(1);
  });
});
