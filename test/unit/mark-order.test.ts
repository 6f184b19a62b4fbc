// The order of an item's marks (docs/sync-rule.md, marks), as the sender asks for it: pure
// functions of the queued entries.
import { describe, expect, it } from 'vitest';
import { earlierMarks, markedBefore } from '../../src/sync/mark-order.js';
import { position, T0, unwatch, watch } from '../support/entries.js';

describe('markedBefore', () => {
  it("orders one playback's marks by round, its unwatch before its watch of the same round, whatever the time", () => {
    const watchRound1 = watch('pb-1', { id: 'watch:pb-1:r1', round: 1, createdAt: T0 });
    const unwatchRound1 = unwatch('pb-1', 1, { createdAt: T0 + 5 });
    const watchRound0 = watch('pb-1', { createdAt: T0 + 9 });
    expect(markedBefore(unwatchRound1, watchRound1)).toBe(true);
    expect(markedBefore(watchRound1, unwatchRound1)).toBe(false);
    expect(markedBefore(watchRound0, unwatchRound1)).toBe(true);
  });

  it('orders the marks of different playbacks by the time they were queued, then by id', () => {
    expect(markedBefore(watch('pb-a', { createdAt: T0 }), unwatch('pb-b', 1, { createdAt: T0 + 1 }))).toBe(true);
    expect(markedBefore(unwatch('pb-b', 1, { createdAt: T0 + 1 }), watch('pb-a', { createdAt: T0 }))).toBe(false);
    expect(markedBefore(watch('pb-a', { createdAt: T0 }), watch('pb-b', { createdAt: T0 }))).toBe(true);
  });

  it('puts a position after every mark queued at or before it', () => {
    const positionAtT0 = { ...position('101', T0), ratingKey: '101' };
    expect(markedBefore(unwatch('pb-1', 1, { createdAt: T0 }), positionAtT0)).toBe(true);
    expect(markedBefore(unwatch('pb-1', 1, { createdAt: T0 + 1 }), positionAtT0)).toBe(false);
  });
});

describe('earlierMarks', () => {
  it('gives a watch the watches and unwatches of its item queued before it, oldest first, not itself', () => {
    const first = unwatch('pb-a', 1, { createdAt: T0 + 2 });
    const second = watch('pb-b', { createdAt: T0 + 1 });
    const later = watch('pb-c', { createdAt: T0 + 10 });
    const mine = watch('pb-d', { createdAt: T0 + 5 });
    expect(earlierMarks(mine, [later, first, mine, second]).map((entry) => entry.id)).toEqual([second.id, first.id]);
  });

  it('gives a position the unwatches of its item only: a watch and a position do not wait for each other', () => {
    const positionLater = { ...position('101', T0 + 10), ratingKey: '101' };
    const queuedUnwatch = unwatch('pb-a', 1, { createdAt: T0 });
    const queuedWatch = watch('pb-b', { createdAt: T0 });
    expect(earlierMarks(positionLater, [queuedWatch, queuedUnwatch]).map((entry) => entry.id)).toEqual([queuedUnwatch.id]);
  });

  it('gives nothing when no mark of the item was queued before', () => {
    expect(earlierMarks(watch('pb-1'), [position('101')])).toEqual([]);
  });
});
