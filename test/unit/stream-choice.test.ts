// The helper's side of audio and subtitle choices: reading a part's streams, Plex's choice in
// ff-indexes, the person's choice in Plex ids, the subtitle file, and the engine's round trip
// through the one sender.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/config.js';
import { MemoryOutboxStore } from '../../src/outbox/index.js';
import { MetadataSchema, plexStreams } from '../../src/plex/schemas.js';
import { parseScriptMessage } from '../../src/protocol/validate.js';
import { playedPartStreams, plexChoice, streamIdsFor } from '../../src/streams/stream-choice.js';
import type { PartStreams } from '../../src/sync/ports.js';
import { StreamSync } from '../../src/streams/stream-sync.js';
import { SubtitleFiles } from '../../src/streams/subtitle-files.js';
import { SyncEngine } from '../../src/sync/engine.js';
import type { PlexItem, PlexPort } from '../../src/sync/ports.js';
import { Sender } from '../../src/sync/sender.js';
import { silent } from '../support/core.js';
import { FakePlayer, FakeThresholds, MemoryPlex } from '../support/memory-plex.js';

/** A part as Plex's JSON lists it: German audio and an external French subtitle selected. */
const RAW_STREAMS = [
  { id: 11, streamType: 1, index: 0, codec: 'h264' },
  { id: 12, streamType: 2, index: 1, codec: 'aac', languageCode: 'eng' },
  { id: 13, streamType: 2, index: 2, codec: 'aac', languageCode: 'ger', selected: true },
  { id: 14, streamType: 3, index: 3, codec: 'srt', languageCode: 'eng' },
  { id: 15, streamType: 3, codec: 'srt', languageCode: 'fre', key: '/library/streams/15', selected: true },
];

function metadata(streams: unknown): ReturnType<typeof MetadataSchema.parse> {
  return MetadataSchema.parse({
    ratingKey: '1',
    type: 'movie',
    title: 'Film',
    Media: [
      { id: 1, Part: [{ id: 100, key: '/library/parts/100/1/file.mkv', Stream: streams }] },
      { id: 2, Part: [{ id: 200, key: '/library/parts/200/1/file.mkv', Stream: [{ id: 21, streamType: 2, index: 1, selected: true }] }] },
    ],
  });
}

const PART: PartStreams = { partId: 100, list: plexStreams(RAW_STREAMS) };

describe("reading a part's streams", () => {
  it('reads each stream, and leaves out only the unreadable ones', () => {
    const streams = plexStreams([...RAW_STREAMS, { streamType: 2 }, null, 'x', { id: 16, streamType: 3, index: 4, selected: '1', language: null }]);
    expect(streams.map((stream) => stream.id)).toEqual([11, 12, 13, 14, 15, 16]);
    // XML's "1" reads as selected too; a null reads as absent.
    expect(streams[5]).toMatchObject({ selected: true });
    expect(streams[5]?.language).toBeUndefined();
  });

  it('never makes an item unresolvable: a malformed stream list is no streams', () => {
    expect(playedPartStreams(metadata('nonsense'), null)).toEqual({ partId: 100, list: [] });
    expect(playedPartStreams(metadata({ id: 1 }), null)).toEqual({ partId: 100, list: [] });
  });

  it('takes the part a URL names, else the first part of the first Media', () => {
    expect(playedPartStreams(metadata(RAW_STREAMS), null)?.partId).toBe(100);
    expect(playedPartStreams(metadata(RAW_STREAMS), 200)?.list.map((stream) => stream.id)).toEqual([21]);
    expect(playedPartStreams(metadata(RAW_STREAMS), 999)).toBeNull();
  });

  it('takes the part of the local file played, when Plex lists it', () => {
    const meta = MetadataSchema.parse({
      ratingKey: '1',
      type: 'movie',
      Media: [{ Part: [{ id: 100, file: '/data/a.mkv' }] }, { Part: [{ id: 200, file: '/data/b.mkv' }] }],
    });
    expect(playedPartStreams(meta, null, '/data/b.mkv')?.partId).toBe(200);
    expect(playedPartStreams(meta, null, '/data/elsewhere.mkv')?.partId).toBe(100);
  });
});

describe("Plex's choice for mpv", () => {
  it('names the selected audio by ff-index and asks for the selected separate subtitle file', () => {
    const choice = plexChoice(PART);
    expect(choice.audio).toBe(2);
    expect(choice.subtitle).toBeNull();
    expect(choice.externalSubtitle?.id).toBe(15);
  });

  it('names an embedded subtitle by ff-index, and no selected subtitle as off', () => {
    const embedded = plexStreams(RAW_STREAMS.map((stream) => (stream.id === 14 ? { ...stream, selected: true } : stream.id === 15 ? { ...stream, selected: false } : stream)));
    expect(plexChoice({ partId: 100, list: embedded })).toEqual({ audio: 2, subtitle: 3, externalSubtitle: null });
    const none = plexStreams(RAW_STREAMS.map((stream) => ({ ...stream, selected: false })));
    expect(plexChoice({ partId: 100, list: none })).toEqual({ audio: null, subtitle: 'off', externalSubtitle: null });
  });

  it('leaves subtitles alone for a part that has none', () => {
    expect(plexChoice({ partId: 1, list: plexStreams(RAW_STREAMS.slice(0, 3)) }).subtitle).toBeNull();
  });
});

