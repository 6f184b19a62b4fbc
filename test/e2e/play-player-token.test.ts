// `play` hands mpv a transient token, never the account's (issue 22): with the real mpv at -v
// writing its log, the real built script and helper, and the Plex double's /security/token.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, readHelperLog, runCli, TOKEN, withToken, type World } from '../support/session.js';
import { addShow } from '../support/shows.js';

const SERVER_NAME = 'Living Room';
/** A token of another user of the double, which a URL may carry. */
const OTHER = 'tok-e2e-kid-7d21aa90';
// The last five seconds of the 20 s clip at ten times the speed: past the mark, so a watch counts.
const headless = ['--no-config', '--vo=null', '--ao=null', '--speed=10', '--start=15'];

let world: World;
beforeEach(async () => {
  world = await createWorld({ friendlyName: SERVER_NAME, users: [{ token: OTHER, name: 'kid' }] });
});
afterEach(async () => {
  await world.cleanup();
});

const partRequests = () => world.plex.requests.filter((request) => request.path.startsWith('/library/parts/'));
/** The helper's own requests: what it reports and marks. */
const helperRequests = () => world.plex.requests.filter((request) => request.path.startsWith('/:/'));
/** Every file below `dir`. */
function filesBelow(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const info = statSync(path, { throwIfNoEntry: false });
    if (info?.isDirectory()) found.push(...filesBelow(path));
    else if (info?.isFile()) found.push(path);
  }
  return found;
}

/** The command lines of this world's processes (its dirs are in each), sampled while `run` runs. */
async function commandLinesDuring<T>(run: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const sample = () => {
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        const line = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        if (line.includes(world.dir)) lines.push(line);
      } catch {
        // Gone meanwhile.
      }
    }
  };
  const sampler = setInterval(sample, 50);
  try {
    return { result: await run(), lines };
  } finally {
    clearInterval(sampler);
  }
}

const fallbackLines = (stderr: string) => stderr.split('\n').filter((line) => line.includes("mpv is given the server's own token"));

