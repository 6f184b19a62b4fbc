// `mpv-plex-sync status`, run as the real built CLI against the Plex double, in a private world.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helperPids, runCli, runMpv, TOKEN, waitFor, withToken, type World } from '../support/session.js';
import { queuedWatch, writeOutbox } from '../support/queued.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

const MASKED = `****${TOKEN.slice(-4)}`;

interface StatusJson {
  ok: boolean;
  config: { file: string; exists: boolean; error: string | null; fix: string | null; values: Record<string, unknown> | null };
  server: { url: string | null; reachable: boolean | null; name: string | null; version: string | null; machineIdentifier: string | null; error: string | null };
  token: { masked: string; valid: boolean | null; error: string | null };
  helper: { running: boolean; pid: number | null; players: number };
  outbox: { entries: number; oldestCreatedAt: string | null; nextAttemptAt: string | null; problem: string | null; damaged: unknown[] };
  recent: Array<{ outcome: string; title: string; kind: string; via: string }>;
}

async function statusJson(): Promise<{ code: number | null; status: StatusJson; stdout: string }> {
  const run = await runCli(world, ['status', '--json']);
  return { code: run.code, status: JSON.parse(run.stdout) as StatusJson, stdout: run.stdout };
}

describe('mpv-plex-sync status with a working setup', () => {
  it('shows the config with the token masked, the server name and version, and an empty outbox, exiting 0', async () => {
    const run = await runCli(world, ['status']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`token             ${MASKED}`);
    expect(run.stdout).toMatch(/^ok {3}Plex server 'plex-double' at http:\/\/127\.0\.0\.1:\d+ \(version 1\.43\.0\.0000-double, machine \w+\)$/m);
    expect(run.stdout).toMatch(new RegExp(`^ok {3}token \\*{4}${TOKEN.slice(-4)} accepted$`, 'm'));
    expect(run.stdout).toMatch(/^Outbox {2}0 entries$/m);
    expect(run.stdout).toMatch(/^Helper {2}not running$/m);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('prints one JSON document with --json, holding the same findings', async () => {
    const { code, status, stdout } = await statusJson();
    expect(code).toBe(0);
    expect(status.ok).toBe(true);
    expect(status.config.values?.['token']).toBe(MASKED);
    expect(status.config.values?.['serverUrl']).toBe(world.plex.url);
    expect(status.server).toMatchObject({ url: world.plex.url, reachable: true, name: 'plex-double', version: '1.43.0.0000-double' });
    expect(status.token).toEqual({ masked: MASKED, valid: true, error: null });
    expect(status.outbox).toEqual({ entries: 0, oldestCreatedAt: null, nextAttemptAt: null, problem: null, damaged: [] });
    expect(stdout).not.toContain(TOKEN);
  });

  it('counts the queued entries and says how old the oldest is and when the next retry is due', async () => {
    world.addMovie('101');
    world.addMovie('102');
    const now = Date.now();
    writeOutbox(world, [
      queuedWatch(world, '101', { ageMs: 2 * 60 * 60_000, nextAttemptAt: now + 10 * 60_000, attempts: 3 }),
      queuedWatch(world, '102', { ageMs: 5 * 60_000, nextAttemptAt: now + 30 * 60_000 }),
    ]);
    const run = await runCli(world, ['status']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Outbox {2}2 entries, oldest queued 2 h ago, next retry in (9|10) min$/m);
    const { status } = await statusJson();
    expect(status.outbox.entries).toBe(2);
    // queuedWatch reads the clock itself, a moment after `now`: compare with the clock read after it.
    expect(Date.parse(status.outbox.oldestCreatedAt ?? '')).toBeLessThanOrEqual(Date.now() - 2 * 60 * 60_000);
    expect(Date.parse(status.outbox.oldestCreatedAt ?? '')).toBeGreaterThan(now - 2 * 60 * 60_000 - 60_000);
  });

  it('lists the last syncs once a flush has delivered something', async () => {
    world.addMovie('101');
    writeOutbox(world, [queuedWatch(world, '101')]);
    expect((await runCli(world, ['sync'])).code).toBe(0);
    const run = await runCli(world, ['status']);
    expect(run.stdout).toMatch(/^ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}delivered +watch +'Clip 101'$/m);
    const { status } = await statusJson();
    expect(status.recent).toEqual([expect.objectContaining({ outcome: 'delivered', kind: 'watch', title: 'Clip 101', via: 'replay' })]);
  });

  it('asks the running helper, which reports its attached player', async () => {
    const url = world.addMovie('101');
    let during: Promise<StatusJson> | null = null;
    await runMpv(world, [withToken(url)], {
      speed: 1,
      args: ['--end=6'],
      during: () => {
        during = waitFor('the helper to play the item', () => helperPids(world).length > 0 && world.plex.requests.some((request) => request.path === '/:/timeline')).then(
          async () => (await statusJson()).status,
        );
      },
    });
    const status = await (during as Promise<StatusJson> | null);
    expect(status?.helper).toEqual({ running: true, pid: expect.any(Number), players: 1 });
  });
});

describe('mpv-plex-sync status when something is wrong', () => {
  it('exits 1 and says the server is unreachable when it does not answer', async () => {
    await world.plex.goDown();
    const run = await runCli(world, ['status']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^fail Plex server http:\/\/127\.0\.0\.1:\d+ unreachable \(ECONNREFUSED\); start the server, or run mpv-plex-sync login to pick another$/m);
    const { code, status } = await statusJson();
    expect(code).toBe(1);
    expect(status).toMatchObject({ ok: false, server: { reachable: false }, token: { valid: null } });
  });

  it('exits 1 and names login as the fix when the server has revoked the token', async () => {
    world.plex.setToken('rotated-token-0000');
    const run = await runCli(world, ['status']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ok {3}Plex server at http:\/\/127\.0\.0\.1:\d+ \(version 1\.43\.0\.0000-double, machine \w+\)$/m);
    expect(run.stdout).toMatch(new RegExp(`^fail token \\*{4}${TOKEN.slice(-4)} rejected by the server\\n {5}fix: run mpv-plex-sync login$`, 'm'));
    const { status } = await statusJson();
    expect(status).toMatchObject({ ok: false, server: { reachable: true }, token: { valid: false } });
  });

  it('without a config file says the file is missing and names mpv-plex-sync login as the fix, exiting 1', async () => {
    await world.cleanup();
    world = await createWorld({ withConfig: false });
    const run = await runCli(world, ['status']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Config {2}.*\/config\.json \(does not exist\)$/m);
    expect(run.stdout).toMatch(/^fail no Plex server and no token configured\n {5}fix: run mpv-plex-sync login$/m);
    const { status } = await statusJson();
    expect(status).toMatchObject({ ok: false, config: { exists: false, fix: 'run mpv-plex-sync login' }, server: { reachable: null } });
  });

  it('exits 1 with the config problem when the config file is not valid JSON', async () => {
    writeFileSync(join(world.env['XDG_CONFIG_HOME'] ?? '', 'mpv-plex-sync', 'config.json'), '{ "serverUrl": ');
    const run = await runCli(world, ['status']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^fail config file .*config\.json is not valid JSON: a value was expected at line 1, column 16; .*run 'mpv-plex-sync login'/m);
  });

  it('exits 1 naming a misspelled nested key by its full path and the key it is nearest to', async () => {
    const file = join(world.env['XDG_CONFIG_HOME'] ?? '', 'mpv-plex-sync', 'config.json');
    writeFileSync(file, JSON.stringify({ serverUrl: world.plex.url, token: TOKEN, minPlayed: { percnt: 50 } }));
    const run = await runCli(world, ['status']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('minPlayed.percnt: unknown key; did you mean minPlayed.percent?');
    const { status } = await statusJson();
    expect(status.config.error).toBe(`config file ${file}: minPlayed.percnt: unknown key; did you mean minPlayed.percent?`);
  });
});
