// Spool intake: one spool file that cannot be read nor moved aside must not keep the others
// from being taken in (issue 9); a spooled playback is judged by the sync core's own decision.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryOutboxStore } from '../../src/outbox/index.js';
import { ConfigSchema } from '../../src/config/config.js';
import type { ServerWatchPrefs } from '../../src/plex/watch-prefs.js';
import { takeInSpool, writeSpool } from '../../src/mpv/spool.js';
import type { ItemResolver } from '../../src/sync/ports.js';
import { takeInSpooled } from '../../src/sync/spool-intake.js';
import { PlexHttpError } from '../../src/plex/errors.js';

// Root (these tests may run as root) renames in a read-only dir all the same; so the rename
// fails here the way it fails for a user in a read-only spool dir.
const readOnlyDirs = vi.hoisted(() => new Set<string>());
vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>();
  const failIfReadOnly = (path: unknown) => {
    for (const dir of readOnlyDirs) {
      if (String(path).startsWith(`${dir}/`)) throw Object.assign(new Error(`EACCES: permission denied, '${String(path)}'`), { code: 'EACCES' });
    }
  };
  return {
    ...fs,
    renameSync: (from: string, to: string) => {
      failIfReadOnly(from);
      fs.renameSync(from, to);
    },
    unlinkSync: (path: string) => {
      failIfReadOnly(path);
      fs.unlinkSync(path);
    },
  };
});

const SERVER = 'http://plex.test:32400';

/** Every film is 100 s long, its credits start at 85 s, and each path names its ratingKey. */
const resolver = {
  resolve: async (path: string) => ({
    kind: 'plex',
    item: {
      client: { serverUrl: SERVER },
      ratingKey: path.replace(/\D/g, ''),
      type: 'movie',
      displayName: 'Film',
      durationMs: 100_000,
      viewCount: 0,
      markers: [{ type: 'credits', startMs: 85_000, endMs: 100_000, final: true }],
    },
  }),
} as unknown as ItemResolver;

/** The server's rule: its threshold, 90 % (behaviour 0), unless a test asks for the credits. */
function servers(prefs: ServerWatchPrefs = { thresholdPercent: 90, behaviour: 0 }) {
  return { serverWatchPrefs: async () => prefs };
}

function start(playbackId: string) {
  return { playbackId, path: `/media/film-${playbackId.replace(/\D/g, '')}.mkv`, startedAt: 1, durationMs: 100_000, positionMs: 0, ratingKey: null, baselineViewCount: 0 };
}
function last(playbackId: string) {
  return { playbackId, positionMs: 95_000, durationMs: 100_000, playedMs: 95_000, holdMs: 0 };
}

let root: string;
let spoolDir: string;
let logged: Array<{ level: number; msg: string }>;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'spool-test-'));
  spoolDir = join(root, 'spool');
  mkdirSync(spoolDir, { mode: 0o700 });
  lost = [];
  logged = [];
  readOnlyDirs.clear();
});
afterEach(() => {
  chmodSync(spoolDir, 0o700);
  rmSync(root, { recursive: true, force: true });
});

let lost: string[];

function options(outbox: MemoryOutboxStore, prefs?: ServerWatchPrefs) {
  const log = pino({ level: 'debug' }, { write: (line: string) => void logged.push(JSON.parse(line) as { level: number; msg: string }) });
  const intake = { config: ConfigSchema.parse({}), resolver, servers: servers(prefs), outbox };
  return { spoolDir, takeIn: (spooled: Parameters<typeof takeInSpooled>[1]) => takeInSpooled(intake, spooled), onLost: (why: string) => void lost.push(why), log };
}

