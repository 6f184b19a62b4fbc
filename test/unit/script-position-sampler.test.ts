// The script's position sampler: a timer four times a second, and every frame only within the
// last interval before the mark, on a fake clock with a fake frame source.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PositionSampler } from '../../mpv-scripts/plex-sync/position-sampler.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function sampler() {
  const calls = { samples: 0, follows: 0, unfollows: 0 };
  let following: (() => void) | null = null;
  const sample = () => void (calls.samples += 1);
  const positions = new PositionSampler(sample, {
    follow: (onFrame) => {
      calls.follows += 1;
      following = onFrame;
    },
    unfollow: (onFrame) => {
      calls.unfollows += 1;
      expect(onFrame).toBe(following);
      following = null;
    },
  });
  return { positions, calls, frame: () => following?.() };
}

describe('PositionSampler', () => {
  it('samples every 250 ms while running and not at all while stopped', async () => {
    const { positions, calls } = sampler();
    positions.run(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.samples).toBe(4);
    positions.run(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.samples).toBe(4);
  });

  it('follows every frame only while the mark is less than one interval ahead, and stops once it is behind', () => {
    const { positions, calls, frame } = sampler();
    positions.run(true);
    positions.markIn(3);
    expect(calls.follows).toBe(0);
    positions.markIn(0.2);
    positions.markIn(0.1);
    expect(calls.follows).toBe(1);
    frame();
    expect(calls.samples).toBe(1);
    positions.markIn(null);
    expect(calls.unfollows).toBe(1);
    positions.markIn(null);
    expect(calls.unfollows).toBe(1);
  });

  it('stops following when playback pauses, and does not follow while stopped', () => {
    const { positions, calls } = sampler();
    positions.run(true);
    positions.markIn(0.1);
    positions.run(false);
    expect(calls.unfollows).toBe(1);
    positions.markIn(0.1);
    expect(calls.follows).toBe(1);
  });
});
