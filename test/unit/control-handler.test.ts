// What the helper does for a control request, over a memory outbox and a fake replayer that
// reports each entry it tries the way OutboxReplayer does (through `replayed`).
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ControlHandler } from '../../src/helper/control-handler.js';
import { MemoryOutboxStore, positionEntryId, type OutboxEntry, type PositionEntry } from '../../src/outbox/index.js';
import { EntryLocks } from '../../src/sync/entry-locks.js';
import type { ReplayResult, ReplaySummary } from '../../src/sync/replay.js';

const SERVER = 'http://127.0.0.1:32400';

function position(ratingKey: string, nextAttemptAt = 0): PositionEntry {
  return {
    kind: 'position',
    id: positionEntryId(SERVER, ratingKey),
    serverUrl: SERVER,
    ratingKey,
    title: `Item ${ratingKey}`,
    createdAt: 1,
    attempts: 1,
    nextAttemptAt,
    lastError: null,
    playbackId: `pb-${ratingKey}`,
    positionMs: 30_000,
    durationMs: 60_000,
    capturedAt: 1,
  };
}

/** A handler whose replayer delivers every entry it takes, unless `keep` names it. */
async function handler(entries: readonly OutboxEntry[], options: { keep?: ReadonlySet<string>; live?: ReadonlySet<string> } = {}) {
  const outbox = new MemoryOutboxStore({ entries });
  await outbox.load();
  const steps: string[] = [];
  const locks = new EntryLocks();
  const replayer = {
    busy: false,
    flush: async (all = false): Promise<ReplaySummary> => {
      steps.push(all ? 'replay all' : 'replay due');
      const summary: ReplaySummary = { delivered: 0, dropped: 0, kept: 0 };
      const taken = (all ? [...outbox.list()] : outbox.due(Date.now())).filter((entry) => !options.live?.has(entry.id));
      for (const entry of taken) {
        const kept = options.keep?.has(entry.id) ?? false;
        if (!kept) await outbox.remove(entry.id);
        const result: ReplayResult = kept ? { kind: 'kept', failure: 'transient', detail: 'timeout' } : { kind: 'delivered', detail: 'ok' };
        summary[result.kind] += 1;
        control.replayed(entry, result);
      }
      return summary;
    },
  };
  const control = new ControlHandler({
    outbox,
    replayer,
    liveEntryIds: () => options.live ?? new Set(),
    locks,
    recent: { settled: async () => undefined },
    stateDir: '/nonexistent',
    players: () => 2,
    attach: async (socketPath) => void steps.push(`attach ${socketPath}`),
    takeInSpool: async () => void steps.push('spool'),
    log: pino({ level: 'silent' }),
  });
  return { control, outbox, replayer, steps, locks };
}

describe('ControlHandler', () => {
  it('answers a ping with the number of attached players, and attaches the socket an attach names', async () => {
    const { control, steps } = await handler([]);
    expect(await control.handle({ op: 'ping' })).toEqual({ ok: true, players: 2 });
    expect(await control.handle({ op: 'attach', socket: '/tmp/mpv.sock' })).toEqual({ ok: true });
    expect(steps).toEqual(['attach /tmp/mpv.sock']);
  });

  it('flushes by taking in the spool first, then sending every entry, and says how many are left', async () => {
    const kept = position('2', Date.now() + 60_000);
    const { control, steps } = await handler([position('1'), kept], { keep: new Set([kept.id]) });
    const progress: Array<[number, number]> = [];
    const summary = await control.flush({ all: true, onProgress: (done, total) => void progress.push([done, total]) });
    expect(steps).toEqual(['spool', 'replay all']);
    expect(summary).toEqual({ delivered: 1, dropped: 0, kept: 1, left: 1 });
    expect(progress).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
    ]);
  });

  it('leaves entries the live path is sending out of a flush total', async () => {
    const live = position('1');
    const { control } = await handler([live, position('2')], { live: new Set([live.id]) });
    const totals: number[] = [];
    const summary = await control.flush({ all: true, onProgress: (_done, total) => void totals.push(total) });
    expect(totals[0]).toBe(1);
    expect(summary).toMatchObject({ delivered: 1, left: 1 });
  });

  it('waits for a replay under way before its own run, and counts an entry that run tried once, by its last result', async () => {
    const entry = position('1');
    const { control, replayer } = await handler([entry]);
    replayer.busy = true;
    const flushing = control.flush({ all: true });
    await new Promise((resolve) => setTimeout(resolve, 30));
    control.replayed(entry, { kind: 'kept', failure: 'transient', detail: 'timeout' });
    replayer.busy = false;
    expect(await flushing).toEqual({ delivered: 1, dropped: 0, kept: 0, left: 0 });
  });

  it('retries only the chosen entries, makes them due now, and names the ids it did not find', async () => {
    const later = Date.now() + 3_600_000;
    const chosen = position('1', later);
    const other = position('2', later);
    const { control, outbox } = await handler([chosen, other]);
    const summary = await control.retry([chosen.id, chosen.id, 'position:nowhere|9']);
    expect(summary).toEqual({ delivered: 1, dropped: 0, kept: 0, retried: 1, missing: ['position:nowhere|9'], left: 0 });
    expect(outbox.get(other.id)?.nextAttemptAt).toBe(later);
  });

  it('drops an entry only after a delivery of it under way has finished', async () => {
    const entry = position('1');
    const { control, outbox, locks } = await handler([entry]);
    const order: string[] = [];
    const delivering = locks.run(entry.id, async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      order.push('delivered');
    });
    const dropping = control.handle({ op: 'queue-drop', id: entry.id }).then((reply) => {
      order.push('dropped');
      return reply;
    });
    await delivering;
    expect(await dropping).toEqual({ ok: true, existed: true });
    expect(order).toEqual(['delivered', 'dropped']);
    expect(outbox.list()).toEqual([]);
    expect(await control.drop(entry.id)).toBe(false);
  });
});
