// What mpv is given for a server's media (src/play/player-header.ts): a transient token, reused
// for an hour per server and user through a private file, checked before reuse, and the server's
// own token, with one reason, when the server will not give one. Over real HTTP with the double.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redact } from '../../src/log/redact.js';
import { PlexClient } from '../../src/plex/client.js';
import { PlexResponseError } from '../../src/plex/errors.js';
import { fallbackNotice, playerHeader } from '../../src/play/player-header.js';
import { PLAYER_TOKEN_REUSE_MS, PlayerTokenFile } from '../../src/play/player-tokens.js';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';

const ADMIN = 'admin-token-5f3a9c11';
const KID = 'kid-token-77a1c022';
const MINUTE = 60_000;

let double: PlexDouble;
let dir: string;
let runtimeDir: string;
let store: PlayerTokenFile;
let clock: number;
const now = () => clock;

beforeEach(async () => {
  double = await startPlexDouble({ token: ADMIN, users: [{ token: KID, name: 'kid' }], friendlyName: 'Living Room' });
  dir = mkdtempSync(join(tmpdir(), 'mps-player-header-'));
  runtimeDir = join(dir, 'run');
  store = new PlayerTokenFile(runtimeDir);
  clock = Date.UTC(2026, 0, 1, 20, 0, 0);
});

afterEach(async () => {
  await double.stop();
  rmSync(dir, { recursive: true, force: true });
});

function clientOf(plex: PlexDouble, token: string, user: string | null = null): PlexClient {
  return new PlexClient({ serverUrl: plex.url, token, user, clientIdentifier: 'client-test', timeoutMs: 2_000 });
}

/** The servers' side playerHeader needs: the token that belongs to each client. */
function ownTokens(...pairs: Array<[PlexClient, string]>) {
  return { tokenFor: (url: string, user: string | null = null) => pairs.find(([client]) => client.serverUrl === url && client.user === user)?.[1] ?? null };
}

const asked = (plex: PlexDouble) => plex.requests.filter((request) => request.path === '/security/token').length;

describe('playerHeader: the reuse rule', () => {
  it('asks once, reuses the token for under an hour, and asks again after', async () => {
    expect(PLAYER_TOKEN_REUSE_MS).toBe(60 * MINUTE);
    const client = clientOf(double, ADMIN);
    const servers = ownTokens([client, ADMIN]);
    const first = await playerHeader(servers, client, { store, now });
    expect(first.fellBack).toBeNull();
    const token = double.transientTokens[0]?.token ?? '';
    expect(first.header).toBe(`X-Plex-Token: ${token}`);

    clock += 59 * MINUTE;
    expect((await playerHeader(servers, client, { store, now })).header).toBe(first.header);
    expect(asked(double)).toBe(1);
    // Checked before reuse, with the transient token itself.
    expect(double.requests.some((request) => request.path === '/' && request.tokenKind === 'transient')).toBe(true);

    clock += MINUTE;
    const later = await playerHeader(servers, client, { store, now });
    expect(asked(double)).toBe(2);
    expect(later.header).toBe(`X-Plex-Token: ${double.transientTokens[1]?.token}`);
    expect(later.header).not.toBe(first.header);
  });

  it('gives another server and another user each their own token', async () => {
    const other = await startPlexDouble({ token: ADMIN });
    try {
      const admin = clientOf(double, ADMIN);
      const kid = clientOf(double, KID, 'u-kid');
      const elsewhere = clientOf(other, ADMIN);
      const servers = ownTokens([admin, ADMIN], [kid, KID], [elsewhere, ADMIN]);
      const headers = [];
      for (const client of [admin, kid, elsewhere, admin, kid, elsewhere]) headers.push((await playerHeader(servers, client, { store, now })).header);
      expect(headers.slice(3)).toEqual(headers.slice(0, 3));
      expect(new Set(headers.slice(0, 3)).size).toBe(3);
      expect(double.transientTokens.map((token) => token.user)).toEqual(['admin', 'kid']);
      expect(other.transientTokens).toHaveLength(1);
    } finally {
      await other.stop();
    }
  });

  it("does not reuse a token asked for with another account's token for the same server", async () => {
    const before = clientOf(double, ADMIN);
    await playerHeader(ownTokens([before, ADMIN]), before, { store, now });
    // Logged in again as someone else, still as "no Home user": the old token is not theirs.
    const after = clientOf(double, KID);
    const header = await playerHeader(ownTokens([after, KID]), after, { store, now });
    expect(double.transientTokens.map((token) => token.user)).toEqual(['admin', 'kid']);
    expect(header.header).toBe(`X-Plex-Token: ${double.transientTokens[1]?.token}`);
  });

  it('asks again when the server no longer takes the kept token (it restarted)', async () => {
    const client = clientOf(double, ADMIN);
    const servers = ownTokens([client, ADMIN]);
    await playerHeader(servers, client, { store, now });
    double.forgetTransientTokens();
    clock += MINUTE;
    const header = await playerHeader(servers, client, { store, now });
    expect(asked(double)).toBe(2);
    expect(header.header).toBe(`X-Plex-Token: ${double.transientTokens[1]?.token}`);
  });

  it('keeps the kept token when the check gets no clear answer, rather than wait on the server twice', async () => {
    const client = clientOf(double, ADMIN);
    const servers = ownTokens([client, ADMIN]);
    const first = await playerHeader(servers, client, { store, now });
    double.fault({ match: /^\/$/, kind: 'status', status: 500, times: 1 });
    clock += MINUTE;
    expect((await playerHeader(servers, client, { store, now })).header).toBe(first.header);
    expect(asked(double)).toBe(1);
  });

  it('keeps the tokens in a private file that holds no account token, and registers them for redaction', async () => {
    const client = clientOf(double, ADMIN);
    await playerHeader(ownTokens([client, ADMIN]), client, { store, now });
    const token = double.transientTokens[0]?.token ?? '';
    const text = readFileSync(store.file, 'utf8');
    expect(text).toContain(token);
    expect(text).not.toContain(ADMIN);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(statSync(runtimeDir).mode & 0o777).toBe(0o700);
    expect(redact(`header X-Plex-Token: ${token}`)).toBe('header X-Plex-Token: <redacted>');
  });
});

