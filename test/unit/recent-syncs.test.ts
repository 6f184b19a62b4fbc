// recent.json on a real disk: what status shows as the last syncs.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_RECENT, readRecentSyncs, RecentSyncs, syncRecord, type SyncRecord } from '../../src/helper/recent-syncs.js';
import { registerSecret } from '../../src/log/redact.js';
import type { WatchEntry } from '../../src/outbox/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mps-recent-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const T0 = 1_767_225_600_000;

function watch(n: number): WatchEntry {
  return {
    kind: 'watch',
    id: `watch:pb-${n}`,
    serverUrl: 'http://plex.test:32400',
    ratingKey: String(100 + n),
    title: `Film ${n}`,
    createdAt: T0,
    attempts: 0,
    nextAttemptAt: T0,
    lastError: null,
    playbackId: `pb-${n}`,
    sessionId: `pb-${n}`,
    startedAt: T0,
    baselineViewCount: 0,
    positionMs: 1,
    durationMs: 2,
  };
}

function delivered(n: number): SyncRecord {
  return syncRecord(watch(n), { kind: 'delivered', detail: 'scrobbled' }, 'replay', T0 + n);
}

describe('RecentSyncs', () => {
  it('keeps only the newest records, oldest first', async () => {
    const recent = new RecentSyncs({ stateDir: dir });
    for (let n = 1; n <= MAX_RECENT + 5; n += 1) void recent.record(delivered(n));
    await recent.settled();
    const records = readRecentSyncs(dir);
    expect(records).toHaveLength(MAX_RECENT);
    expect(records[0]?.title).toBe('Film 6');
    expect(records.at(-1)?.title).toBe(`Film ${MAX_RECENT + 5}`);
  });

  it('writes a private file and leaves no temp file behind', async () => {
    await new RecentSyncs({ stateDir: dir }).record(delivered(1));
    expect(readdirSync(dir)).toEqual(['recent.json']);
    expect(statSync(join(dir, 'recent.json')).mode & 0o777).toBe(0o600);
  });

  it('appends to what an earlier helper wrote', async () => {
    await new RecentSyncs({ stateDir: dir }).record(delivered(1));
    await new RecentSyncs({ stateDir: dir }).record(delivered(2));
    expect(readRecentSyncs(dir).map((record) => record.title)).toEqual(['Film 1', 'Film 2']);
  });

  it('starts a new list over a damaged file, and reads a damaged or missing one as empty', async () => {
    expect(readRecentSyncs(dir)).toEqual([]);
    writeFileSync(join(dir, 'recent.json'), '{"version":1,"records":[{"at":');
    expect(readRecentSyncs(dir)).toEqual([]);
    await new RecentSyncs({ stateDir: dir }).record(delivered(3));
    expect(readRecentSyncs(dir).map((record) => record.title)).toEqual(['Film 3']);
  });

  it('skips single records that do not have the expected shape', () => {
    writeFileSync(join(dir, 'recent.json'), JSON.stringify({ version: 1, records: [{ at: 'yesterday' }, delivered(4)] }));
    expect(readRecentSyncs(dir).map((record) => record.title)).toEqual(['Film 4']);
  });

  it('reports a failed write instead of throwing', async () => {
    const problems: string[] = [];
    const recent = new RecentSyncs({ stateDir: join(dir, 'recent.json', 'below-a-file'), onProblem: (message) => problems.push(message) });
    writeFileSync(join(dir, 'recent.json'), '');
    await expect(recent.record(delivered(5))).resolves.toBeUndefined();
    expect(problems).toEqual([expect.stringContaining('could not write')]);
  });

  it('rejects a relative state dir, naming the option', () => {
    expect(() => new RecentSyncs({ stateDir: 'state' })).toThrow(/stateDir/);
  });
});

describe('syncRecord', () => {
  it('keeps the failure class and a redacted, one-line detail of a kept entry', () => {
    registerSecret('tok-recent-SECRET-99');
    const record = syncRecord(watch(1), { kind: 'kept', failure: 'transient', detail: '[GET] "http://plex/?X-Plex-Token=tok-recent-SECRET-99":\n503', inDoubt: false, retryAfterMs: null }, 'live', T0);
    expect(record).toMatchObject({ outcome: 'kept', failure: 'transient', via: 'live', id: 'watch:pb-1', ratingKey: '101' });
    expect(record.detail).toBe('[GET] "http://plex/?X-Plex-Token=<redacted>": 503');
  });

  it('has no failure class for a delivered entry', () => {
    expect(delivered(1).failure).toBeNull();
  });
});
