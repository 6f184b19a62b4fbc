// Wrong input to the CLI: a clear message and the usage exit code.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, runCli, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

describe('the command line', () => {
  it('exits 2 with a message on an unknown command', async () => {
    const result = await runCli(world, ['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });

  it('has --help on every command, exiting 0', async () => {
    for (const command of ['attach', 'play', 'sync', 'login', 'install', 'uninstall', 'doctor', 'demo', 'status', 'queue', 'users', 'user']) {
      const result = await runCli(world, [command, '--help']);
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toContain(`Usage: mpv-plex-sync ${command}`);
    }
  });

  it('exits 1 with the server named when play cannot reach Plex', async () => {
    await world.plex.goDown();
    const result = await runCli(world, ['play', '101', '--', '--vo=null']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^mpv-plex-sync: cannot reach the Plex server at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)\n$/);
  });
});
