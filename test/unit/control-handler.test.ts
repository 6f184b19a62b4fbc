// What the helper does for a control request, over a memory outbox and a fake sender that
// delivers (or keeps) each entry a flush chooses, the way the real one counts them.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ControlHandler } from '../../src/helper/control-handler.js';
import { MemoryOutboxStore, positionEntryId, type OutboxEntry, type PositionEntry } from '../../src/outbox/index.js';
import type { FlushOptions, SendResult, SendSummary } from '../../src/sync/sender.js';

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

/** A handler whose sender delivers every entry a flush chooses, unless `keep` names it. */
async function handler(entries: readonly OutboxEntry[], options: { keep?: ReadonlySet<string>; outboxLoaded?: () => Promise<void> } = {}) {
  const outbox = new MemoryOutboxStore({ entries });
  await outbox.load();
  const steps: string[] = [];
  const sender = {
    flush: async (flush: FlushOptions = {}): Promise<SendSummary> => {
      steps.push(flush.all ? 'send all' : 'send due');
      const summary: SendSummary = { delivered: 0, dropped: 0, kept: 0 };
      const taken = (flush.all ? [...outbox.list()] : outbox.due(Date.now())).filter((entry) => flush.only?.(entry) ?? true);
      flush.onProgress?.(0, taken.length);
      for (const entry of taken) {
        const kept = options.keep?.has(entry.id) ?? false;
        if (!kept) await outbox.remove(entry.id);
        const result: SendResult = kept ? { kind: 'kept', failure: 'transient', detail: 'timeout', inDoubt: false, retryAfterMs: null } : { kind: 'delivered', detail: 'ok' };
        summary[result.kind] += 1;
        flush.onProgress?.(summary.delivered + summary.dropped + summary.kept, taken.length);
      }
      return summary;
    },
    drop: async (id: string) => {
      steps.push(`drop ${id}`);
      return outbox.remove(id);
    },
  };
  const control = new ControlHandler({
    outbox,
    sender,
    recent: { settled: async () => undefined },
    stateDir: '/nonexistent',
    players: () => 2,
    attach: async (socketPath) => void steps.push(`attach ${socketPath}`),
    takeInSpool: async () => void steps.push('spool'),
    ...(options.outboxLoaded ? { outboxLoaded: options.outboxLoaded } : {}),
    log: pino({ level: 'silent' }),
  });
  return { control, outbox, steps };
}

describe('ControlHandler', () => {
  it('answers a ping with the number of attached players, and attaches the socket an attach names', async () => {
    const { control, steps } = await handler([]);
    expect(await control.handle({ op: 'ping' })).toEqual({ ok: true, players: 2 });
    expect(await control.handle({ op: 'attach', socket: '/tmp/mpv.sock' })).toEqual({ ok: true });
    expect(steps).toEqual(['attach /tmp/mpv.sock']);
  });

  it("answers a ping and an attach while a cold helper has not read its outbox, and lets the outbox commands wait for it", async () => {
    let read: () => void = () => undefined;
    const reading = new Promise<void>((resolve) => (read = resolve));
    let asked = 0;
    const { control, steps } = await handler([position('1')], { outboxLoaded: () => ((asked += 1), reading) });
    expect(await control.handle({ op: 'ping' })).toEqual({ ok: true, players: 2 });
    expect(await control.handle({ op: 'attach', socket: '/tmp/mpv.sock' })).toEqual({ ok: true });
    expect(asked).toBe(0);
    let answered = false;
    const status = control.handle({ op: 'status' }).then((reply) => ((answered = true), reply));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(asked).toBe(1);
    expect(answered).toBe(false);
    read();
    expect(await status).toMatchObject({ ok: true, players: 2 });
    expect(steps).toEqual(['attach /tmp/mpv.sock']);
  });

  it('flushes by taking in the spool first, then sending every entry, and says how many are left', async () => {
    const kept = position('2', Date.now() + 60_000);
    const { control, steps } = await handler([position('1'), kept], { keep: new Set([kept.id]) });
    const progress: Array<[number, number]> = [];
    const summary = await control.flush({ all: true, onProgress: (done, total) => void progress.push([done, total]) });
    expect(steps).toEqual(['spool', 'send all']);
    expect(summary).toEqual({ delivered: 1, dropped: 0, kept: 1, left: 1 });
    expect(progress).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
    ]);
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

  it('drops an entry through the sender, which waits for a delivery of it under way', async () => {
    const entry = position('1');
    const { control, outbox, steps } = await handler([entry]);
    expect(await control.handle({ op: 'queue-drop', id: entry.id })).toEqual({ ok: true, existed: true });
    expect(steps).toEqual([`drop ${entry.id}`]);
    expect(outbox.list()).toEqual([]);
    expect(await control.drop(entry.id)).toBe(false);
  });
});
