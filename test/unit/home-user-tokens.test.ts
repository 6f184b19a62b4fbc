// A watch is sent as the Home user who played it: an entry queued as A goes with A's token after
// a switch to B, and one whose user's token is refused is kept, with a line that names the user.
// Against the Plex double, which accepts A's token only (B's was revoked).
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema, type Config } from '../../src/config/config.js';
import { ReplayNotices } from '../../src/helper/replay-notices.js';
import { MemoryOutboxStore, watchEntryId, type WatchEntry } from '../../src/outbox/index.js';
import { PlexServers } from '../../src/plex/servers.js';
import { Sender } from '../../src/sync/sender.js';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';

const TOKEN_A = 'tok-user-a-000000001';
const TOKEN_B = 'tok-user-b-000000002';
const MACHINE = 'home-machine-0001';
let double: PlexDouble;

beforeEach(async () => {
  double = await startPlexDouble({ token: TOKEN_A, machineIdentifier: MACHINE });
  double.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data'] });
  double.addItem({ ratingKey: '100', type: 'movie', title: 'Film of A', sectionKey: '1', durationMs: 600_000, partId: 1000, file: '/data/a.mkv' });
  double.addItem({ ratingKey: '200', type: 'movie', title: 'Film of B', sectionKey: '1', durationMs: 600_000, partId: 2000, file: '/data/b.mkv' });
});
afterEach(async () => {
  await double.stop();
});

function household(activeUser: string): Config {
  return ConfigSchema.parse({
    servers: [{ name: 'Home', machineId: MACHINE, url: double.url }],
    users: [
      { uuid: 'u-a', name: 'Alex', tokens: { [MACHINE]: TOKEN_A } },
      { uuid: 'u-b', name: 'Bea', tokens: { [MACHINE]: TOKEN_B } },
    ],
    activeUser,
  });
}

function watch(playbackId: string, ratingKey: string, title: string, user: string): WatchEntry {
  const now = Date.now();
  return {
    kind: 'watch',
    id: watchEntryId(playbackId),
    serverUrl: double.url,
    ratingKey,
    title,
    createdAt: now,
    attempts: 0,
    nextAttemptAt: now,
    lastError: null,
    user,
    playbackId,
    sessionId: playbackId,
    startedAt: now - 600_000,
    baselineViewCount: 0,
    positionMs: 590_000,
    durationMs: 600_000,
  };
}

describe('entries of Home users', () => {
  it("sends A's watch with A's token after the switch to B, and keeps B's when B's token is refused, naming B", async () => {
    let config = household('u-a');
    const servers = new PlexServers({ config: () => config, clientIdentifier: 'test-client-0001', version: '0.0.0' });
    const outbox = new MemoryOutboxStore({ entries: [watch('p-a', '100', 'Film of A', 'u-a'), watch('p-b', '200', 'Film of B', 'u-b')] });
    await outbox.load();
    const told: string[] = [];
    const notices = new ReplayNotices((text) => told.push(text), { quietMs: 0, userName: (uuid) => config.users.find((user) => user.uuid === uuid)?.name ?? null });
    const sender = new Sender({
      outbox,
      clientFor: (serverUrl, user) => servers.existing(serverUrl, user),
      log: pino({ level: 'silent' }),
      onResult: (entry, result) => notices.add(entry, result),
    });
    config = household('u-b'); // `mpv-plex-sync user Bea`, after both were queued

    expect(await sender.flush({ all: true })).toEqual({ delivered: 1, dropped: 0, kept: 1 });
    notices.flush();
    expect(double.item('100').viewCount).toBe(1);
    expect(double.item('200').viewCount).toBe(0);
    expect(outbox.list().map((entry) => entry.id)).toEqual([watchEntryId('p-b')]);
    expect(told).toEqual(["Plex rejected Bea's token — the watch of 'Film of B' kept, to be sent as Bea; 'mpv-plex-sync user Bea' renews it"]);
  });

  it("keeps an entry whose user the config no longer holds a token for, and sends nothing", async () => {
    const config = household('u-a');
    const servers = new PlexServers({ config, clientIdentifier: 'test-client-0001', version: '0.0.0' });
    const outbox = new MemoryOutboxStore({ entries: [watch('p-c', '100', 'Film of A', 'u-gone')] });
    await outbox.load();
    const sender = new Sender({ outbox, clientFor: (serverUrl, user) => servers.existing(serverUrl, user), log: pino({ level: 'silent' }) });
    expect(await sender.flush({ all: true })).toEqual({ delivered: 0, dropped: 0, kept: 1 });
    expect(double.item('100').viewCount).toBe(0);
    expect(double.requests.filter((request) => request.path !== '/identity')).toEqual([]);
  });

  it('gives the active user a client of their own, and the user it plays as', () => {
    const servers = new PlexServers({ config: household('u-b'), clientIdentifier: 'test-client-0001', version: '0.0.0' });
    expect(servers.clientFor(null, null)?.user).toBe('u-b');
    expect(servers.clientFor(double.url, null, 'u-a')?.user).toBe('u-a');
    expect(servers.clientFor(null, null)).not.toBe(servers.clientFor(double.url, null, 'u-a'));
    expect(servers.tokenFor(double.url, 'u-a')).toBe(TOKEN_A);
    expect(servers.tokenFor(double.url)).toBe(TOKEN_B);
  });
});

describe('two servers behind one proxy', () => {
  it("sends each server's entries with its own token, told apart by the URL's path", () => {
    const config = ConfigSchema.parse({
      servers: [
        { name: 'One', machineId: 'm-1', url: 'https://proxy.example/plex1' },
        { name: 'Two', machineId: 'm-2', url: 'https://proxy.example/plex2' },
      ],
      users: [{ uuid: 'u-1', name: 'Sam', tokens: { 'm-1': 'tok-one-0001', 'm-2': 'tok-two-0002' } }],
      activeUser: 'u-1',
    });
    const servers = new PlexServers({ config, clientIdentifier: 'test-client-0001', version: '0.0.0' });
    expect(servers.tokenFor('https://proxy.example/plex2')).toBe('tok-two-0002');
    expect(servers.tokenFor('https://proxy.example/plex1/library/metadata/5')).toBe('tok-one-0001');
    expect(servers.clientFor('https://proxy.example/plex2', null)?.serverUrl).toBe('https://proxy.example/plex2');
  });
});