describe("the person's choice for Plex", () => {
  it('maps ff-indexes to stream ids, off to 0 and external to the served file', () => {
    expect(streamIdsFor(PART, { audioFfIndex: 1, subtitle: { ffIndex: 3 } }, 15)).toEqual({ audioStreamID: 12, subtitleStreamID: 14 });
    expect(streamIdsFor(PART, { audioFfIndex: 2, subtitle: 'off' }, 15)).toEqual({ audioStreamID: 13, subtitleStreamID: 0 });
    expect(streamIdsFor(PART, { audioFfIndex: null, subtitle: 'external' }, 15)).toEqual({ subtitleStreamID: 15 });
    // Without a file handed over, 'external' names nothing.
    expect(streamIdsFor(PART, { audioFfIndex: null, subtitle: 'external' }, null)).toBeNull();
  });

  it('sends only what names a Plex stream, and nothing when nothing does', () => {
    expect(streamIdsFor(PART, { audioFfIndex: 9, subtitle: { ffIndex: 3 } }, null)).toEqual({ subtitleStreamID: 14 });
    expect(streamIdsFor(PART, { audioFfIndex: 9, subtitle: null }, null)).toBeNull();
    // ff-index 0 is the video, not a subtitle.
    expect(streamIdsFor(PART, { audioFfIndex: null, subtitle: { ffIndex: 0 } }, null)).toBeNull();
  });
});

describe('the streams message from the script', () => {
  const message = (payload: unknown) => parseScriptMessage(['plex-sync/streams', JSON.stringify(payload)]);

  it('is read when well formed', () => {
    const parsed = message({ playbackId: 'pb-1', audioFfIndex: 1, subtitle: { ffIndex: 3 } });
    expect(parsed).toEqual({ ok: true, message: { name: 'streams', payload: { playbackId: 'pb-1', audioFfIndex: 1, subtitle: { ffIndex: 3 } } } });
    expect(message({ playbackId: 'pb-1', audioFfIndex: null, subtitle: 'external' }).ok).toBe(true);
  });

  it('takes an odd field as nothing to tell (null) and keeps the other choice', () => {
    expect(message({ playbackId: 'pb-1', audioFfIndex: -1, subtitle: 'off' })).toMatchObject({ ok: true, message: { payload: { audioFfIndex: null, subtitle: 'off' } } });
    expect(message({ playbackId: 'pb-1', audioFfIndex: 1, subtitle: 'on' })).toMatchObject({ ok: true, message: { payload: { audioFfIndex: 1, subtitle: null } } });
    expect(message({ playbackId: 'pb-1', audioFfIndex: 1 })).toMatchObject({ ok: true, message: { payload: { audioFfIndex: 1, subtitle: null } } });
  });

  it('is refused without its playback id', () => {
    expect(message({ audioFfIndex: 1, subtitle: 'off' }).ok).toBe(false);
  });
});

