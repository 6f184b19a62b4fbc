// The Plex menu inside mpv (issue 21), end to end: the real mpv with the built script and helper
// against the Plex double. The menu is opened the way input.conf runs it, `script-binding
// plex_sync/menu`, its keys pressed with mpv's `keypress`, both over mpv's IPC socket; what it
// shows is read from the osd-overlay commands mpv logs at cplayer=trace.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MpvIpc } from '../support/mpv-ipc.js';
import { createWorld, helpersGone, readOutbox, runMpv, SCRIPT, TOKEN, waitFor, withToken, type MpvOptions, type World } from '../support/session.js';
import { addShow } from '../support/shows.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

/**
 * The menu's osd-overlay commands as mpv ran them, in order: the ASS text of each drawing, and ""
 * where it was taken away (`format="none"`). mpv's own scripts clear their overlays with empty
 * ass-events at start; those are not the menu's and are left out.
 */
function overlays(log: string): string[] {
  const drawn: string[] = [];
  for (const match of log.matchAll(/Run command: osd-overlay.*?args=\[id="?\d+"?, format="([^"]*)", data="((?:[^"\\]|\\.)*)"/g)) {
    if (match[1] === 'none') drawn.push('');
    else if (match[2]) drawn.push(match[2]);
  }
  return drawn;
}

/** The menu's rows in the last drawing, as labels; the highlighted one starts with '▶ '. */
function rowsShown(log: string): string[] {
  const last = overlays(log).at(-1) ?? '';
  return last
    .split(/\\n|\n/)
    .map((event) => event.replace(/\{[^}]*\}/g, '').trim())
    .filter((text) => /^(▶ )?[✓◐●] /.test(text));
}

/**
 * The script's forced bindings as mpv holds them now: the last forced section it defined. mpv
 * takes a script's new or removed bindings a moment after the call, so a key pressed at once
 * could still meet the old ones.
 */
function forcedBindings(log: string): string {
  const sections = [...log.matchAll(/define-section, flags=\d+, args=\[name="input_forced_plex_sync", contents="([^"]*)"/g)];
  return sections.at(-1)?.[1] ?? '';
}

/**
 * What a test does to mpv over its IPC socket while it plays, ending with a quit: `during` goes to
 * runMpv, and `done` is awaited once mpv has exited (a failure of the actions then fails the test).
 */
function driveMpv(socket: string, act: (ipc: MpvIpc, output: () => string) => Promise<void>): { during: NonNullable<MpvOptions['during']>; done: () => Promise<void> } {
  let acted: Promise<void> = Promise.resolve();
  return {
    during: (_child, output) => {
      acted = (async () => {
        const ipc = await MpvIpc.open(socket);
        try {
          await act(ipc, output);
        } finally {
          await ipc.command('quit').catch(() => undefined);
          ipc.close();
        }
      })();
      // Awaited after mpv exits; until then a failure must not count as unhandled.
      acted.catch(() => undefined);
    },
    done: () => acted,
  };
}

const partServed = (partId: number) => world.plex.requests.some((request) => request.path.startsWith(`/library/parts/${partId}/`) && request.status >= 200 && request.status < 300);

describe('the Plex menu in mpv', () => {
  it('opens on Continue Watching by its key binding; DOWN and ENTER play the chosen episode, and the finished movie counts once', async () => {
    const finished = world.addMovie('101');
    world.addMovie('102', { viewOffset: 6_000, lastViewedAt: 1_700_000_000 });
    addShow(world);
    // S01E01 seen: Continue Watching offers S01E02 after the movie in progress.
    world.plex.markWatchedElsewhere('511');
    const socket = join(world.dir, 'menu.sock');
    const drive = driveMpv(socket, async (ipc, output) => {
      await waitFor('the movie to be counted', () => world.plex.item('101')?.viewCount === 1, 20_000);
      await ipc.command('script-binding', 'plex_sync/menu');
      await waitFor('the Continue Watching rows', () => rowsShown(output()).length === 2, 10_000);
      await ipc.command('keypress', 'DOWN');
      await waitFor('the second row highlighted', () => rowsShown(output())[1]?.startsWith('▶ ') === true, 10_000);
      await ipc.command('keypress', 'ENTER');
      await waitFor("the episode's file fetched", () => partServed(5120), 15_000);
      await waitFor('the episode to play', () => /playback \S+ started: \S+\/library\/parts\/5120\//.test(output()), 15_000);
      await waitFor('the menu to close', () => overlays(output()).at(-1) === '', 10_000);
    });
    const run = await runMpv(world, [withToken(finished)], {
      speed: 10,
      // Held on its last frame at the end, so the menu opens over a finished playback.
      args: [`--input-ipc-server=${socket}`, '--keep-open=yes'],
      timeoutMs: 60_000,
      during: drive.during,
    });
    await drive.done();
    expect(run.code).toBe(0);
    await helpersGone(world);
    const drawn = overlays(run.log).filter((text) => text !== '');
    // The first drawing says it is loading; the first with rows highlights the first row.
    expect(drawn[0]).toContain('Loading…');
    expect(drawn[0]).toContain('Continue Watching');
    const firstRows = rowsShown(run.log.slice(0, run.log.indexOf('keypress')));
    expect(firstRows).toEqual([expect.stringMatching(/^▶ ◐ Clip 102/), expect.stringMatching(/^● The Show · S01E02 · Part 2, the start/)]);
    // mpv played what was chosen in place of the movie, titled as Plex names it.
    expect(partServed(5120)).toBe(true);
    expect(run.log).toContain("Setting option 'force-media-title' = 'The Show · S01E02 · Part 2, the start'");
    // mpv got a short-lived token for it, as play gives one (issue 22), never the configured one.
    const loadfile = run.log.split('\n').find((line) => line.includes('Run command: loadfile')) ?? '';
    expect(loadfile).toContain(`X-Plex-Token: ${world.plex.transientTokens[0]?.token}`);
    expect(loadfile).not.toContain(TOKEN);
    const episodeParts = world.plex.requests.filter((request) => request.path.startsWith('/library/parts/5120/'));
    expect(episodeParts.every((request) => request.tokenKind === 'transient' && request.tokenVia === 'header')).toBe(true);
    // The movie left for the episode was finished and synced first, and counted exactly once.
    expect(world.plex.item('101')?.viewCount).toBe(1);
    expect(world.plex.history.filter((record) => record.ratingKey === '101')).toHaveLength(1);
    expect(readOutbox(world).entries).toEqual([]);
  }, 90_000);

  it('plays the first row over a file that is not from Plex, where Plex left off', async () => {
    world.addMovie('102', { viewOffset: 6_000, lastViewedAt: 1_700_000_000 });
    const socket = join(world.dir, 'menu-resume.sock');
    const drive = driveMpv(socket, async (ipc, output) => {
      await waitFor('the file to be found not from Plex', () => output().includes(' is ignored'), 20_000);
      await ipc.command('script-binding', 'plex_sync/menu');
      await waitFor('the Continue Watching rows', () => rowsShown(output()).length === 1, 10_000);
      await ipc.command('keypress', 'ENTER');
      await waitFor('the movie to play', () => /playback \S+ started: \S+\/library\/parts\/1020\//.test(output()), 15_000);
    });
    const run = await runMpv(world, [world.clip], {
      speed: 1,
      args: [`--input-ipc-server=${socket}`, '--pause'],
      timeoutMs: 60_000,
      during: drive.during,
    });
    await drive.done();
    expect(run.code).toBe(0);
    const chosen = run.log.slice(run.log.indexOf('Run command: loadfile'));
    expect(chosen).toContain('Set property: file-local-options/start="6"');
    expect(chosen).toContain("Setting option 'force-media-title' = 'Clip 102'");
    await helpersGone(world);
  }, 90_000);

  it('opens over a file that is not from Plex, with --no-osc, on the default server; a typed search finds the show, and ESC gives the keys back', async () => {
    world.addMovie('102', { viewOffset: 6_000, lastViewedAt: 1_700_000_000 });
    addShow(world);
    const socket = join(world.dir, 'menu-local.sock');
    const drive = driveMpv(socket, async (ipc, output) => {
      await waitFor('the file to be found not from Plex', () => output().includes(' is ignored'), 20_000);
      await ipc.command('script-binding', 'plex_sync/menu');
      await waitFor('the Continue Watching rows', () => rowsShown(output()).length === 1, 10_000);
      await ipc.command('keypress', 'LEFT');
      // The script binds the search page's keys one by one (a define-section each): every key typed
      // must be bound before it is pressed, or a loaded machine hands the first ones to mpv's own.
      const typed = ['t', 'h', 'e', 'SPACE', 's', 'h', 'o', 'w', 'x', 'BS'];
      const bindingOf = (key: string) => `plex_sync/plex-menu-${key.length === 1 ? `char-${key.charCodeAt(0)}` : key}`;
      await waitFor('the typing keys to be bound', () => typed.every((key) => forcedBindings(output()).includes(bindingOf(key))), 10_000);
      for (const key of typed) await ipc.command('keypress', key);
      await waitFor('the text typed', () => (overlays(output()).at(-1) ?? '').includes('Search: the show'), 10_000).catch((error: Error) => {
        // What was drawn, and which keys the script saw: a failure says where the letters went.
        const seen = output().split('\n').filter((line) => /plex-menu-|keypress|Search:/.test(line)).slice(-40);
        throw new Error(`${error.message}; last drawn: ${overlays(output()).at(-1) ?? ''}\n${seen.join('\n')}`);
      });
      await ipc.command('keypress', 'ENTER');
      await waitFor('the results', () => rowsShown(output()).some((text) => text.includes('The Show')), 10_000);
      await ipc.command('keypress', 'ESC');
      await waitFor('the menu to close', () => overlays(output()).at(-1) === '', 10_000);
      await waitFor('the keys to be given back', () => forcedBindings(output()) === '', 10_000);
      // Closed, the menu holds no key: DOWN is mpv's own again.
      await ipc.command('keypress', 'DOWN');
      await ipc.command('keypress', 'a');
    });
    const run = await runMpv(world, [world.clip], {
      speed: 1,
      args: [`--input-ipc-server=${socket}`, '--no-osc', '--pause'],
      timeoutMs: 60_000,
      during: drive.during,
    });
    await drive.done();
    expect(run.code).toBe(0);
    const rowsOf = (at: number) => rowsShown(run.log.slice(0, at));
    expect(rowsOf(run.log.indexOf('keypress, flags=64, args=[name="LEFT"]'))).toEqual([expect.stringMatching(/^▶ ◐ Clip 102/)]);
    const search = world.plex.requests.filter((request) => request.path === '/hubs/search');
    expect(search.map((request) => request.query['query'])).toEqual(['the show']);
    const afterClose = run.log.slice(run.log.lastIndexOf('keypress, flags=64, args=[name="ESC"]'));
    expect(afterClose).toContain('args=[name="DOWN"]');
    expect(afterClose).not.toMatch(/script-binding.*plex-menu-(DOWN|char)/);
    await helpersGone(world);
  }, 90_000);

  it('with two copies of the script loaded, Alt+p opens one menu, from the elected copy', async () => {
    world.addMovie('102', { viewOffset: 6_000, lastViewedAt: 1_700_000_000 });
    const copy = join(world.dir, 'plex-sync2.js');
    copyFileSync(SCRIPT, copy);
    const socket = join(world.dir, 'menu-two.sock');
    const drive = driveMpv(socket, async (ipc, output) => {
      // Either copy may be the elected one, and only plex_sync logs at debug: the helper's
      // answer, which mpv logs whichever copy it goes to, says the file is known.
      await waitFor('the helper to name the file', () => /script-message-to, .*"plex-sync\/item", .*\\"status\\":\\"ignored\\"/.test(output()), 20_000);
      await ipc.command('keypress', 'Alt+p');
      await waitFor('the Continue Watching rows', () => rowsShown(output()).length === 1, 10_000);
    });
    const run = await runMpv(world, [world.clip], {
      speed: 1,
      args: [`--script=${copy}`, `--input-ipc-server=${socket}`, '--pause'],
      timeoutMs: 60_000,
      during: drive.during,
    });
    await drive.done();
    expect(run.code).toBe(0);
    expect(run.log.match(/Run command: script-message, .*"plex-sync\/menu"/g)).toHaveLength(1);
    expect(run.log.match(/Run command: script-binding, .*\/menu"\]/g)).toHaveLength(1);
    await helpersGone(world);
  }, 90_000);

  /** Opens the menu over the world's clip and returns mpv's log once the menu has said `what`. */
  async function menuSays(what: string, scriptOpts: Record<string, string> = {}): Promise<string> {
    const socket = join(world.dir, 'menu-says.sock');
    const drive = driveMpv(socket, async (ipc, output) => {
      await waitFor('the file to load', () => output().includes(' started: '), 20_000);
      await ipc.command('script-binding', 'plex_sync/menu');
      await waitFor(`the menu to say "${what}"`, () => (overlays(output()).at(-1) ?? '').includes(what), 15_000);
    });
    const run = await runMpv(world, [world.clip], {
      speed: 1,
      args: [`--input-ipc-server=${socket}`, '--pause'],
      scriptOpts,
      timeoutMs: 60_000,
      during: drive.during,
    });
    await drive.done();
    expect(run.code).toBe(0);
    return run.log;
  }

  it('says plainly when no helper answers', async () => {
    await menuSays('No answer from the helper (mpv-plex-sync) in 2 s: is it running?', { autostart_helper: 'no', helper_timeout: '1' });
  }, 90_000);

  it('says plainly when Plex answers with an error, and shows no rows', async () => {
    world.plex.fault({ match: /^\/hubs\/continueWatching/, kind: 'status', status: 503 });
    const log = await menuSays(`Plex at ${new URL(world.plex.url).host} answered 503; try again in a moment.`);
    expect(rowsShown(log)).toEqual([]);
    await helpersGone(world);
  }, 90_000);
});
