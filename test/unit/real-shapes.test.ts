// What real Plex servers and plex.tv send (issue 19, point 5; /work/shared/plex/README.md, "What
// real servers send"): each shape recorded by other projects, read by the parsers item by item.
// One odd field or entry leaves itself out; it never makes the rest unreadable.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlexTv } from '../../src/plex/plextv.js';
import { MetadataSchema, plexMarkers, plexStreams } from '../../src/plex/schemas.js';
import { playedPartStreams, plexChoice } from '../../src/streams/stream-choice.js';

const episode = {
  ratingKey: '5001',
  key: '/library/metadata/5001',
  type: 'episode',
  title: '1408 ',
  grandparentTitle: 'The Show',
  parentTitle: '',
  grandparentRatingKey: 500,
  parentRatingKey: '501',
  parentIndex: '2018',
  index: '3',
  year: 2018,
  duration: '1800000',
  viewCount: '1',
  viewOffset: null,
  lastViewedAt: 1767225600,
  Media: [
    {
      id: 1,
      videoResolution: '1080',
      optimizedForStreaming: 1,
      Part: [{ id: '11', file: '/data/a.mkv', size: 3_500_000_000, optimizedForStreaming: true, Stream: [] }],
    },
    { id: 2, videoResolution: '4k', Part: [{ id: 12, file: '/data/b.mkv', size: '5000000000' }] },
  ],
};

describe('what real servers send, read by the metadata parser', () => {
  it('reads numbers sent as strings, and a key sent as a number on one level and a string on another', () => {
    const meta = MetadataSchema.parse(episode);
    expect(meta).toMatchObject({ ratingKey: '5001', index: 3, parentIndex: 2018, duration: 1_800_000, viewCount: 1, grandparentRatingKey: '500', parentRatingKey: '501' });
  });

  it('reads null as absent, booleans as 0 or 1 beside true, and an empty parent title', () => {
    const meta = MetadataSchema.parse(episode);
    expect(meta.viewOffset).toBeUndefined();
    expect(meta.parentTitle).toBe('');
    expect(meta.Media).toHaveLength(2);
  });

  it('keeps a part size above 2^31, as a number or a string, and a resolution that reads like a number beside one that does not', () => {
    const meta = MetadataSchema.parse(episode);
    expect(meta.Media.map((media) => media.Part[0]?.size)).toEqual([3_500_000_000, 5_000_000_000]);
    expect(meta.Media.map((media) => media.videoResolution)).toEqual(['1080', '4k']);
  });

  it('keeps a title that reads like a number as the title it is', () => {
    expect(MetadataSchema.parse(episode).title).toBe('1408 ');
  });

  it('picks the part played among two versions, the second pointing at another file', () => {
    const meta = MetadataSchema.parse(episode);
    expect(playedPartStreams(meta, null, '/data/b.mkv')?.partId).toBe(12);
    expect(playedPartStreams(meta, 11)?.partId).toBe(11);
  });
});

describe('what real servers send, read by the stream and marker parsers', () => {
  it('reads an external subtitle with a key and no index, and streams whose index is not in array order', () => {
    const streams = plexStreams([
      { id: '3', streamType: '2', index: 2, selected: 1, codec: 'aac' },
      { id: 1, streamType: 1, index: 0, codec: 'h264' },
      { id: 2, streamType: 2, index: 1, codec: 'ac3' },
      { id: 4, streamType: 3, key: '/library/streams/4', codec: 'srt', selected: true, index: null },
    ]);
    expect(streams.map((stream) => [stream.id, stream.index ?? null, stream.key ?? null])).toEqual([
      [3, 2, null],
      [1, 0, null],
      [2, 1, null],
      [4, null, '/library/streams/4'],
    ]);
    const choice = plexChoice({ partId: 11, list: streams });
    expect(choice.audio).toBe(2);
    expect(choice.externalSubtitle?.id).toBe(4);
  });

  it('reads markers that share one id, with final only on the last credits, listed before the intro', () => {
    const meta = MetadataSchema.parse({
      ...episode,
      Marker: [
        { id: 7, type: 'credits', startTimeOffset: 1_700_000, endTimeOffset: 1_800_000, final: true },
        { id: 7, type: 'credits', startTimeOffset: 900_000, endTimeOffset: 960_000 },
        { id: 8, type: 'intro', startTimeOffset: '30000', endTimeOffset: '90000' },
        { id: 9, type: 'credits', startTimeOffset: 1_750_000, endTimeOffset: 1_700_000 },
      ],
    });
    expect(plexMarkers(meta)).toEqual([
      { type: 'intro', startMs: 30_000, endMs: 90_000, final: false },
      { type: 'credits', startMs: 900_000, endMs: 960_000, final: false },
      { type: 'credits', startMs: 1_700_000, endMs: 1_800_000, final: true },
    ]);
  });
});

describe('what plex.tv sends, read by the resources parser', () => {
  let server: Server;
  let base: string;
  let body: unknown = [];
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const owned = {
    name: 'Home',
    product: 'Plex Media Server',
    provides: 'server',
    clientIdentifier: 'machine-home',
    owned: true,
    ownerId: null,
    sourceTitle: null,
    device: null,
    platform: null,
    createdAt: '2019-03-01T10:00:00Z',
    lastSeenAt: '2026-12-01T10:00:00Z',
    httpsRequired: false,
    accessToken: 'home-token-123',
    connections: [
      { protocol: 'https', address: '192.168.1.2', port: 32400, uri: 'https://192-168-1-2.abc.plex.direct:32400', local: true, relay: false, IPv6: false },
      { protocol: 'https', address: '2001:db8::1', port: '32400', uri: 'https://2001-db8--1.abc.plex.direct:32400', local: 0, relay: 0, IPv6: 1 },
    ],
  };
  const shared = {
    name: "Friend's",
    provides: 'server',
    clientIdentifier: 'machine-friend',
    owned: 0,
    ownerId: 12345,
    sourceTitle: 'friend',
    httpsRequired: 1,
    accessToken: 'friend-token-456',
    connections: [{ protocol: 'https', address: '203.0.113.9', port: 32400, uri: 'https://203-0-113-9.def.plex.direct:32400', local: false, relay: true, IPv6: false }],
  };

  it('reads owned and shared servers with nulls, ISO dates, 0/1 booleans, a port as a string and IPv6 spelled so', async () => {
    body = [owned, shared];
    const servers = await new PlexTv({ clientIdentifier: 'shapes-client-0001', baseUrl: base, timeoutMs: 5_000 }).servers('account-token-789');
    expect(servers.map((server) => [server.name, server.owned, server.httpsRequired, server.accessToken])).toEqual([
      ['Home', true, false, 'home-token-123'],
      ["Friend's", false, true, 'friend-token-456'],
    ]);
    expect(servers[0]?.connections.map((connection) => [connection.port, connection.local, connection.IPv6])).toEqual([
      [32400, true, false],
      [32400, false, true],
    ]);
  });

  it('leaves out one unreadable resource or connection, and reads the others', async () => {
    body = [{ ...owned, clientIdentifier: null }, { ...shared, connections: [{ protocol: 'https' }, ...shared.connections] }];
    const servers = await new PlexTv({ clientIdentifier: 'shapes-client-0001', baseUrl: base, timeoutMs: 5_000 }).servers('account-token-789');
    expect(servers.map((server) => server.name)).toEqual(["Friend's"]);
    expect(servers[0]?.connections).toHaveLength(1);
  });
});
