// The token never leaks: a whole session with a recognisable token, then a search for it in
// every file the project wrote (the config aside), everything printed, and every OSD line.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BIN, createWorld, helpersGone, runCli, runMpv, TOKEN, withToken, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld({ withConfig: false });
});
afterEach(async () => {
  await world.cleanup();
});

function filesBelow(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info) continue;
    if (info.isDirectory()) found.push(...filesBelow(path));
    else if (info.isFile()) found.push(path);
  }
  return found;
}

/** Every process's command line, as /proc shows it to any user of the machine. */
function processCommandLines(): string[] {
  const lines: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      lines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      // The process ended meanwhile.
    }
  }
  return lines;
}

function loginWithStdin(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'login', '--token', '-', '--server', world.plex.url], { env: world.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
    child.stdin.end(`${TOKEN}\n`);
  });
}

it('never writes, prints or shows the token anywhere but the config file', async () => {
  const printed: string[] = [];
  const osd: string[] = [];
  const login = await loginWithStdin();
  expect(login.code).toBe(0);
  printed.push(login.out);

  // A watch that syncs, a half playback through `play`, a failing sync that is queued and sent
  // later, and a rejected token: every path that writes or prints something.
  world.addMovie('101');
  world.addMovie('102');
  world.addMovie('103');
  const first = await runMpv(world, [withToken(world.plex.partUrl('101'))]);
  osd.push(...first.osd);
  // While `play` runs mpv and the helper, no process's command line may hold the token.
  const commandLines: string[] = [];
  // Other test files run mpv at the same time: only this session's processes (its dirs) count.
  const sampler = setInterval(() => commandLines.push(...processCommandLines().filter((line) => line.includes(world.dir))), 50);
  const play = await runCli(world, ['-v', 'play', '102', '--', '--no-config', '--vo=null', '--ao=null', '--speed=10', '--end=8']);
  clearInterval(sampler);
  printed.push(play.stdout, play.stderr);
  expect(commandLines.some((line) => line.includes('mpv') && line.includes('--script-opts-append'))).toBe(true);
  for (const line of commandLines) expect(line).not.toContain(TOKEN);
  await helpersGone(world);
  world.plex.fault({ match: /^\/:\/(timeline|scrobble)/, kind: 'status', status: 503 });
  const failing = await runMpv(world, [withToken(world.plex.partUrl('103'))], { scriptOpts: { quit_timeout: '3' } });
  osd.push(...failing.osd);
  await helpersGone(world);
  world.plex.clearFaults();
  const sync = await runCli(world, ['-v', 'sync']);
  printed.push(sync.stdout, sync.stderr);
  world.plex.setToken('rotated-token-0000');
  const rejected = await runMpv(world, [withToken(world.plex.partUrl('101'), 'rotated-token-0000')]);
  osd.push(...rejected.osd);
  await helpersGone(world);
  for (const args of [['doctor'], ['doctor', '--json'], ['sync']]) {
    const result = await runCli(world, args);
    printed.push(result.stdout, result.stderr);
  }

  expect(world.plex.item('103').viewCount).toBe(1);
  expect(rejected.osd.some((line) => line.includes('Plex rejected the token')), rejected.osd.join(' / ')).toBe(true);
  const configFile = join(world.env['XDG_CONFIG_HOME']!, 'mpv-plex-sync', 'config.json');
  const written = filesBelow(world.dir).filter((file) => file !== configFile && !file.endsWith('.sock'));
  expect(written.some((file) => file.endsWith('mpv-plex-sync.log'))).toBe(true);
  // The helper's code cache (compiled code, written by the helper that served) is among them.
  expect(written.some((file) => file.endsWith('.v8cache'))).toBe(true);
  for (const file of written) expect(readFileSync(file, 'latin1'), file).not.toContain(TOKEN);
  for (const text of printed) expect(text).not.toContain(TOKEN);
  for (const line of osd) expect(line).not.toContain(TOKEN);
  expect(osd.length).toBeGreaterThan(3);
  // The config holds it, privately.
  expect(readFileSync(configFile, 'utf8')).toContain(TOKEN);
  expect(statSync(configFile).mode & 0o777).toBe(0o600);
});
