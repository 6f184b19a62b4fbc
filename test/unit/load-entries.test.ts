// play's playlist into mpv: an entry mpv refuses is left out, said in one line, and the entries
// after it still load.
import { describe, expect, it } from 'vitest';
import { MpvCommandError } from '../../src/mpv/ipc-client.js';
import { loadEntries, refusalLine } from '../../src/play/load-entries.js';
import type { PlayEntry } from '../../src/play/play-plan.js';

function entry(ratingKey: string, title: string | null = `Episode ${ratingKey}`): PlayEntry {
  return { url: `http://127.0.0.1:32400/library/parts/${ratingKey}/1/file.mkv`, ratingKey, title, header: 'X-Plex-Token: secret-token-1234' };
}

/** An mpv that answers loadfile as `answer` says for the n-th loadfile (0-based), and records them. */
function mpvAnswering(answer: (n: number) => 'success' | 'refuse' | 'gone') {
  const loads: unknown[][] = [];
  return {
    loads,
    command(args: readonly unknown[]): Promise<unknown> {
      if (args[0] !== 'loadfile') return Promise.resolve(null);
      const n = loads.length;
      loads.push([...args]);
      const result = answer(n);
      if (result === 'success') return Promise.resolve({ playlist_entry_id: n + 1 });
      if (result === 'refuse') return Promise.reject(new MpvCommandError('invalid parameter', 'invalid parameter'));
      return Promise.reject(new MpvCommandError('mpv closed the connection'));
    },
  };
}

describe('loadEntries', () => {
  it('goes on past an entry mpv refuses, so the entries after it still load', async () => {
    const mpv = mpvAnswering((n) => (n === 1 ? 'refuse' : 'success'));
    const entries = [entry('511'), entry('512'), entry('521')];
    const report = await loadEntries(mpv, entries);
    expect(mpv.loads).toHaveLength(3);
    expect(report.loaded).toBe(2);
    expect(report.refused).toEqual([{ entry: entries[1], reason: 'invalid parameter' }]);
    expect(report.stopped).toBeNull();
  });

  it('with replace, plays the first entry mpv takes in place of what plays and appends the rest (the Plex menu)', async () => {
    const mpv = mpvAnswering((n) => (n === 0 ? 'refuse' : 'success'));
    await loadEntries(mpv, [entry('511'), entry('512'), entry('521')], { replace: true });
    expect(mpv.loads.map((load) => load[2])).toEqual(['replace', 'replace', 'append-play']);
  });

  it('stops at the first entry with no answer, since mpv is gone', async () => {
    const mpv = mpvAnswering((n) => (n === 1 ? 'gone' : 'success'));
    const report = await loadEntries(mpv, [entry('511'), entry('512'), entry('521')]);
    expect(mpv.loads).toHaveLength(2);
    expect(report.loaded).toBe(1);
    expect(report.stopped?.message).toBe('mpv closed the connection');
  });

  it('leaves out an entry whose options mpv could not take, without asking mpv', async () => {
    const mpv = mpvAnswering(() => 'success');
    const report = await loadEntries(mpv, [entry('511'), entry('512', 'a\u0000b'), entry('521')]);
    expect(mpv.loads).toHaveLength(2);
    expect(report.refused.map((refusal) => refusal.entry.ratingKey)).toEqual(['512']);
  });
});

describe('refusalLine', () => {
  it('says nothing when mpv took every entry', () => {
    expect(refusalLine({ loaded: 3, refused: [], stopped: null }, 3)).toBeNull();
  });

  it('names a single refused item as play always has', () => {
    expect(refusalLine({ loaded: 0, refused: [{ entry: entry('5012'), reason: 'invalid parameter' }], stopped: null }, 1)).toBe(
      'mpv did not take the item: invalid parameter',
    );
  });

  it('names each entry left out of a longer list, on one line, with no token', () => {
    const line = refusalLine({ loaded: 2, refused: [{ entry: entry('512', 'The Show · S01E02'), reason: 'invalid parameter' }], stopped: null }, 3);
    expect(line).toBe("mpv did not take 1 of 3 entries, left out: item 512 'The Show · S01E02' (invalid parameter)");
    expect(line).not.toContain('\n');
  });

  it('says so when mpv took none of several entries', () => {
    const refused = ['511', '512'].map((key) => ({ entry: entry(key), reason: 'invalid parameter' }));
    expect(refusalLine({ loaded: 0, refused, stopped: null }, 2)).toBe('mpv did not take any of the 2 entries: invalid parameter');
  });
});
