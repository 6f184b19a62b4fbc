// The suffix rule for a local file no path mapping names: folder and file at least, and the
// longest match held by one item alone.
import { describe, expect, it } from 'vitest';
import { PartTable } from '../../src/resolve/part-table.js';
import { commonTrailingComponents, fileNameOf, trailingKey, uniqueSuffixMatch } from '../../src/resolve/suffix-match.js';

/** Every path of up to `longest` characters made of `a`, `b`, `/` and `\\`. */
function shortPaths(longest: number, alphabet = ['a', 'b', '/', '\\']): string[] {
  const paths = [''];
  for (let length = 1; length <= longest; length += 1) {
    for (let n = 0; n < alphabet.length ** length; n += 1) {
      let path = '';
      for (let digit = 0, rest = n; digit < length; digit += 1, rest = Math.floor(rest / alphabet.length)) path += alphabet[rest % alphabet.length];
      paths.push(path);
    }
  }
  return paths;
}
const componentsOf = (path: string): string[] => path.split(/[\\/]+/).filter(Boolean);

describe('commonTrailingComponents', () => {
  it('agrees with splitting both paths, for every pair of short paths', () => {
    const paths = shortPaths(4);
    for (const a of paths) {
      const left = componentsOf(a);
      for (const b of paths) {
        const right = componentsOf(b);
        let shared = 0;
        while (shared < left.length && shared < right.length && left[left.length - 1 - shared] === right[right.length - 1 - shared]) shared += 1;
        expect(commonTrailingComponents(a, b), `${a} | ${b}`).toBe(shared);
      }
    }
  });

  it('counts whole components shared at the end', () => {
    expect(commonTrailingComponents('/mnt/nas/Movies/Alien (1979)/Alien.mkv', '/data/Movies/Alien (1979)/Alien.mkv')).toBe(3);
    expect(commonTrailingComponents('/a/b/c.mkv', '/x/b/c.mkv')).toBe(2);
    expect(commonTrailingComponents('/a/b/c.mkv', '/a/b/c.mkv')).toBe(3);
  });

  it('does not count a component that matches only in part', () => {
    expect(commonTrailingComponents('/a/xb/c.mkv', '/a/b/c.mkv')).toBe(1);
    expect(commonTrailingComponents('/a/b/xc.mkv', '/a/b/c.mkv')).toBe(0);
    expect(commonTrailingComponents('c.mkv', '/b/c.mkv')).toBe(1);
  });

  it('takes / and \\ as the same separator, and runs of them as one', () => {
    expect(commonTrailingComponents('D:\\TV\\Show\\S01E01.mkv', '/data/tv/Show/S01E01.mkv')).toBe(2);
    expect(commonTrailingComponents('/mnt//Show/S01E01.mkv', '/data/Show/S01E01.mkv')).toBe(2);
    expect(fileNameOf('D:\\TV\\Show\\S01E01.mkv')).toBe('S01E01.mkv');
  });
});

describe('trailingKey', () => {
  it('names the last components the same way whatever the separators, or null when there are fewer', () => {
    expect(trailingKey('/data/tv/Show/Season 01/S01E01.mkv', 2)).toBe('Season 01/S01E01.mkv');
    expect(trailingKey('D:\\TV\\Show\\Season 01\\S01E01.mkv', 3)).toBe('Show/Season 01/S01E01.mkv');
    expect(trailingKey('/mnt//Show/S01E01.mkv/', 2)).toBe('Show/S01E01.mkv');
    expect(trailingKey('/S01E01.mkv', 2)).toBeNull();
    expect(trailingKey('Show/S01E01.mkv', 2)).toBe('Show/S01E01.mkv');
    expect(trailingKey('/a/Show//S01E01.mkv', 2)).toBe('Show/S01E01.mkv');
    expect(trailingKey('//a/b', 2)).toBe('a/b');
    expect(trailingKey('//a/b', 3)).toBeNull();
    expect(trailingKey('/a/b', 2)).toBe('a/b');
    expect(trailingKey('a/b', 3)).toBeNull();
    expect(trailingKey('', 2)).toBeNull();
  });

  it('agrees with splitting the path, for every short path', () => {
    for (const path of shortPaths(6)) {
      const parts = componentsOf(path);
      for (const count of [1, 2, 3]) expect(trailingKey(path, count), `${path} ${count}`).toBe(parts.length < count ? null : parts.slice(-count).join('/'));
    }
  });
});

