// Audio and subtitle choices with the real mpv, the real script and the Plex double: mpv starts
// on the streams Plex has selected for the part, and a choice made in mpv goes back to Plex.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { makeClipWithStreams, makeSubtitleFile } from '../support/media.js';
import { MpvIpc } from '../support/mpv-ipc.js';
import { createWorld, helpersGone, readHelperLog, runMpv, TOKEN, waitFor, withToken, type MpvRun, type World } from '../support/session.js';
import type { StreamInput } from '../plex-double/index.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

const CLIP_SECONDS = 60;
const VIDEO = 1001;
const AUDIO_ENG = 1002;
const AUDIO_GER = 1003;
const SUB_ENG = 1004;
const SUB_EXTERNAL = 1005;

/** The clip's streams as Plex lists them: German audio (ff-index 2) and the subtitle selected. */
function streams(options: { external?: boolean } = {}): StreamInput[] {
  return [
    { id: VIDEO, streamType: 1, index: 0, codec: 'h264' },
    { id: AUDIO_ENG, streamType: 2, index: 1, codec: 'aac', languageCode: 'eng', language: 'English' },
    { id: AUDIO_GER, streamType: 2, index: 2, codec: 'aac', languageCode: 'ger', language: 'Deutsch', selected: true },
    { id: SUB_ENG, streamType: 3, index: 3, codec: 'srt', languageCode: 'eng', language: 'English', selected: !options.external },
    { id: SUB_EXTERNAL, streamType: 3, codec: 'srt', languageCode: 'fre', language: 'Français', filePath: makeSubtitleFile('sous-titre'), selected: options.external === true },
  ];
}

interface Track {
  readonly id: number;
  readonly type: string;
  readonly 'ff-index'?: number;
  readonly selected: boolean;
  readonly external: boolean;
  readonly 'external-filename'?: string;
}

/** What a test saw in mpv while it played. */
interface Seen {
  aid: unknown;
  sid: unknown;
  tracks: Track[];
}

/**
 * Plays the item at speed 1 (long enough to look), waits until the helper has told the script
 * about the item, runs `act` over IPC, and quits.
 */
async function play(url: string, act: (ipc: MpvIpc, seen: Seen, output: () => string) => Promise<void>, options: { args?: string[]; scriptOpts?: Record<string, string> } = {}): Promise<{ run: MpvRun; seen: Seen }> {
  const socketPath = join(world.dir, 'test-ipc.sock');
  const seen: Seen = { aid: undefined, sid: undefined, tracks: [] };
  let failure: unknown = null;
  const run = await runMpv(world, [withToken(url)], {
    speed: 1,
    timeoutMs: 55_000,
    args: [`--input-ipc-server=${socketPath}`, ...(options.args ?? [])],
    ...(options.scriptOpts ? { scriptOpts: options.scriptOpts } : {}),
    during: (child: ChildProcess, output) => {
      void (async () => {
        const ipc = await MpvIpc.open(socketPath);
        try {
          await waitFor('the item to be known', () => /playback \S+ is plex/.test(output()), 40_000);
          // The script logs Plex's choice after it has set the tracks; with sync_streams=no it applies none.
          if (options.scriptOpts?.['sync_streams'] !== 'no') await waitFor("Plex's choice to be applied", () => output().includes('streams: Plex chose'), 10_000);
          seen.aid = await ipc.get('aid');
          seen.sid = await ipc.get('sid');
          seen.tracks = (await ipc.get('track-list')) as Track[];
          await act(ipc, seen, output);
        } catch (error) {
          failure = error;
        } finally {
          await ipc.command('quit').catch(() => undefined);
          ipc.close();
        }
      })().catch((error: unknown) => {
        failure = error;
        child.kill('SIGTERM');
      });
    },
  });
  if (failure) throw failure;
  return { run, seen };
}

/** How many progress reports the script has sent so far (mpv logs its commands at trace). */
function progressReports(output: string): number {
  return output.match(/Run command: script-message.*plex-sync\/progress/g)?.length ?? 0;
}

function addItem(options: { external?: boolean } = {}): string {
  // Long enough to be still playing when the helper answers on a loaded machine; the test quits it.
  return world.addMovie('301', { mediaPath: makeClipWithStreams(CLIP_SECONDS), durationMs: CLIP_SECONDS * 1000, file: '/data/movies/Streams.mkv', streams: streams(options) });
}

function streamPuts() {
  return world.plex.requests.filter((request) => request.method === 'PUT' && request.path === `/library/parts/${3010}`);
}