describe('play gives mpv a transient token', () => {
  it('keeps the configured token out of mpv -v log and the terminal; every part is fetched with a transient token and the watch counts once', async () => {
    world.addMovie('101');
    const mpvLog = join(world.dir, 'mpv-verbose.log');
    const { result: run, lines } = await commandLinesDuring(() => runCli(world, ['play', '101', '--', ...headless, '-v', `--log-file=${mpvLog}`]));
    await helpersGone(world);

    expect(run.code).toBe(0);
    const log = readFileSync(mpvLog, 'utf8');
    // mpv did log the header it was given: the transient token, as issued to the configured user.
    const [issued] = world.plex.transientTokens;
    expect(world.plex.transientTokens).toHaveLength(1);
    expect(log).toContain(`X-Plex-Token: ${issued?.token}`);
    expect(log).not.toContain(TOKEN);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
    expect(fallbackLines(run.stderr)).toEqual([]);
    expect(partRequests().length).toBeGreaterThan(0);
    expect(partRequests().every((request) => request.tokenKind === 'transient' && request.user === 'admin' && request.tokenVia === 'header')).toBe(true);
    // The helper keeps its own token for everything it sends.
    expect(helperRequests().length).toBeGreaterThan(0);
    expect(helperRequests().every((request) => request.tokenKind === 'account')).toBe(true);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(1);
    expect(readHelperLog(world)).not.toContain(issued?.token);
    // Not on any command line (ps), and in no file the product wrote but the private player-tokens.json.
    expect(lines.some((line) => line.includes('--script-opts-append'))).toBe(true);
    for (const line of lines) expect(line).not.toContain(issued?.token);
    for (const line of lines) expect(line).not.toContain(TOKEN);
    const written = [...filesBelow(world.stateDir), ...filesBelow(world.runtimeDir)].filter((file) => !file.endsWith('player-tokens.json'));
    for (const file of written) expect(readFileSync(file, 'utf8'), file).not.toContain(issued?.token);
  });

  it('gives every entry of --next the transient token, and reuses it in the next play', async () => {
    addShow(world);
    const first = await runCli(world, ['play', '511', '--next', '1', '--', ...headless]);
    const second = await runCli(world, ['play', '521', '--', ...headless]);
    await helpersGone(world);

    expect([first.code, second.code]).toEqual([0, 0]);
    expect(world.plex.transientTokens).toHaveLength(1);
    const parts = new Set(partRequests().map((request) => request.path.split('/')[3]));
    expect(parts).toEqual(new Set(['5110', '5120', '5210']));
    expect(partRequests().every((request) => request.tokenKind === 'transient')).toBe(true);
    expect(['511', '512', '521'].map((key) => world.plex.item(key).viewCount)).toEqual([1, 1, 1]);
    // Kept privately in the runtime dir, without the configured token.
    const kept = join(world.runtimeDir, 'player-tokens.json');
    expect(existsSync(kept)).toBe(true);
    expect(readFileSync(kept, 'utf8')).not.toContain(TOKEN);
  });

  it("swaps a saved server's token for a transient one for a part URL, also when the URL carries that very token, and keeps another token a URL carries", async () => {
    const url = world.addMovie('101');
    const plain = await runCli(world, ['play', url, '--', ...headless]);
    await helpersGone(world);
    expect(plain.code).toBe(0);
    expect(partRequests().length).toBeGreaterThan(0);
    expect(partRequests().every((request) => request.tokenKind === 'transient')).toBe(true);

    // A direct-play URL copied from Plex Web carries the account's own token: mpv must not get it
    // (review of issue 22: it did, and mpv -v logged it).
    world.plex.clearRequests();
    const mpvLog = join(world.dir, 'mpv-own-url.log');
    const own = await runCli(world, ['play', withToken(url), '--', ...headless, '-v', `--log-file=${mpvLog}`]);
    await helpersGone(world);
    expect(own.code).toBe(0);
    expect(partRequests().length).toBeGreaterThan(0);
    expect(partRequests().every((request) => request.tokenKind === 'transient')).toBe(true);
    expect(readFileSync(mpvLog, 'utf8')).not.toContain(TOKEN);
    expect(own.stdout + own.stderr).not.toContain(TOKEN);

    // Another token the person gave (here a Home user's) is theirs to give: mpv plays with it.
    world.plex.clearRequests();
    const given = await runCli(world, ['play', withToken(url, OTHER), '--', ...headless]);
    await helpersGone(world);
    expect(given.code).toBe(0);
    expect(partRequests().length).toBeGreaterThan(0);
    expect(partRequests().every((request) => request.tokenKind === 'account' && request.user === 'kid')).toBe(true);
    expect(world.plex.item('101').viewCount).toBe(3);
  });
});

describe('a server that refuses /security/token', () => {
  for (const status of [401, 404] as const) {
    it(`plays with the server's own token (${status}), says so once, and the watch counts`, async () => {
      addShow(world);
      world.plex.fault({ match: '/security/token', kind: 'status', status });
      const { result: run, lines: commandLines } = await commandLinesDuring(() => runCli(world, ['play', '511', '--next', '1', '--', ...headless]));
      await helpersGone(world);
      // The fallback hands mpv the server's own token over IPC, as before: never on a command line.
      expect(commandLines.some((line) => line.includes('--script-opts-append'))).toBe(true);
      for (const line of commandLines) expect(line).not.toContain(TOKEN);

      expect(run.code).toBe(0);
      const lines = fallbackLines(run.stderr);
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(
        status === 404
          ? /^mpv-plex-sync: 'Living Room' gives no short-lived token for mpv \(404: an older Plex Media Server\), so mpv is given the server's own token: mpv's verbose log \(-v, --log-file\) will hold it; do not paste that log$/
          : /^mpv-plex-sync: 'Living Room' refused a short-lived token for mpv \(401\), so mpv is given the server's own token/,
      );
      expect(run.stdout + run.stderr).not.toContain(TOKEN);
      expect(partRequests().length).toBeGreaterThan(0);
      expect(partRequests().every((request) => request.tokenKind === 'account')).toBe(true);
      expect(['511', '512'].map((key) => world.plex.item(key).viewCount)).toEqual([1, 1]);
    });
  }
});