describe('uniqueSuffixMatch', () => {
  const candidate = (file: string, owner: string) => ({ file, owner });
  const match = (path: string, candidates: readonly { file: string; owner: string }[]) =>
    uniqueSuffixMatch(path, candidates, (c) => c.file, (c) => c.owner);

  it('takes the one longest match', () => {
    const found = match('/mnt/tv/Show A/Season 01/S01E01.mkv', [
      candidate('/data/tv/Show A/Season 01/S01E01.mkv', 'a'),
      candidate('/data/tv/Show B/Season 01/S01E01.mkv', 'b'),
    ]);
    expect(found?.owner).toBe('a');
  });

  it('refuses a longest match that two items share', () => {
    expect(match('/mnt/Season 01/S01E01.mkv', [candidate('/data/A/Season 01/S01E01.mkv', 'a'), candidate('/data/B/Season 01/S01E01.mkv', 'b')])).toBeNull();
  });

  it('lets two parts of one item share a match', () => {
    expect(match('/mnt/Film/Film.mkv', [candidate('/data/1/Film/Film.mkv', 'a'), candidate('/data/2/Film/Film.mkv', 'a')])?.owner).toBe('a');
  });

  it('never takes the file name alone', () => {
    expect(match('/mnt/Film.mkv', [candidate('/data/Film/Film.mkv', 'a')])).toBeNull();
  });
});

describe('PartTable.matchFile', () => {
  it("takes Plex's exact path over any suffix", () => {
    const table = new PartTable();
    table.set(1, { ratingKey: '10', file: '/data/Movies/Alien (1979)/Alien.mkv', sectionKey: '1' });
    table.set(2, { ratingKey: '20', file: '/srv/Movies/Alien (1979)/Alien.mkv', sectionKey: '2' });
    expect(table.matchFile('/srv/Movies/Alien (1979)/Alien.mkv')).toEqual({ ratingKey: '20', partId: 2, file: '/srv/Movies/Alien (1979)/Alien.mkv', exact: true });
    expect(table.matchFile('/mnt/Movies/Alien (1979)/Alien.mkv')).toBeNull();
  });

  it('takes the one item of many that shares three components, and none when three items share two only', () => {
    const table = new PartTable();
    for (let show = 0; show < 50; show += 1) table.set(show + 1, { ratingKey: String(100 + show), file: `/data/tv/Show ${show}/Season 01/S01E01.mkv`, sectionKey: '2' });
    expect(table.matchFile('/mnt/Show 7/Season 01/S01E01.mkv')?.ratingKey).toBe('107');
    expect(table.matchFile('/mnt/Season 01/S01E01.mkv')).toBeNull();
    expect(table.matchFile('/mnt/Show 77/Season 01/S01E01.mkv')).toBeNull();
  });

  it('names no item for an exact path two items hold', () => {
    const table = new PartTable();
    table.set(1, { ratingKey: '10', file: '/data/x.mkv', sectionKey: '1' });
    table.set(2, { ratingKey: '20', file: '/data/x.mkv', sectionKey: '2' });
    expect(table.matchFile('/data/x.mkv')).toBeNull();
  });

  it('follows a part whose file changed, and forgets an item and a section', () => {
    const table = new PartTable();
    table.set(1, { ratingKey: '10', file: '/data/A/a.mkv', sectionKey: '1' });
    table.set(1, { ratingKey: '10', file: '/data/B/b.mkv', sectionKey: '1' });
    expect(table.matchFile('/data/A/a.mkv')).toBeNull();
    expect(table.matchFile('/mnt/B/b.mkv')?.partId).toBe(1);
    table.set(2, { ratingKey: '20', file: '/data/C/b.mkv', sectionKey: '2' });
    expect(table.forgetItem('10')).toBe(1);
    expect(table.ratingKeyOf(1)).toBeNull();
    expect(table.matchFile('/mnt/C/b.mkv')?.ratingKey).toBe('20');
    table.forgetSection('2');
    expect(table.size).toBe(0);
  });
});
