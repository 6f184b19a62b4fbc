// A damaged outbox (issue 9) or journal (issue 18): the helper queues again every entry that still
// reads, tells the user in mpv how many could not be read and where the damaged file is, and
// `status` says so too.
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createWorld, helpersGone, runCli, runMpv, withToken, type World } from '../support/session.js';
import { journalLine } from '../../src/outbox/journal.js';
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

/** A journal of ten queued watches (movies 201 to 210) whose lines 4 to 6 are overwritten by NUL bytes from inside the 4th to inside the 6th. */
function writeDamagedJournal(): void {
  const lines = Array.from({ length: 10 }, (_, i) => {
    const key = String(201 + i);
    world.addMovie(key);
    return journalLine({ op: 'set', entry: queuedWatch(world, key) }, i + 1);
  });
  const text = Buffer.from(lines.join(''));
  const startOf = (line: number): number => Buffer.byteLength(lines.slice(0, line - 1).join(''));
  text.fill(0, startOf(4) + 10, startOf(6) + 10);
  mkdirSync(world.stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(world.stateDir, 'outbox.journal'), text, { mode: 0o600 });
}

function damagedFiles(prefix = 'outbox.json.corrupt-'): string[] {
  return readdirSync(world.stateDir).filter((name) => name.startsWith(prefix)).map((name) => join(world.stateDir, name));
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

it('counts the changes a damaged journal lost, on the OSD and in status, and sends every watch that still reads', async () => {
  writeDamagedJournal();
  const before = await runCli(world, ['status']);
  expect(before.stdout).toMatch(/outbox journal .*outbox\.journal is damaged \(line 4: not valid JSON\): 3 queued changes could not be read; the helper keeps the others when it next starts/);

  const url = world.addMovie('101');
  const run = await runMpv(world, [withToken(url)]);
  await helpersGone(world);
  expect(run.code).toBe(0);
  const [damaged] = damagedFiles('outbox.journal.corrupt-');
  expect(damaged).toBeDefined();
  const told = run.osd.find((line) => line.includes('journal was damaged'));
  expect(told, run.osd.join(' / ')).toBe(`Plex sync: the outbox journal was damaged — 3 queued changes could not be read (7 syncs recovered); the damaged file is kept at ${damaged}`);
  const sent = ['201', '202', '203', '207', '208', '209', '210'];
  for (const key of sent) expect(world.plex.item(key).viewCount, key).toBe(1);
  for (const key of ['204', '205', '206']) expect(world.plex.item(key).viewCount, key).toBe(0);

  const text = await runCli(world, ['status']);
  expect(text.stdout).toContain(`warn 3 queued changes could not be read from a damaged outbox journal, kept at ${damaged}`);
  const json = JSON.parse((await runCli(world, ['status', '--json'])).stdout) as { outbox: { damaged: unknown[] } };
  expect(json.outbox.damaged).toEqual([{ kind: 'journal', file: damaged, recovered: 7, unreadable: 3 }]);
});
