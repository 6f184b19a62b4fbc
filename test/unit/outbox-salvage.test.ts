// Recovering what a damaged outbox file still holds: every entry that parses and validates on
// its own is kept, and the ones that cannot be read are counted (issue 9).
import { describe, expect, it } from 'vitest';
import { positionEntryId, watchEntryId } from '../../src/outbox/index.js';
import { readOutboxText, salvageEntries } from '../../src/outbox/salvage.js';
import { position, SERVER, T0, watch } from '../support/entries.js';

const doc = (entries: unknown[]) => JSON.stringify({ version: 2, entries }, null, 2);

describe('salvageEntries', () => {
  it('keeps every entry around one torn in the middle, and counts the torn one', () => {
    const text = doc([watch('a'), watch('b'), position('7')]);
    const middle = text.indexOf('"session-b"');
    const damaged = `${text.slice(0, middle)}\u0000\u0000\u0000${text.slice(middle + 20)}`;
    const found = salvageEntries(damaged);
    expect(found.entries.map((entry) => entry.id)).toEqual([watchEntryId('a'), positionEntryId(SERVER, '7')]);
    expect(found.unreadable).toBe(1);
  });

  it('keeps the entries of a file cut short', () => {
    const text = doc([watch('a'), watch('b'), watch('c')]);
    const found = salvageEntries(text.slice(0, text.indexOf('"session-c"')));
    expect(found.entries.map((entry) => entry.id)).toEqual([watchEntryId('a'), watchEntryId('b')]);
    expect(found.unreadable).toBe(1);
  });

  it('validates each entry on its own, so one invalid entry costs only itself', () => {
    const text = `${doc([watch('a'), { ...watch('b'), positionMs: -1 }, watch('c')])},,`;
    const found = salvageEntries(text);
    expect(found.entries.map((entry) => entry.id)).toEqual([watchEntryId('a'), watchEntryId('c')]);
    expect(found.unreadable).toBe(1);
  });

  it('is not misled by braces and quotes inside strings', () => {
    const odd = watch('a', { title: 'A {weird} "title" }}} {{', lastError: 'x { y' });
    const found = salvageEntries(`{"version": 2, "entries": [${JSON.stringify(odd)}, ${JSON.stringify(watch('b'))}`);
    expect(found.entries).toEqual([odd, watch('b')]);
    expect(found.unreadable).toBe(0);
  });

  it('recovers the items of a damaged version 1 file as version 2 entries', () => {
    const item = { type: 'scrobble', ratingKey: '101', server: SERVER, playbackId: 'pb-1', time: 6_500_000, duration: 7_200_000, addedAt: T0 };
    const found = salvageEntries(`{"version": 1, "queue": [${JSON.stringify(item)}, {"type": "progr`);
    expect(found.entries.map((entry) => entry.id)).toEqual(['watch:pb-1']);
  });

  it('finds nothing in garbage, and quickly in a large file of braces', () => {
    expect(salvageEntries('\u00ff\u00fe garbage')).toEqual({ entries: [], unreadable: 0 });
    const started = Date.now();
    expect(salvageEntries('{'.repeat(1_000_000)).entries).toEqual([]);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('readOutboxText', () => {
  it('reads an intact file as it is', () => {
    expect(readOutboxText(doc([watch('a')]))).toMatchObject({ kind: 'current', entries: [watch('a')], rejected: [] });
  });

  it('names the line and column of a JSON error, quoting none of the file', () => {
    const text = doc([watch('a'), watch('b')]);
    const read = readOutboxText(text.slice(0, text.indexOf('"session-b"')));
    expect(read.kind).toBe('damaged');
    if (read.kind !== 'damaged') return;
    expect(read.reason).toMatch(/^not valid JSON: .+ at line \d+, column \d+$/);
    expect(read.reason).not.toContain('session');
    expect(read.entries.map((entry) => entry.id)).toEqual([watchEntryId('a')]);
    expect(read.unreadable).toBe(1);
  });

  it('salvages valid JSON that is not an outbox as well', () => {
    const read = readOutboxText(JSON.stringify({ version: 'two', entries: [watch('a')] }));
    expect(read).toMatchObject({ kind: 'damaged', entries: [watch('a')], unreadable: 0 });
  });
});
