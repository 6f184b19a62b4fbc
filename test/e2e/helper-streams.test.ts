// The helper the script starts inherits mpv's stdin, stdout and stderr (mpv 0.35's detached
// subprocess passes them on). Whatever reads mpv's output must see it end when mpv exits, not
// when the helper does.
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { helperCommandFor } from '../../src/install/installer.js';
import { BIN, createWorld, helperPids, killHelpers, SCRIPT, waitFor, withToken, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
  // The helper must outlive mpv by far, so that a pipe it held would show.
  world.env['MPV_PLEX_SYNC_IDLE_EXIT_MS'] = '30000';
});
afterEach(async () => {
  killHelpers(world.dir);
  await world.cleanup();
});

describe('the helper the script starts', () => {
  it("lets go of mpv's output: the pipe closes when mpv exits, while the helper lives on", async () => {
    const url = withToken(world.addMovie('101'));
    const args = [
      '--no-config', '--vo=null', '--ao=null', '--idle=no', '--speed=10', `--script=${SCRIPT}`,
      `--script-opts=plex-sync-helper=${helperCommandFor(process.execPath, BIN).command}`,
      url,
    ];
    const child = spawn('mpv', args, { env: world.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.resume();
    const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(Date.now())));
    const closed = new Promise<number>((resolve) => child.stdout.once('close', () => resolve(Date.now())));
    const exitedAt = await exited;
    const closedAt = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), 10_000))]);
    expect(output).toContain('(+) Video');
    // The helper was started by this mpv and is still there after the pipe closed.
    await waitFor('the helper to be running', () => helperPids(world).length > 0, 2_000);
    expect(closedAt - exitedAt).toBeLessThan(1_000);
    expect(world.plex.item('101').viewCount).toBe(1);
  });
});
