// Which helper writes the code cache (src/cli/script-attach.ts): one that serves an mpv, once its
// first answer is compiled; never a process that only handed its mpv to the running helper or
// stopped at an error. V8 would go on taking such a thin cache, and every cold helper would
// compile the rest of its first answer again.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, createWorld, helpersGone, runCli, runMpv, waitFor, withToken, type World } from '../support/session.js';

let world: World;
const children: ChildProcess[] = [];
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
  await world.cleanup();
});

function caches(): string[] {
  const dir = join(world.env['HOME']!, '.cache', 'mpv-plex-sync', 'code');
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.v8cache')) : [];
}

describe("the helper's code cache", () => {
  it('is written by the helper that served an mpv, and taken by the next one', async () => {
    const url = world.addMovie('101');
    const first = await runMpv(world, [withToken(url)], { args: ['--end=2'], speed: 1 });
    expect(first.code).toBe(0);
    await helpersGone(world);
    expect(caches()).toHaveLength(1);
    const cacheFile = join(world.env['HOME']!, '.cache', 'mpv-plex-sync', 'code', caches()[0]!);
    const written = statSync(cacheFile).mtimeMs;
    const second = await runMpv(world, [withToken(url)], { args: ['--end=2'], speed: 1 });
    expect(second.code).toBe(0);
    await helpersGone(world);
    // Taken, so not written again.
    expect(caches()).toHaveLength(1);
    expect(statSync(cacheFile).mtimeMs).toBe(written);
    expect(world.plex.item('101').viewCount).toBe(0);
  });

  it('is not written by an attach that stopped at an error, nor by one that handed its mpv to the running helper', async () => {
    const configFile = join(world.env['XDG_CONFIG_HOME']!, 'mpv-plex-sync', 'config.json');
    writeFileSync(configFile, '{ "serverUrl": ', { mode: 0o600 });
    const failed = await runCli(world, ['attach', join(world.dir, 'no-mpv.sock')]);
    expect(failed.code).toBe(1);
    expect(caches()).toEqual([]);

    await world.cleanup();
    world = await createWorld();
    const socket = join(world.dir, 'mpv.sock');
    const mpv = spawn('mpv', ['--no-config', '--idle=yes', '--vo=null', '--ao=null', `--input-ipc-server=${socket}`], { env: world.env, stdio: 'ignore' });
    const served = spawn(process.execPath, [BIN, 'serve'], { env: world.env, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(mpv, served);
    let said = '';
    served.stdout?.on('data', (chunk: Buffer) => (said += chunk.toString('utf8')));
    await waitFor('the helper to serve', () => said.includes('mpv-plex-sync helper serving') && existsSync(socket));
    const handed = await runCli(world, ['attach', socket]);
    expect(handed.code).toBe(0);
    // Past the second after which a helper that attached would have written it.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(caches()).toEqual([]);
  });
});
