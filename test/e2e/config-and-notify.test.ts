// A bad config reaches the user in mpv (OSD and terminal); a failure after mpv has closed
// reaches the log and a desktop notification.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, readHelperLog, runMpv, waitFor, withToken, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

describe('config problems', () => {
  it('names the invalid key and the fix on the OSD and the terminal, and mpv plays on', async () => {
    const file = join(world.env['XDG_CONFIG_HOME']!, 'mpv-plex-sync', 'config.json');
    writeFileSync(file, JSON.stringify({ serverUrl: world.plex.url, token: 'x-token-1234', threshold: 150 }));
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { quit_timeout: '1' } });
    await helpersGone(world);
    expect(run.code).toBe(0);
    const line = "Plex sync: config key 'threshold' is invalid";
    expect(run.osd.some((text) => text.startsWith(line))).toBe(true);
    expect(run.log).toContain(line);
    expect(run.log).toMatch(/fix it in .*config\.json or in the environment/);
  });

  it('says how to sign in when no token is configured and the URL carries none', async () => {
    const file = join(world.env['XDG_CONFIG_HOME']!, 'mpv-plex-sync', 'config.json');
    writeFileSync(file, JSON.stringify({ serverUrl: world.plex.url }));
    const url = world.addMovie('101');
    const run = await runMpv(world, [url], { args: ['--http-header-fields=X-Plex-Token: tok-e2e-SECRET-5f3a9c'] });
    await helpersGone(world);
    expect(run.code).toBe(0);
    const host = new URL(world.plex.url).host;
    expect(run.osd.some((text) => text.includes(`no Plex token for ${host}: run 'mpv-plex-sync login' (or set PLEX_TOKEN)`))).toBe(true);
  });
});

describe('a failure after mpv has closed', () => {
  it('goes to the log and to a desktop notification', async () => {
    // A notify-send that records what it was asked to show.
    const bin = join(world.dir, 'bin');
    mkdirSync(bin);
    const shown = join(world.dir, 'notifications.txt');
    writeFileSync(join(bin, 'notify-send'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${shown}'\n`);
    chmodSync(join(bin, 'notify-send'), 0o755);
    world.env['PATH'] = `${bin}:${world.env['PATH']}`;
    world.env['DISPLAY'] = ':99';
    delete world.env['MPV_PLEX_SYNC_NO_DESKTOP_NOTIFY'];
    const file = join(world.env['XDG_CONFIG_HOME']!, 'mpv-plex-sync', 'config.json');
    writeFileSync(file, JSON.stringify({ serverUrl: world.plex.url, token: 'tok-e2e-SECRET-5f3a9c', requestTimeoutMs: 1_000 }), { mode: 0o600 });
    const url = world.addMovie('101');
    // Every sync request hangs until the helper's 1 s timeout: mpv's 1 s hold ends long before the
    // watch is known to have failed, and a report without an answer leaves the watch in doubt.
    world.plex.fault({ match: /^\/:\/(timeline|scrobble)/, kind: 'timeout' });
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { quit_timeout: '1' } });
    expect(run.code).toBe(0);
    await waitFor('the desktop notification', () => {
      try {
        return readFileSync(shown, 'utf8').includes("Plex did not answer in time — watch of 'Clip 101' queued");
      } catch {
        return false;
      }
    }, 30_000);
    await helpersGone(world, 30_000);
    expect(readHelperLog(world)).toContain("Plex did not answer in time — watch of 'Clip 101' queued");
  });
});
