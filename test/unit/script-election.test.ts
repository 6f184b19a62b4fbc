import { describe, expect, it } from 'vitest';
import { COPY_KEY_PREFIX, electThisCopy, firstRegisteredCopy, keysInPrintedOrder, type SharedList } from '../../mpv-scripts/plex-sync/election.js';

const everyKey = (): boolean => true;

describe('firstRegisteredCopy', () => {
  it('names the copy whose key comes first in the list as mpv prints it', () => {
    const listing = 'osc-visibility=auto,plex-sync/copy/plex_sync2=7,plex-sync/copy/plex_sync=7';
    expect(firstRegisteredCopy(listing, everyKey)).toBe('plex_sync2');
  });

  it('finds a key at the very start of the list', () => {
    expect(firstRegisteredCopy('plex-sync/copy/my_copy=1,osc-visibility=auto', everyKey)).toBe('my_copy');
  });

  it('is not fooled by a look-alike inside another script value that holds commas', () => {
    const listing = 'other=a,plex-sync/copy/fake=1,plex-sync/copy/plex_sync=7';
    const real = new Set([`${COPY_KEY_PREFIX}plex_sync`, 'other']);
    expect(firstRegisteredCopy(listing, (key) => real.has(key))).toBe('plex_sync');
  });

  it('returns null when no copy has registered', () => {
    expect(firstRegisteredCopy('osc-margins=0.000000,0.000000', everyKey)).toBeNull();
    expect(firstRegisteredCopy('', everyKey)).toBeNull();
  });
});

describe('keysInPrintedOrder', () => {
  it("reads the names of mpv's JSON print of a user-data map in the order printed", () => {
    expect(keysInPrintedOrder('{"plex_sync2":"7","plex_sync":"7"}')).toEqual(['plex_sync2', 'plex_sync']);
    expect(keysInPrintedOrder('{ "b" : "1", "a": "2" }')).toEqual(['b', 'a']);
    expect(keysInPrintedOrder('')).toEqual([]);
    expect(keysInPrintedOrder('{}')).toEqual([]);
  });
});

/** mpv's shared-script-properties as 0.35 keeps it: an ordered key list; a new key goes last. */
class FakeList implements SharedList {
  readonly pairs: Array<[string, string]> = [];

  append(key: string, value: string): boolean {
    const at = this.pairs.findIndex(([k]) => k === key);
    if (at >= 0) this.pairs.splice(at, 1);
    this.pairs.push([key, value]);
    return true;
  }

  text(): string {
    return this.pairs.map(([k, v]) => `${k}=${v}`).join(',');
  }

  hasKey(key: string): boolean {
    return this.pairs.some(([k]) => k === key);
  }
}

describe('electThisCopy', () => {
  it('lets exactly one of two copies act, and the other names it', () => {
    const list = new FakeList();
    const first = electThisCopy('plex_sync2', 7, list);
    const second = electThisCopy('plex_sync', 7, list);
    expect(first).toEqual({ active: true });
    expect(second).toEqual({ active: false, activeCopy: 'plex_sync2' });
  });

  it('keeps the copy that acts when a copy whose name sorts first is loaded later (load-script)', () => {
    const list = new FakeList();
    list.append('osc-visibility', 'auto');
    expect(electThisCopy('zz_plex', 7, list)).toEqual({ active: true });
    expect(electThisCopy('aa_plex', 7, list)).toEqual({ active: false, activeCopy: 'zz_plex' });
  });

  it('lets every copy act when mpv has no shared list to elect by', () => {
    expect(electThisCopy('plex_sync', 7, null)).toEqual({ active: true });
  });

  it('agrees on one copy however the registrations of three copies interleave with their decisions', () => {
    // Each copy's two steps (register, then read) in every order mpv's core could run them.
    const names = ['plex_sync', 'plex_sync2', 'renamed'];
    const orders = permutations([0, 0, 1, 1, 2, 2]).filter((order) => names.every((_, i) => order.indexOf(i) >= 0));
    for (const order of orders) {
      const list = new FakeList();
      const decided: string[] = [];
      const seen = new Map<number, number>();
      for (const copy of order) {
        const step = seen.get(copy) ?? 0;
        seen.set(copy, step + 1);
        const name = names[copy]!;
        if (step === 0) list.append(`${COPY_KEY_PREFIX}${name}`, '1');
        else if (firstRegisteredCopy(list.text(), (key) => list.hasKey(key)) === name) decided.push(name);
      }
      expect(decided).toHaveLength(1);
    }
  });
});

function permutations(items: number[]): number[][] {
  if (items.length <= 1) return [items];
  const out = new Map<string, number[]>();
  items.forEach((item, i) => {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) out.set([item, ...rest].join(','), [item, ...rest]);
  });
  return [...out.values()];
}
