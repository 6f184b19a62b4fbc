// A damaged outbox (issue 9): the helper queues again every entry that still reads, tells the
// user in mpv how many could not be read and where the damaged file is, and `status` says so too.
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createWorld, helpersGone, runCli, runMpv, withToken, type World } from '../support/session.js';
import { queuedWatch } from '../support/queued.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

/** An outbox of three queued watches whose middle one is torn by a run of NUL bytes. */
function writeDamagedOutbox(): void {
  world.addMovie('201');
  world.addMovie('202');
  world.addMovie('203');
  const text = JSON.stringify({ version: 2, entries: ['201', '202', '203'].map((key) => queuedWatch(world, key)) });
  const tear = text.indexOf('"startedAt"', text.indexOf('"pb-202"'));
  mkdirSync(world.stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(world.stateDir, 'outbox.json'), `${text.slice(0, tear)}\u0000\u0000\u0000\u0000${text.slice(tear + 14)}`, { mode: 0o600 });
}

function damagedFiles(): string[] {
  return readdirSync(world.stateDir).filter((name) => name.startsWith('outbox.json.corrupt-')).map((name) => join(world.stateDir, name));
}

it('recovers what still reads, says on the OSD how many could not be read and where the file is, and status says it too', async () => {
  writeDamagedOutbox();
  // status before any helper has seen it: the file itself, read without changing it.
  const before = await runCli(world, ['status']);
  expect(before.stdout).toMatch(/outbox file .*outbox\.json is damaged \(not valid JSON: unexpected character at line 1, column \d+\): 1 entry could not be read; the helper recovers the other 2 when it next starts/);
  expect(before.stdout).toMatch(/^Outbox {2}2 entries/m);

  const url = world.addMovie('101');
  const run = await runMpv(world, [withToken(url)]);
  await helpersGone(world);
  expect(run.code).toBe(0);
  const [damaged] = damagedFiles();
  expect(damaged).toBeDefined();
  const told = run.osd.find((line) => line.includes('outbox was damaged'));
  expect(told, run.osd.join(' / ')).toBe(`Plex sync: the outbox was damaged — 1 queued sync could not be read (2 recovered); the damaged file is kept at ${damaged}`);
  // The recovered watches were sent, as any queued entry is.
  expect(world.plex.item('201').viewCount).toBe(1);
  expect(world.plex.item('203').viewCount).toBe(1);
  expect(world.plex.item('202').viewCount).toBe(0);

  const text = await runCli(world, ['status']);
  expect(text.stdout).toContain(`warn 1 queued entry could not be read from a damaged outbox file, kept at ${damaged}`);
  expect(text.stdout).toMatch(/^Outbox {2}0 entries$/m);
  const json = JSON.parse((await runCli(world, ['status', '--json'])).stdout) as { outbox: { entries: number; damaged: unknown[] } };
  expect(json.outbox.entries).toBe(0);
  expect(json.outbox.damaged).toEqual([{ kind: 'snapshot', file: damaged, recovered: 2, unreadable: 1 }]);
});
