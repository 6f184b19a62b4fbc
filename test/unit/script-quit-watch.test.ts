// The watch that tells a held load that mpv is leaving it (mpv-scripts/plex-sync/quit-watch.ts).
import { describe, expect, it } from 'vitest';
import { QuitWatch, sleepArgv, type WatcherRunner } from '../../mpv-scripts/plex-sync/quit-watch.js';

/** A runner that records what it started and lets the test end it as mpv would. */
function fakeRunner() {
  const started: Array<{ argv: string[]; done: (killedByMpv: boolean) => void; aborted: boolean }> = [];
  const runner: WatcherRunner = {
    run(argv, done) {
      const entry = { argv, done, aborted: false };
      started.push(entry);
      return entry;
    },
    abort(handle) {
      const entry = handle as (typeof started)[number];
      entry.aborted = true;
      // mpv calls back for an aborted command too, as killed by us.
      entry.done(true);
    },
  };
  return { runner, started };
}

describe('the quit watch of a held load', () => {
  it('calls back when mpv kills the watcher: a quit, a stop or the next file', () => {
    const { runner, started } = fakeRunner();
    const watch = new QuitWatch(runner, sleepArgv('linux'));
    let left = 0;
    watch.start(40, () => (left += 1));
    expect(started[0]?.argv).toEqual(['sleep', '40']);
    started[0]?.done(true);
    expect(left).toBe(1);
  });

  it('ignores the end of a watcher it stopped itself', () => {
    const { runner, started } = fakeRunner();
    const watch = new QuitWatch(runner, sleepArgv('linux'));
    let left = 0;
    watch.start(40, () => (left += 1));
    watch.stop();
    expect(started[0]?.aborted).toBe(true);
    expect(left).toBe(0);
  });

  it('does nothing when the watcher ends by itself or could not start', () => {
    const { runner, started } = fakeRunner();
    const watch = new QuitWatch(runner, sleepArgv('linux'));
    let left = 0;
    watch.start(40, () => (left += 1));
    started[0]?.done(false);
    expect(left).toBe(0);
  });

  it('aborts nothing when the watcher never started (no id)', () => {
    let aborted = 0;
    const watch = new QuitWatch({ run: () => undefined, abort: () => (aborted += 1) }, sleepArgv('linux'));
    watch.start(40, () => undefined);
    watch.stop();
    expect(aborted).toBe(0);
  });

  it('starts no watcher where there is no sleep command (Windows)', () => {
    const { runner, started } = fakeRunner();
    const watch = new QuitWatch(runner, sleepArgv('win32'));
    watch.start(40, () => undefined);
    expect(started).toEqual([]);
  });

  it('runs whole seconds, at least one', () => {
    expect(sleepArgv('darwin')?.(0.2)).toEqual(['sleep', '1']);
    expect(sleepArgv('')?.(12.5)).toEqual(['sleep', '13']);
  });
});