describe('takeInSpool', () => {
  it('takes in every good file although a junk file in a read-only spool dir cannot be moved aside', async () => {
    writeSpool(spoolDir, start('pb-1'), last('pb-1'));
    writeFileSync(join(spoolDir, 'junk.json'), '{not json');
    writeSpool(spoolDir, start('pb-3'), last('pb-3'));
    chmodSync(spoolDir, 0o500);
    readOnlyDirs.add(spoolDir);
    const outbox = new MemoryOutboxStore();
    await outbox.load();

    await expect(takeInSpool(options(outbox))).resolves.toBe(2);
    expect(outbox.list().map((entry) => entry.id).sort()).toEqual(['watch:pb-1', 'watch:pb-3']);
    expect(logged.filter((line) => line.msg.includes('could not be moved aside'))).toHaveLength(1);

    // The good files could not be removed either: said once each, and not taken in twice.
    expect(logged.filter((line) => line.msg.includes('could not be removed'))).toHaveLength(2);
    // A second intake (the next replay) goes on as well, and says nothing again.
    await expect(takeInSpool(options(outbox))).resolves.toBe(0);
    expect(logged.filter((line) => line.msg.includes('could not be moved aside'))).toHaveLength(1);
    expect(logged.filter((line) => line.msg.includes('could not be removed'))).toHaveLength(2);
    expect(outbox.list()).toHaveLength(2);
  });

  it('moves a junk file aside where it can, and takes in the rest', async () => {
    writeFileSync(join(spoolDir, 'junk.json'), '{not json');
    writeSpool(spoolDir, start('pb-2'), last('pb-2'));
    const outbox = new MemoryOutboxStore();
    await outbox.load();
    await expect(takeInSpool(options(outbox))).resolves.toBe(1);
    expect(readdirSync(spoolDir).filter((name) => name.startsWith('junk.json.corrupt-'))).toHaveLength(1);
  });
});

describe('a saved playback that cannot be synced', () => {
  it('is dropped and said once when Plex answers 404 for its item, and kept when Plex is down', async () => {
    writeSpool(spoolDir, { ...start('pb-11'), ratingKey: '99999' }, last('pb-11'));
    writeSpool(spoolDir, start('pb-12'), last('pb-12'));
    const outbox = new MemoryOutboxStore();
    await outbox.load();
    const answers = (path: string) => {
      if (path.includes('11')) throw new PlexHttpError('GET', `${SERVER}/library/metadata/99999`, 404, 'Not Found', null);
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    };
    const intake = { config: ConfigSchema.parse({}), resolver: { resolve: async (path: string) => answers(path) } as unknown as ItemResolver, servers: servers(), outbox };
    const run = () => takeInSpool({ ...options(outbox), takeIn: (spooled) => takeInSpooled(intake, spooled) });
    await run();
    await run();
    expect(lost).toEqual([`Plex has no item 99999 (404 from ${SERVER}) — dropped`]);
    expect(readdirSync(spoolDir)).toEqual(['pb-12.json']);
    expect(outbox.list()).toEqual([]);
  });

  it('is said once when mpv left it empty (a full disk), and set aside', async () => {
    writeFileSync(join(spoolDir, 'pb-9.json'), '');
    const outbox = new MemoryOutboxStore();
    await outbox.load();
    await takeInSpool(options(outbox));
    await takeInSpool(options(outbox));
    expect(lost).toEqual(['the file mpv saved is empty (a full disk?)']);
    expect(readdirSync(spoolDir).filter((name) => name.startsWith('pb-9.json.corrupt-'))).toHaveLength(1);
  });

  it('is said once when the script could not write it whole and left it as unsaved', async () => {
    writeFileSync(join(spoolDir, 'pb-10.json.unsaved'), '{"v":');
    const outbox = new MemoryOutboxStore();
    await outbox.load();
    await takeInSpool(options(outbox));
    await takeInSpool(options(outbox));
    expect(lost).toEqual(['the disk was full or failing when mpv saved it']);
    expect(outbox.list()).toEqual([]);
  });
});

describe('where a spooled playback counts', () => {
  it("counts at the item's own mark, so a stop in the credits before 90 % counts where the server would", async () => {
    // Stopped at 86 %: past the credits (85 %), which the server's rule (behaviour 2) counts at.
    writeSpool(spoolDir, start('pb-7'), { ...last('pb-7'), positionMs: 86_000, playedMs: 86_000 });
    const outbox = new MemoryOutboxStore();
    await outbox.load();
    await takeInSpool(options(outbox, { thresholdPercent: 90, behaviour: 2 }));
    expect(outbox.list().map((entry) => entry.id)).toEqual(['watch:pb-7']);
  });

  it('keeps only the position of a stop before the mark', async () => {
    // The same stop at 86 %, but the server counts at its 90 % threshold (behaviour 0).
    writeSpool(spoolDir, start('pb-8'), { ...last('pb-8'), positionMs: 86_000, playedMs: 86_000 });
    const outbox = new MemoryOutboxStore();
    await outbox.load();
    await takeInSpool(options(outbox));
    expect(outbox.list()).toMatchObject([{ kind: 'position', ratingKey: '8', positionMs: 86_000 }]);
  });
});
