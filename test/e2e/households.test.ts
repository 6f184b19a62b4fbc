// Several servers with the real mpv and the built script: two Plex doubles, each with its own
// token and library, saved the way a plex.tv login saves them. A ratingKey plays on the default
// server or the one --server names, a Plex Web link on the server of its machine id, and each
// server counts its own watch once. Each double answers any token but its own with 401, so a
// token that reached the other server would show as a refused request.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, runCli, TOKEN, type World } from '../support/session.js';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';

const FRIEND_TOKEN = 'tok-e2e-FRIEND-77a1c0';
const HOME_MACHINE = 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
const FRIEND_MACHINE = 'f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2';
const headless = ['--no-config', '--vo=null', '--ao=null', '--speed=10'];

let world: World;
let friend: PlexDouble;

beforeEach(async () => {
  world = await createWorld({ machineIdentifier: HOME_MACHINE, friendlyName: 'Home', withConfig: false });
  friend = await startPlexDouble({ token: FRIEND_TOKEN, latencyMs: 5, machineIdentifier: FRIEND_MACHINE, friendlyName: 'Friend' });
  friend.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/share/movies'] });
  writeConfig({
    servers: [
      { name: 'Home', machineId: HOME_MACHINE, url: world.plex.url },
      { name: 'Friend', machineId: FRIEND_MACHINE, owned: false, url: friend.url },
    ],
    users: [{ uuid: 'u-sam', name: 'Sam', tokens: { [HOME_MACHINE]: TOKEN, [FRIEND_MACHINE]: FRIEND_TOKEN } }],
    activeUser: 'u-sam',
  });
});
afterEach(async () => {
  await world.cleanup();
  await friend.stop();
});

function writeConfig(values: Record<string, unknown>): void {
  const dir = join(world.env['XDG_CONFIG_HOME']!, 'mpv-plex-sync');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(values), { mode: 0o600 });
}

function addFriendMovie(ratingKey: string, title: string): void {
  friend.addItem({ ratingKey, type: 'movie', title, sectionKey: '1', durationMs: 20_000, partId: Number(ratingKey) * 10, file: `/share/movies/${title}.mkv`, mediaPath: world.clip });
}

const refused = (double: PlexDouble) => double.requests.filter((request) => request.status === 401 && request.path !== '/:/prefs');

describe('several servers', () => {
  it('plays a ratingKey on the default server and on the one --server names, each counted once on its own server', async () => {
    world.addMovie('101', { title: 'Home Movie' });
    addFriendMovie('101', 'Friend Movie');
    // A shared server may refuse /:/prefs: its defaults apply, and the rest works.
    friend.fault({ kind: 'status', status: 403, match: '/:/prefs', times: 100 });

    const onHome = await runCli(world, ['play', '101', '--', ...headless]);
    const onFriend = await runCli(world, ['play', '101', '--server', 'friend', '--', ...headless]);
    await helpersGone(world);

    expect([onHome.code, onFriend.code]).toEqual([0, 0]);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(friend.item('101').viewCount).toBe(1);
    expect(refused(world.plex)).toEqual([]);
    expect(refused(friend)).toEqual([]);
    for (const output of [onHome, onFriend]) expect(output.stdout + output.stderr).not.toMatch(new RegExp(`${TOKEN}|${FRIEND_TOKEN}`));
  });

  it("plays a Plex Web link on the server of its machine id, and names the saved servers for an unknown one", async () => {
    addFriendMovie('301', 'Linked');
    const link = `https://app.plex.tv/desktop/#!/server/${FRIEND_MACHINE}/details?key=%2Flibrary%2Fmetadata%2F301`;
    const run = await runCli(world, ['play', link, '--', ...headless]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(friend.item('301').viewCount).toBe(1);
    expect(refused(friend)).toEqual([]);

    const unknown = await runCli(world, ['play', link.replace(FRIEND_MACHINE, 'c3'.repeat(20)), '--', ...headless]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`the link is for the Plex server with machine id ${'c3'.repeat(20)}, which is none of your servers; the saved ones: "Home", "Friend"`);
  });

  it('lists the servers and makes another the default', async () => {
    const listed = await runCli(world, ['server']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`Home +${world.plex.url}  \\(owned, default\\)`));
    expect(listed.stdout).toContain(`Friend  ${friend.url}  (shared)`);
    const chosen = await runCli(world, ['server', 'Friend']);
    expect(chosen.code).toBe(0);
    expect(chosen.stdout).toContain(`Default server: "Friend" (${friend.url})`);
    addFriendMovie('102', 'Now Default');
    const run = await runCli(world, ['play', '102', '--', ...headless]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(friend.item('102').viewCount).toBe(1);
    const unknown = await runCli(world, ['server', 'Nowhere']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no saved server is named "Nowhere"; the saved ones: "Home", "Friend"');
  });
});
