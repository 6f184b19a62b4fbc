// The per-server gate of the sender: its bound, live work first, Retry-After, and the lower
// limit a refusing server gets (and loses again), on a fake clock.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServerGate } from '../../src/sync/server-gate.js';

const SERVER = 'http://plex.test:32400';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A task that runs until released, recording when it started. */
function held(started: string[], name: string) {
  let release = () => undefined as void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return {
    task: async () => {
      started.push(name);
      await done;
    },
    release: () => release(),
  };
}

describe('ServerGate', () => {
  it('runs at most its limit at a time, and live work before the backlog still waiting', async () => {
    const gate = new ServerGate(2);
    const started: string[] = [];
    const tasks = ['b1', 'b2', 'b3', 'b4'].map((name) => held(started, name));
    const runs = tasks.map((t) => gate.run(SERVER, false, t.task));
    const live = held(started, 'live');
    const liveRun = gate.run(SERVER, true, live.task);
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['b1', 'b2']);
    tasks[0]!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['b1', 'b2', 'live']);
    for (const t of [...tasks, live]) t.release();
    await Promise.all([...runs, liveRun]);
    expect(started).toEqual(['b1', 'b2', 'live', 'b3', 'b4']);
  });

  it('starts nothing before a Retry-After has passed, then fewer at a time, and one more again after 30 s without one', async () => {
    const gate = new ServerGate(8);
    const started: string[] = [];
    // Four in flight; the fourth is refused with Retry-After 1 s while it holds its slot.
    const first = ['a', 'b', 'c'].map((name) => held(started, name));
    const firstRuns = first.map((t) => gate.run(SERVER, false, t.task));
    await gate.run(SERVER, false, async () => gate.pause(SERVER, Date.now() + 1_000));
    const later = ['d', 'e', 'f', 'g'].map((name) => held(started, name));
    const laterRuns = later.map((t) => gate.run(SERVER, false, t.task));
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toEqual(['a', 'b', 'c']);
    for (const t of first) t.release();
    await Promise.all(firstRuns);
    await vi.advanceTimersByTimeAsync(1);
    // Three at a time now, though the gate allows eight.
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    for (const t of later) t.release();
    await Promise.all(laterRuns);

    await vi.advanceTimersByTimeAsync(30_000);
    const burst = Array.from({ length: 6 }, (_, i) => held(started, `x${i}`));
    const burstRuns = burst.map((t) => gate.run(SERVER, false, t.task));
    await vi.advanceTimersByTimeAsync(0);
    expect(started.filter((name) => name.startsWith('x'))).toHaveLength(4);
    for (const t of burst) t.release();
    await Promise.all(burstRuns);
  });
});
