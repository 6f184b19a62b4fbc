import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LOAD_WAIT_MS, OutboxReady } from '../../src/helper/outbox-ready.js';
import { elapse, useFakeClock } from '../support/core.js';
import type { ScriptSessionOptions } from '../../src/mpv/script-session.js';

const log = pino({ level: 'silent' });

/** An engine that writes down each call, and an outbox whose load ends when the test says. */
function world(loadFails = false) {
  const calls: string[] = [];
  const engine = {
    start: async () => void calls.push('start'),
    progress: () => void calls.push('progress'),
    mark: () => void calls.push('mark'),
    end: async () => (calls.push('end'), { delivered: true }),
    playerGone: async () => void calls.push('gone'),
    streamsChanged: () => void calls.push('streams'),
  } as unknown as ScriptSessionOptions['engine'];
  let finishLoad: () => void = () => undefined;
  let loads = 0;
  const outbox = {
    load: () => new Promise<void>((resolve, reject) => {
      loads += 1;
      finishLoad = () => (loadFails ? reject(new Error('disk gone')) : resolve());
    }),
    damage: null,
    unwritable: null,
    list: () => [],
  };
  return { calls, engine, outbox, finishLoad: () => finishLoad(), loads: () => loads };
}

describe('what waits for the outbox', () => {
  it("takes a session's calls made while the outbox loads once it is loaded, in the order they came", async () => {
    const w = world();
    const ready = new OutboxReady();
    const loading = ready.load(w.outbox as never, log, () => undefined);
    const engine = ready.engineFor(w.engine, log);
    const player = {} as never;
    const started = engine.start(player, {} as never);
    engine.progress({} as never);
    engine.mark(player, 'p1', true);
    engine.streamsChanged({} as never);
    const ended = engine.end({} as never, null);
    await Promise.resolve();
    expect(w.calls).toEqual([]);
    w.finishLoad();
    await loading;
    await started;
    expect(await ended).toEqual({ delivered: true });
    expect(w.calls).toEqual(['start', 'progress', 'mark', 'streams', 'end']);
  });

  it('fails what waited when the outbox cannot be loaded, and says it once', async () => {
    const w = world(true);
    const ready = new OutboxReady();
    const lines: string[] = [];
    const logged = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const told: string[] = [];
    const loading = ready.load(w.outbox as never, logged, (text) => void told.push(text));
    const started = ready.engineFor(w.engine, logged).start({} as never, {} as never);
    w.finishLoad();
    await loading;
    await expect(started).rejects.toThrow('disk gone');
    expect(w.calls).toEqual([]);
    expect(lines.filter((line) => line.includes('the outbox could not be loaded'))).toHaveLength(1);
    expect(told).toEqual(['Plex sync: the outbox cannot be read (disk gone) — nothing is synced until it can be']);
    // What the idle exit reads (helper.ts): an outbox never loaded holds nothing to stay for.
    expect(ready.isLoaded).toBe(false);
  });

  it('says it is loaded only once it is', async () => {
    const w = world();
    const ready = new OutboxReady();
    const loading = ready.load(w.outbox as never, log, () => undefined);
    expect(ready.isLoaded).toBe(false);
    w.finishLoad();
    await loading;
    expect(ready.isLoaded).toBe(true);
  });
});

describe("mpv's helper reads its outbox after the first answer (loadSoon)", () => {
  useFakeClock();

  it("begins once mpv's first lookup is answered, not before, and once only", async () => {
    const w = world();
    const ready = new OutboxReady();
    ready.loadSoon(w.outbox as never, log, () => undefined);
    let caughtUp = false;
    // The catch-up waits for the outbox without asking for it.
    void ready.loaded.then(() => (caughtUp = true));
    await elapse(LOAD_WAIT_MS - 1);
    expect(w.loads()).toBe(0);
    ready.begin();
    ready.begin();
    expect(w.loads()).toBe(1);
    w.finishLoad();
    await ready.loaded;
    expect(caughtUp).toBe(true);
    await elapse(LOAD_WAIT_MS);
    expect(w.loads()).toBe(1);
  });

  it('begins after LOAD_WAIT_MS when no lookup comes (an mpv that plays nothing, the resident helper)', async () => {
    const w = world();
    const ready = new OutboxReady();
    ready.loadSoon(w.outbox as never, log, () => undefined);
    await elapse(LOAD_WAIT_MS - 1);
    expect(w.loads()).toBe(0);
    await elapse(1);
    expect(w.loads()).toBe(1);
  });

  it('begins at once when something needs it: a playback handed to the engine, a control request', async () => {
    const w = world();
    const ready = new OutboxReady();
    ready.loadSoon(w.outbox as never, log, () => undefined);
    const started = ready.engineFor(w.engine, log).start({} as never, {} as never);
    expect(w.loads()).toBe(1);
    w.finishLoad();
    await started;
    expect(w.calls).toEqual(['start']);

    const other = world();
    const second = new OutboxReady();
    second.loadSoon(other.outbox as never, log, () => undefined);
    const answered = second.needed();
    expect(other.loads()).toBe(1);
    other.finishLoad();
    await expect(answered).resolves.toBeUndefined();
  });

  it('begins at once when it was needed before loadSoon: a control request taken as the socket is being set up', async () => {
    // becomeHelper listens on the control socket, then awaits its lock's release: a request
    // (status, queue drop) can be handled then, before start() has called loadSoon.
    const w = world();
    const ready = new OutboxReady();
    const answered = ready.needed();
    ready.loadSoon(w.outbox as never, log, () => undefined);
    expect(w.loads()).toBe(1);
    w.finishLoad();
    await expect(answered).resolves.toBeUndefined();
  });
});