// Each test plays in real time and waits for the helper; on a loaded machine that takes a while.
describe('audio and subtitle choices', { timeout: 90_000 }, () => {
  it('starts on the audio and subtitle Plex has selected for the part', async () => {
    const { run, seen } = await play(addItem(), async () => undefined);
    await helpersGone(world);
    expect(run.code).toBe(0);
    // mpv's own pick would be the default English audio (aid 1) and no subtitle.
    expect(seen.aid).toBe(2);
    expect(seen.tracks.find((track) => track.type === 'audio' && track.selected)?.['ff-index']).toBe(2);
    expect(seen.sid).toBe(1);
    expect(seen.tracks.find((track) => track.type === 'sub' && track.selected)?.['ff-index']).toBe(3);
    // Applying Plex's own choice is not a change to send back.
    expect(streamPuts()).toHaveLength(0);
    expect(world.plex.streamSelection('301')).toEqual({ audioStreamID: AUDIO_GER, subtitleStreamID: SUB_ENG });
  });

  it('sends a choice made in mpv to Plex: the last of quick changes, with the token in a header', async () => {
    const { run } = await play(addItem(), async (ipc) => {
      // Cycling: only where it stops counts.
      await ipc.command('set_property', 'aid', 1);
      await ipc.command('set_property', 'sid', 'no');
      await ipc.command('set_property', 'aid', 2);
      await ipc.command('set_property', 'aid', 1);
      await waitFor('the choice to reach Plex', () => world.plex.streamSelection('301').audioStreamID === AUDIO_ENG, 10_000);
    });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.streamSelection('301')).toEqual({ audioStreamID: AUDIO_ENG, subtitleStreamID: null });
    const puts = streamPuts();
    expect(puts).toHaveLength(1);
    expect(puts[0]?.query).toEqual({ audioStreamID: String(AUDIO_ENG), subtitleStreamID: '0', allParts: '1' });
    expect(puts[0]?.tokenVia).toBe('header');
    expect(puts[0]?.status).toBe(200);
  });

  it('leaves mpv its own choice with sync_streams=no, and sends nothing', async () => {
    const { run, seen } = await play(
      addItem(),
      async (ipc, _seen, output) => {
        await ipc.command('set_property', 'aid', 2);
        // A choice is sent at the latest when the file unloads (the debounce is flushed then):
        // once the script has reported progress after the change, it has seen the change, and
        // the quit that follows would send it.
        const reportsBefore = progressReports(output());
        await waitFor('a progress report after the change', () => progressReports(output()) > reportsBefore, 10_000);
      },
      { scriptOpts: { sync_streams: 'no' } },
    );
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(seen.aid).toBe(1);
    expect(seen.sid).toBe(false);
    expect(streamPuts()).toHaveLength(0);
  });

  it("lets the person's own --aid win over Plex's audio, and still applies Plex's subtitle", async () => {
    const { run, seen } = await play(addItem(), async () => undefined, { args: ['--aid=1'] });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(seen.aid).toBe(1);
    expect(seen.sid).toBe(1);
    expect(streamPuts()).toHaveLength(0);
  });

  it('adds the subtitle file Plex serves, selected, without the token reaching mpv, and removes it afterwards', async () => {
    let modes: string[] = [];
    const { run, seen } = await play(addItem({ external: true }), async (ipc, looked) => {
      const added = looked.tracks.find((track) => track.type === 'sub' && track.external)?.['external-filename'] ?? '';
      modes = [statSync(dirname(added)).mode, statSync(added).mode].map((mode) => (mode & 0o777).toString(8));
      // Then the person picks the subtitle inside the file: Plex hears of that one.
      await ipc.command('set_property', 'sid', 1);
      await waitFor('the choice to reach Plex', () => world.plex.streamSelection('301').subtitleStreamID === SUB_ENG, 10_000);
    });
    await helpersGone(world);
    expect(modes).toEqual(['700', '600']);
    expect(streamPuts().map((request) => request.query)).toEqual([{ audioStreamID: String(AUDIO_GER), subtitleStreamID: String(SUB_ENG), allParts: '1' }]);
    expect(run.code).toBe(0);
    const external = seen.tracks.find((track) => track.type === 'sub' && track.external);
    expect(external?.selected).toBe(true);
    expect(seen.sid).toBe(external?.id);
    const file = external?.['external-filename'] ?? '';
    expect(file.startsWith(join(world.runtimeDir, 'subtitles'))).toBe(true);
    // The file was fetched with the token in a header, and it is gone with the playback.
    const fetches = world.plex.requests.filter((request) => request.path === `/library/streams/${SUB_EXTERNAL}`);
    expect(fetches.map((request) => [request.tokenVia, request.status])).toEqual([['header', 200]]);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(world.runtimeDir, 'subtitles')) ? readdirSync(join(world.runtimeDir, 'subtitles')) : []).toEqual([]);
    // mpv logged its commands at trace: the sub-add is there with a plain local path. (The token
    // is in mpv's log only where the person's own command line put it: the played URL.)
    const subAdd = run.log.split('\n').filter((line) => line.includes('Run command: sub-add'));
    expect(subAdd).toHaveLength(1);
    expect(subAdd[0]).toContain(`url="${file}", flags="select", title="Français", lang="fre"`);
    const ours = run.log.split('\n').filter((line) => /sub-add|subtitles\/|plex-sync\//.test(line));
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.filter((line) => line.includes(TOKEN))).toEqual([]);
    expect(readHelperLog(world)).not.toContain(TOKEN);
  });
});
