// What the script says when the helper cannot serve it: the real reason, not "not responding".
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, runMpv, withToken, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

describe('a helper that cannot start', () => {
  it('says why on the OSD, spools at once without holding quit, and never claims the helper is not responding', async () => {
    const url = world.addMovie('101');
    // Not JSON: the helper stops at its config.
    writeFileSync(join(world.env['XDG_CONFIG_HOME']!, 'mpv-plex-sync', 'config.json'), '{ "serverUrl": ', { mode: 0o600 });
    const run = await runMpv(world, [withToken(url)]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.osd.filter((line) => /not responding/i.test(line))).toEqual([]);
    expect(run.osd.some((line) => /the helper could not start: .*config.*saved, will sync later/i.test(line))).toBe(true);
    expect(run.log).not.toContain('quit_timeout passed');
    expect(run.elapsedMs).toBeLessThan(5_000);
    const spool = join(world.stateDir, 'spool');
    expect(existsSync(spool) ? readdirSync(spool).filter((name) => name.endsWith('.json')) : []).toHaveLength(1);
  });

  it('names a helper program that is not there', async () => {
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { helper: join(world.dir, 'no-such-helper') } });
    expect(run.code).toBe(0);
    expect(run.osd.filter((line) => /not responding/i.test(line))).toEqual([]);
    expect(run.osd.some((line) => /helper program .*no-such-helper.* not found.*saved, will sync later/.test(line))).toBe(true);
  });
});
