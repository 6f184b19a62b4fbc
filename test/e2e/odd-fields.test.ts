// One odd field from Plex (issue 18, item 8), with the real mpv, the built script and the Plex
// double: the script leaves out the odd field and uses the rest of the helper's message, and a
// resume point the file cannot hold is not used.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MarkerInput } from '../plex-double/library.js';
import { makeSubtitleFile } from '../support/media.js';
import { MpvIpc } from '../support/mpv-ipc.js';
import { createWorld, helpersGone, runMpv, TOKEN, waitFor, withToken, startPositions, type MpvRun, type World } from '../support/session.js';

let world: World;
let proxy: Server | null = null;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  proxy?.close();
  proxy = null;
  await world.cleanup();
});

type Metadata = Record<string, unknown> & { Media?: Array<Record<string, unknown> & { Part?: Array<Record<string, unknown>> }>; Marker?: unknown[] };

/**
 * What the double will not serve (it refuses a negative marker and an item without a duration),
 * as a real server could: a proxy in front of it that edits the item's metadata on the way, made
 * the configured server, so the helper and mpv reach the double only through it. Returns the
 * played URL through the proxy.
 */
async function throughEditingProxy(ratingKey: string, edit: (metadata: Metadata) => void): Promise<string> {
  const target = new URL(world.plex.url);
  proxy = createServer((incoming, outgoing) => {
    const forward = httpRequest(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: target.host } },
      (answer) => {
        const path = new URL(incoming.url ?? '/', 'http://x').pathname;
        if (path !== `/library/metadata/${ratingKey}` || !String(answer.headers['content-type'] ?? '').includes('json')) {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { MediaContainer: { Metadata: Metadata[] } };
          for (const metadata of body.MediaContainer.Metadata) edit(metadata);
          const text = JSON.stringify(body);
          const { 'content-length': _length, ...headers } = answer.headers;
          outgoing.writeHead(answer.statusCode ?? 200, { ...headers, 'content-length': Buffer.byteLength(text) });
          outgoing.end(text);
        });
      },
    );
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const configDir = join(world.env['XDG_CONFIG_HOME']!, 'mpv-plex-sync');
  mkdirSync(configDir, { recursive: true });
  const file = join(configDir, 'config.json');
  writeFileSync(file, JSON.stringify({ serverUrl: origin, token: TOKEN }), { mode: 0o600 });
  chmodSync(file, 0o600);
  return origin + new URL(world.plex.partUrl(ratingKey)).pathname;
}

/** A cold helper on a busy machine: the load must not give up on it for the wrong reason. */
const WAIT = { resume_timeout: '15' };


/** Plays `url` at speed 1 until the script knows the item, reads the chapters, presses mark-watched, and quits. */
async function playAndMark(url: string): Promise<{ run: MpvRun; chapters: unknown }> {
  const socket = join(world.dir, 'mpv.sock');
  let chapters: unknown = null;
  let acted: Promise<void> = Promise.resolve();
  const run = await runMpv(world, [withToken(url)], {
    speed: 1,
    args: [`--input-ipc-server=${socket}`],
    scriptOpts: WAIT,
    timeoutMs: 60_000,
    during: (_child, output) => {
      acted = (async () => {
        const ipc = await MpvIpc.open(socket);
        try {
          await waitFor('the item to be known', () => / is (plex|ignored|error)/.test(output()), 30_000);
          await new Promise((resolve) => setTimeout(resolve, 300));
          chapters = await ipc.get('chapter-list');
          await ipc.command('script-binding', 'plex_sync/mark-watched');
          await waitFor('the mark to be answered', () => /Marked watched|nothing marked|nothing to mark/.test(output()), 15_000);
        } finally {
          await ipc.command('quit').catch(() => undefined);
          ipc.close();
        }
      })();
      acted.catch(() => undefined);
    },
  });
  await acted;
  return { run, chapters };
}

