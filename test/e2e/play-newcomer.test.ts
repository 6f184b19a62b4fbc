// What a newcomer ran into with `play` (issue 20): each case refused or done at once, in one line,
// rather than a wait, a silent no-sync, or files left behind.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, readOutbox, runCli, runMpv, TOKEN, withToken, type World } from '../support/session.js';
import { spoolDir } from '../../src/protocol/state-dir.js';

let world: World;
beforeEach(async () => {
  world = await createWorld({ friendlyName: 'Living Room' });
});
afterEach(async () => {
  await world.cleanup();
});

/** Near the end of the 20 s clip at ten times the speed: about a second of playing. */
const headless = ['--no-config', '--vo=null', '--ao=null', '--speed=10', '--start=17'];
const titles = ['--term-playing-msg=TITLE=${media-title}'];

function spooled(): string[] {
  const dir = spoolDir(world.stateDir, process.platform);
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('play: a rating key', () => {
  it('refuses --rating-key that is not a number in one line, before mpv starts', async () => {
    world.addMovie('101');
    const run = await runCli(world, ['play', '--rating-key', 'abc', world.clip, '--', ...headless]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("--rating-key takes a Plex ratingKey, a whole number such as 101; got 'abc'");
    expect(run.stdout).not.toContain('Video --vid');
  });

  it('refuses --rating-key of an item the server does not have before mpv starts, and keeps nothing', async () => {
    const url = world.addMovie('101');
    const run = await runCli(world, ['play', '--rating-key', '99999', url, '--', ...headless]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("mpv-plex-sync: Plex has no item 99999 on 'Living Room'\n");
    expect(run.stdout).toBe('');
    await helpersGone(world);
    expect(spooled()).toEqual([]);
    expect(readOutbox(world).entries).toEqual([]);
  });

  it('keeps nothing for the script option rating_key of an item the server does not have, and says so once', async () => {
    world.addMovie('101');
    // Ten seconds of media (one at speed 10): the line comes from a helper mpv starts cold, which
    // a loaded machine slows; three seconds sometimes ended before it had asked the server.
    const run = await runMpv(world, [world.clip], { scriptOpts: { rating_key: '99999' }, args: ['--start=10'] });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.log.split('\n').filter((line) => line.startsWith('[plex_sync]') && line.includes('not on the Plex server'))).toHaveLength(1);
    expect(spooled()).toEqual([]);
    expect(readOutbox(world).entries).toEqual([]);
  });

  it('plays a file with --rating-key under the title Plex gives the item, and syncs it', async () => {
    world.addMovie('101', { title: 'The Real Title' });
    const run = await runCli(world, ['play', '--rating-key', '101', world.clip, '--', ...headless, ...titles]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).toContain('TITLE=The Real Title');
    expect(world.plex.item('101').viewCount).toBe(1);
  });

  it('refuses the script option rating_key that is not a number, on the terminal and the OSD, and syncs by path', async () => {
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { rating_key: 'abc' }, args: ['--start=17'] });
    await helpersGone(world);
    const line = "option rating_key=abc is not a Plex ratingKey (a whole number, as in /library/metadata/101); ignored";
    // Once on the terminal: mpv prints the OSD line there itself with no video shown, and the
    // script does not add its own copy (the log's trace lines of mpv's modules are not the terminal's).
    const terminal = run.log.split('\n').filter((text) => text.includes(line) && !/^\[(?!plex_sync\])[\w/]+\]/.test(text.replace(/^[\r\x1b[K]+/, '')));
    expect(terminal).toHaveLength(1);
    expect(run.osd.some((text) => text.includes(line))).toBe(true);
    expect(world.plex.item('101').viewCount).toBe(1);
  });
});

describe('play: a part URL', () => {
  /** mpv's status line shows media-title: what the person sees as the title, as it changes. */
  const statusTitle = ['--term-status-msg=MT=${media-title}|'];

  it("shows Plex's title once the helper knows the item, not the file's name", async () => {
    const url = world.addMovie('101', { title: 'The Real Title' });
    // mpv logs each property set at trace level, the helper's over IPC too: the title set for
    // this file is read there, not from a status line that a loaded machine may draw too late.
    const run = await runCli(world, ['play', url, '--', ...headless, '--start=5', '--msg-level=cplayer=trace']);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).toContain('Set property: file-local-options/force-media-title="The Real Title" -> 1');
    expect(world.plex.item('101').viewCount).toBe(1);
  });

  it('keeps the title the person set with --force-media-title', async () => {
    const url = world.addMovie('101', { title: 'The Real Title' });
    const run = await runCli(world, ['play', url, '--', ...headless, '--start=5', '--force-media-title=Mine', '--msg-level=cplayer=trace', ...statusTitle]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).toContain('MT=Mine|');
    // The helper asked (the file was identified) and left the person's title alone.
    expect(run.stdout + run.stderr).toContain('Plex: marked watched — The Real Title');
    expect(run.stdout + run.stderr).not.toContain('Set property: file-local-options/force-media-title');
  });
});

describe('play: the same server under another loopback name', () => {
  it('refuses localhost when the config says 127.0.0.1, says it may be the same server and how to add it, and sends no token', async () => {
    world.addMovie('101');
    const alias = world.plex.url.replace('127.0.0.1', 'localhost');
    const run = await runCli(world, ['play', `${alias}/library/metadata/101`, '--', ...headless]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `mpv-plex-sync: ${new URL(alias).host} is not your Plex server, and the URL carries no token; it may be your server at ${world.plex.url} under another address: add it with 'mpv-plex-sync login --token - --server ${alias}', or add ${alias} to serverConnections in config.json\n`,
    );
    expect(world.plex.requests.filter((request) => request.tokenVia !== null)).toEqual([]);
  });

  it('says the same of a part URL on localhost before mpv tries it as given, and sends no token', async () => {
    world.addMovie('101');
    const alias = world.plex.url.replace('127.0.0.1', 'localhost');
    const partUrl = world.plex.partUrl('101').replace('127.0.0.1', 'localhost');
    const run = await runCli(world, ['play', partUrl, '--', ...headless]);
    await helpersGone(world);
    const said = `mpv-plex-sync: ${new URL(alias).host} is not your Plex server, and the URL carries no token; it may be your server at ${world.plex.url} under another address: add it with 'mpv-plex-sync login --token - --server ${alias}', or add ${alias} to serverConnections in config.json; mpv plays it as given, and nothing of it is synced`;
    expect(run.stderr.split('\n').filter((line) => line === said)).toHaveLength(1);
    // The double asks for a token, as Plex does: mpv could not open it, and nothing went with one.
    expect(world.plex.requests.filter((request) => request.tokenVia !== null)).toEqual([]);
    expect(world.plex.item('101').viewCount).toBe(0);
  });
});

describe('play: the options after --', () => {
  it("plays with the person's own --input-ipc-server, and the helper attaches to it", async () => {
    world.addMovie('101');
    const own = join(world.dir, 'own-mpv.sock');
    const run = await runCli(world, ['play', '101', '--', ...headless, `--input-ipc-server=${own}`]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('did not open its IPC socket');
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });
});