describe('the round trip through the engine', () => {
  let runtimeDir: string;
  beforeEach(() => {
    runtimeDir = mkdtempSync(join(tmpdir(), 'mps-streams-'));
  });
  afterEach(() => rmSync(runtimeDir, { recursive: true, force: true }));

  /** A Plex port that stores choices, serves the subtitle file, and fails when told to. */
  function plexWithStreams() {
    const memory = new MemoryPlex();
    memory.addItem('1', { durationMs: 600_000 });
    const selections: Array<{ partId: number; ids: object }> = [];
    let failing = false;
    const client: PlexPort = {
      serverUrl: memory.serverUrl,
      timeoutMs: memory.timeoutMs,
      metadata: (ratingKey) => memory.metadata(ratingKey),
      timeline: (report) => memory.timeline(report),
      scrobble: (ratingKey) => memory.scrobble(ratingKey),
      unscrobble: (ratingKey) => memory.unscrobble(ratingKey),
      watchPrefs: () => memory.watchPrefs(),
      async selectStreams(partId, ids) {
        if (failing) throw new Error('the server said no');
        selections.push({ partId, ids });
      },
      async serverFile(key) {
        expect(key).toBe('/library/streams/15');
        return Buffer.from('1\n00:00:00,000 --> 00:00:05,000\nbonjour\n');
      },
    };
    return { client, selections, fail: () => (failing = true) };
  }

  async function engineFor(client: PlexPort) {
    const outbox = new MemoryOutboxStore();
    await outbox.load();
    const sender = new Sender({ outbox, clientFor: () => client, log: silent });
    const streams = new StreamSync({ files: new SubtitleFiles({ runtimeDir }), log: silent });
    const item: PlexItem = { client, ratingKey: '1', type: 'movie', displayName: 'Film', durationMs: 600_000, viewCount: 0, streams: PART };
    const engine = new SyncEngine({
      config: ConfigSchema.parse({}),
      servers: new FakeThresholds(90),
      resolver: { resolve: async () => ({ kind: 'plex', item }) },
      outbox,
      sender,
      log: silent,
      offline: { notify: () => undefined },
      spoolUnresolved: async () => undefined,
      streams,
    });
    const player = new FakePlayer();
    await engine.start(player, { playbackId: 'pb-1', path: '/media/1.mkv', startedAt: Date.now(), durationMs: 600_000, positionMs: 0, ratingKey: null, baselineViewCount: null });
    return { engine, sender, player };
  }

  it("tells the script Plex's choice with the item, with the subtitle fetched to a private file", async () => {
    const { client } = plexWithStreams();
    const { engine, player } = await engineFor(client);
    const streams = player.items[0]?.item.streams;
    expect(streams?.audio).toBe(2);
    expect(streams?.subtitle).toBeNull();
    expect([streams?.externalSubtitleTitle, streams?.externalSubtitleLang]).toEqual(['fre', 'fre']);
    const file = streams?.externalSubtitle ?? '';
    expect(file.startsWith(join(runtimeDir, 'subtitles'))).toBe(true);
    expect(file.endsWith('.srt')).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('bonjour');
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(join(runtimeDir, 'subtitles')).mode & 0o777).toString(8)).toBe('700');
    await engine.end({ playbackId: 'pb-1', positionMs: 1000, durationMs: 600_000, playedMs: 1000 }, null);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(readdirSync(join(runtimeDir, 'subtitles'))).toEqual([]);
  });

  it("stores the person's choice for the played part on the playback's lane", async () => {
    const { client, selections } = plexWithStreams();
    const { engine, sender } = await engineFor(client);
    engine.streamsChanged({ playbackId: 'pb-1', audioFfIndex: 1, subtitle: 'off' });
    await sender.laneDone('pb-1');
    engine.streamsChanged({ playbackId: 'pb-1', audioFfIndex: null, subtitle: 'external' });
    await sender.laneDone('pb-1');
    expect(selections).toEqual([
      { partId: 100, ids: { audioStreamID: 12, subtitleStreamID: 0 } },
      { partId: 100, ids: { subtitleStreamID: 15 } },
    ]);
  });

  it('tells a failed choice once per playback, and queues nothing', async () => {
    const plex = plexWithStreams();
    const { engine, sender, player } = await engineFor(plex.client);
    plex.fail();
    engine.streamsChanged({ playbackId: 'pb-1', audioFfIndex: 1, subtitle: null });
    await sender.laneDone('pb-1');
    engine.streamsChanged({ playbackId: 'pb-1', audioFfIndex: 2, subtitle: null });
    await sender.laneDone('pb-1');
    expect(player.osd.filter((line) => line.includes('audio/subtitle choice'))).toEqual(['Plex did not take the audio/subtitle choice for Film: the server said no']);
  });

  it('does not hold the item for a slow subtitle file, and leaves no file when it comes late', async () => {
    let deliver: (bytes: Buffer) => void = () => undefined;
    const client = { ...plexWithStreams().client, serverFile: () => new Promise<Buffer>((resolve) => (deliver = resolve)) };
    /** Lets the test wait for the late fetch to finish, instead of a sleep a busy machine outlasts. */
    class WatchedFiles extends SubtitleFiles {
      fetching: Promise<unknown> = Promise.resolve();
      override fetch(...args: Parameters<SubtitleFiles['fetch']>): Promise<string> {
        const fetching = super.fetch(...args);
        this.fetching = fetching.catch(() => undefined);
        return fetching;
      }
    }
    const files = new WatchedFiles({ runtimeDir });
    const sync = new StreamSync({ files, log: silent, fetchWaitMs: 20 });
    const item: PlexItem = { client, ratingKey: '1', type: 'movie', displayName: 'Film', durationMs: 600_000, viewCount: 0, streams: PART };
    expect(await sync.forItem('pb-1', item)).toEqual({ audio: 2, subtitle: null, externalSubtitle: null });
    deliver(Buffer.from('late'));
    await files.fetching;
    expect(readdirSync(join(runtimeDir, 'subtitles'))).toEqual([]);
  });

  it('removes at start the subtitle files a helper that died left behind', async () => {
    const files = new SubtitleFiles({ runtimeDir });
    await files.fetch({ serverFile: async () => Buffer.from('x') }, 'pb-dead', plexStreams(RAW_STREAMS)[4]!);
    // A new helper knows nothing of them, and sweeps.
    expect(new SubtitleFiles({ runtimeDir }).sweep()).toBe(1);
    expect(readdirSync(join(runtimeDir, 'subtitles'))).toEqual([]);
    expect(new SubtitleFiles({ runtimeDir: join(runtimeDir, 'none') }).sweep()).toBe(0);
  });

  it('ignores a choice for a playback it does not know', async () => {
    const { client, selections } = plexWithStreams();
    const { engine, sender } = await engineFor(client);
    engine.streamsChanged({ playbackId: 'pb-other', audioFfIndex: 1, subtitle: null });
    await sender.laneDone('pb-other');
    expect(selections).toEqual([]);
  });
});