describe('one odd field in what the helper says of the item', () => {
  it('keeps the item, its keys and its chapters when the subtitle language is over 100 characters', async () => {
    const url = world.addMovie('101', {
      markers: [{ type: 'intro', startTimeOffset: 3000, endTimeOffset: 12_000 }],
      streams: [{ id: 1005, streamType: 3, codec: 'srt', languageCode: 'x'.repeat(150), language: 'Long', filePath: makeSubtitleFile('odd'), selected: true }],
    });
    const { run, chapters } = await playAndMark(url);
    expect(run.code).toBe(0);
    expect(run.log).toMatch(/playback \S+ is plex/);
    expect(run.osd).not.toContain('Plex sync: the item is not known to Plex yet — nothing marked');
    expect(chapters).toEqual([
      { title: 'Intro', time: 3 },
      { title: 'Main', time: 12 },
    ]);
    await helpersGone(world);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(1);
  }, 90_000);

  it('keeps the valid markers when one of them is negative', async () => {
    const markers: MarkerInput[] = [
      { type: 'intro', startTimeOffset: 3000, endTimeOffset: 12_000 },
      { type: 'credits', startTimeOffset: 17_000, endTimeOffset: 20_000, final: true },
    ];
    world.addMovie('101', { markers });
    const url = await throughEditingProxy('101', (metadata) => {
      metadata.Marker = [{ id: 9, type: 'commercial', startTimeOffset: -2000, endTimeOffset: 1000 }, ...(metadata.Marker ?? [])];
    });
    const { run, chapters } = await playAndMark(url);
    expect(run.code).toBe(0);
    expect(chapters).toEqual([
      { title: 'Intro', time: 3 },
      { title: 'Main', time: 12 },
      { title: 'Credits', time: 17 },
    ]);
    await helpersGone(world);
    expect(world.plex.item('101').viewCount).toBe(1);
  }, 90_000);
});

describe('an odd resume point', () => {
  it('plays at once from the start when Plex holds a viewOffset over 1e12, without waiting out resume_timeout', async () => {
    const url = world.addMovie('101', { viewOffset: 2e12 });
    const run = await runMpv(world, [withToken(url)], { scriptOpts: WAIT, args: ['--end=3'], speed: 1 });
    expect(run.code).toBe(0);
    expect(run.log).toContain('load continues: Plex holds no position');
    expect(run.log).not.toContain('no answer from the helper within resume_timeout');
    await helpersGone(world);
    // Where mpv started, as the script told the helper (a short play then leaves Plex's own offset
    // as it was): the file's start, not a resume nor its end. A busy machine may let mpv play a few
    // frames before the script's first report (a full run read 128 ms), so not exactly 0.
    expect(run.log).not.toContain('Resumed at');
    expect(startPositions(run.log)[0]).toBeLessThan(10_000);
    expect(world.plex.item('101').viewCount).toBe(0);
  }, 60_000);

  it('plays from the start, and counts nothing, when the resume point lies past the end of a file Plex gave no duration', async () => {
    world.addMovie('101', { viewOffset: 50_000 });
    const url = await throughEditingProxy('101', (metadata) => {
      delete metadata['duration'];
      for (const media of metadata.Media ?? []) {
        delete media['duration'];
        for (const part of media.Part ?? []) delete part['duration'];
      }
    });
    const run = await runMpv(world, [withToken(url)], { scriptOpts: WAIT, args: ['--end=3'], speed: 1 });
    expect(run.code).toBe(0);
    expect(run.osd).toContain('Plex: the saved position 0:50 is past the end of this file (0:20) — playing from the start');
    expect(run.osd.some((line) => line.startsWith('Resumed at'))).toBe(false);
    await helpersGone(world);
    // Where mpv started, as the script told the helper (a short play then leaves Plex's own offset
    // as it was): the file's start, not a resume nor its end. A busy machine may let mpv play a few
    // frames before the script's first report (a full run read 128 ms), so not exactly 0.
    expect(run.log).not.toContain('Resumed at');
    expect(startPositions(run.log)[0]).toBeLessThan(10_000);
    expect(world.plex.item('101').viewCount).toBe(0);
    expect(world.plex.history).toEqual([]);
  }, 60_000);
});