describe('playerHeader: a kept file that cannot be used', () => {
  for (const [what, content] of [
    ['not JSON', '{"version":1,"tokens":[{"server"'],
    ['another shape', '{"version":7,"tokens":{}}'],
    ['an entry from the future (the clock was set back)', null],
  ] as const) {
    it(`ignores ${what}, asks the server, and writes the file anew`, async () => {
      const client = clientOf(double, ADMIN);
      const servers = ownTokens([client, ADMIN]);
      if (content === null) {
        // A real entry, then the clock goes back two hours.
        await playerHeader(servers, client, { store, now });
        clock -= 2 * 60 * MINUTE;
      } else {
        // A real entry first (it makes the private dir), then the file is overwritten.
        store.keep({ server: client.serverUrl, user: null, askedWith: ADMIN }, 'placeholder-token', clock);
        writeFileSync(store.file, content);
      }
      const before = asked(double);
      const header = await playerHeader(servers, client, { store, now });
      expect(asked(double)).toBe(before + 1);
      expect(header.fellBack).toBeNull();
      expect(header.header).toBe(`X-Plex-Token: ${double.transientTokens.at(-1)?.token}`);
      const kept = JSON.parse(readFileSync(store.file, 'utf8')) as { version: number; tokens: Array<{ token: string }> };
      expect(kept.version).toBe(1);
      expect(kept.tokens.map((entry) => entry.token)).toEqual([double.transientTokens.at(-1)?.token]);
    });
  }

  it('plays with a fresh token when the runtime dir is open to others, and keeps nothing there', async () => {
    const client = clientOf(double, ADMIN);
    const servers = ownTokens([client, ADMIN]);
    store.keep({ server: client.serverUrl, user: null, askedWith: ADMIN }, 'planted-token-0000', clock);
    chmodSync(runtimeDir, 0o755);
    const header = await playerHeader(servers, client, { store, now });
    expect(header.header).toBe(`X-Plex-Token: ${double.transientTokens[0]?.token}`);
    expect(readFileSync(store.file, 'utf8')).not.toContain(double.transientTokens[0]?.token);
  });
});

describe('playerHeader: a server that will not give a token', () => {
  const cases = [
    ['an older server (404)', 404, /^'Living Room' gives no short-lived token for mpv \(404: an older Plex Media Server\)$/],
    ['a shared server (401)', 401, /^'Living Room' refused a short-lived token for mpv \(401\)$/],
    ['a shared server (403)', 403, /^'Living Room' refused a short-lived token for mpv \(403\)$/],
    ['a server error (500)', 500, /^'Living Room' answered 500 when asked for a short-lived token for mpv$/],
  ] as const;
  for (const [what, status, reason] of cases) {
    it(`gives mpv the server's own token for ${what}, with the reason`, async () => {
      double.fault({ match: '/security/token', kind: 'status', status });
      const client = clientOf(double, ADMIN);
      const header = await playerHeader(ownTokens([client, ADMIN]), client, { store, now, serverName: 'Living Room' });
      expect(header.header).toBe(`X-Plex-Token: ${ADMIN}`);
      expect(header.fellBack).toMatch(reason);
    });
  }

  it('falls back when the server cannot be reached, naming its host', async () => {
    const client = clientOf(double, ADMIN);
    await double.goDown();
    const header = await playerHeader(ownTokens([client, ADMIN]), client, { store, now });
    expect(header.header).toBe(`X-Plex-Token: ${ADMIN}`);
    expect(header.fellBack).toBe(`could not ask '${new URL(double.url).host}' for a short-lived token for mpv (ECONNREFUSED)`);
  });

  it('falls back on an answer without a token, and says what mpv will show', async () => {
    const client = clientOf(double, ADMIN);
    const answersNothing = Object.assign(Object.create(client) as PlexClient, {
      transientToken: () => Promise.reject(new PlexResponseError('[GET] "/security/token": unexpected answer shape')),
    });
    const header = await playerHeader(ownTokens([client, ADMIN]), answersNothing, { store, now, serverName: 'Living Room' });
    expect(header.header).toBe(`X-Plex-Token: ${ADMIN}`);
    expect(header.fellBack).toBe("'Living Room' answered without a short-lived token for mpv");
    expect(fallbackNotice(header.fellBack ?? '')).toBe(
      "'Living Room' answered without a short-lived token for mpv, so mpv is given the server's own token: mpv's verbose log (-v, --log-file) will hold it; do not paste that log",
    );
  });

  it('does not keep a failure: the next play asks again', async () => {
    double.fault({ match: '/security/token', kind: 'status', status: 404, times: 1 });
    const client = clientOf(double, ADMIN);
    const servers = ownTokens([client, ADMIN]);
    expect((await playerHeader(servers, client, { store, now })).fellBack).not.toBeNull();
    expect((await playerHeader(servers, client, { store, now })).fellBack).toBeNull();
  });
});
