// One server's parts in memory: part id → item and file, file → parts, and the last two and
// three components of each file (folder/name, parent/folder/name) → parts. Every lookup is a few
// Map lookups, so a look takes microseconds at 100,000 parts: a suffix match compares only the
// files that share three trailing components with it, and where none does, the files that share
// two need no comparing at all (they share exactly two, so one item among them is the match). Which section a part came from is kept so that a section
// can be listed again on its own.
import { MIN_SUFFIX_COMPONENTS, trailingKey, uniqueSuffixMatch } from './suffix-match.js';

export interface PartRecord {
  readonly ratingKey: string;
  /** The file as Plex names it; null for a part Plex lists without one. */
  readonly file: string | null;
  readonly sectionKey: string;
}

export interface FileMatch {
  readonly ratingKey: string;
  readonly partId: number;
  /** Plex's path of the matched part. */
  readonly file: string;
  /** Plex's path is the one asked for; false for a suffix match. */
  readonly exact: boolean;
}

/** One id, or several: most files and names belong to one part, and an array each would double the maps. */
type Ids = number | number[];

export class PartTable {
  readonly #parts = new Map<number, PartRecord>();
  readonly #byFile = new Map<string, Ids>();
  /** By the last MIN_SUFFIX_COMPONENTS components, and by one more. */
  readonly #byLast2 = new Map<string, Ids>();
  readonly #byLast3 = new Map<string, Ids>();

  get size(): number {
    return this.#parts.size;
  }

  /** Adds a part, or replaces what is known of it (a file renamed, an item moved). */
  set(partId: number, record: PartRecord): void {
    const old = this.#parts.get(partId);
    if (old?.file && old.file !== record.file) this.#unindexFile(partId, old.file);
    this.#parts.set(partId, record);
    if (record.file && old?.file !== record.file) {
      add(this.#byFile, record.file, partId);
      const last2 = trailingKey(record.file, MIN_SUFFIX_COMPONENTS);
      const last3 = trailingKey(record.file, MIN_SUFFIX_COMPONENTS + 1);
      if (last2 !== null) add(this.#byLast2, last2, partId);
      if (last3 !== null) add(this.#byLast3, last3, partId);
    }
  }

  ratingKeyOf(partId: number): string | null {
    return this.#parts.get(partId)?.ratingKey ?? null;
  }

  /**
   * Plex's exact path first: the one item that holds it (two items holding one path name no
   * item). Else a suffix match (suffix-match.ts), unique or nothing.
   */
  matchFile(plexPath: string): FileMatch | null {
    const exact = idsOf(this.#byFile.get(plexPath));
    if (exact.length > 0) {
      const owners = new Set(exact.map((partId) => this.#parts.get(partId)?.ratingKey));
      return owners.size === 1 ? this.#match(exact[0] as number, true) : null;
    }
    const last3 = trailingKey(plexPath, MIN_SUFFIX_COMPONENTS + 1);
    const longer = last3 === null ? [] : idsOf(this.#byLast3.get(last3));
    if (longer.length > 0) {
      // Those outside this group share two components at most: the match is in it, or nowhere.
      const found = uniqueSuffixMatch(
        plexPath,
        longer,
        (partId) => this.#parts.get(partId)?.file ?? null,
        (partId) => this.#parts.get(partId)?.ratingKey ?? '',
      );
      return found === null ? null : this.#match(found, false);
    }
    const last2 = trailingKey(plexPath, MIN_SUFFIX_COMPONENTS);
    const shared = last2 === null ? [] : idsOf(this.#byLast2.get(last2));
    // Each shares exactly two components: a match only when they all belong to one item.
    const owner = this.#parts.get(shared[0] ?? -1)?.ratingKey;
    if (owner === undefined || shared.some((partId) => this.#parts.get(partId)?.ratingKey !== owner)) return null;
    return this.#match(shared[0] as number, false);
  }

  /** Drops every part of an item (Plex answered 404 for it); returns how many. */
  forgetItem(ratingKey: string): number {
    let dropped = 0;
    for (const [partId, record] of this.#parts) {
      if (record.ratingKey !== ratingKey) continue;
      this.#drop(partId, record);
      dropped += 1;
    }
    return dropped;
  }

  /** Drops every part listed from a section (the section is gone, or listed again whole). */
  forgetSection(sectionKey: string): void {
    for (const [partId, record] of this.#parts) if (record.sectionKey === sectionKey) this.#drop(partId, record);
  }

  /** Every part, for the cache file. */
  entries(): IterableIterator<[number, PartRecord]> {
    return this.#parts.entries();
  }

  #drop(partId: number, record: PartRecord): void {
    this.#parts.delete(partId);
    if (record.file) this.#unindexFile(partId, record.file);
  }

  #unindexFile(partId: number, file: string): void {
    remove(this.#byFile, file, partId);
    const last2 = trailingKey(file, MIN_SUFFIX_COMPONENTS);
    const last3 = trailingKey(file, MIN_SUFFIX_COMPONENTS + 1);
    if (last2 !== null) remove(this.#byLast2, last2, partId);
    if (last3 !== null) remove(this.#byLast3, last3, partId);
  }

  #match(partId: number, exact: boolean): FileMatch | null {
    const record = this.#parts.get(partId);
    return record?.file ? { ratingKey: record.ratingKey, partId, file: record.file, exact } : null;
  }
}

function idsOf(ids: Ids | undefined): readonly number[] {
  return ids === undefined ? [] : typeof ids === 'number' ? [ids] : ids;
}

// No check for an id already there: set() indexes a part's file only when it is new to that part,
// and a popular key (Season 01/S01E01.mkv) holds thousands of ids.
function add(map: Map<string, Ids>, key: string, id: number): void {
  const ids = map.get(key);
  if (ids === undefined) map.set(key, id);
  else if (typeof ids === 'number') map.set(key, [ids, id]);
  else ids.push(id);
}

function remove(map: Map<string, Ids>, key: string, id: number): void {
  const ids = map.get(key);
  if (ids === undefined) return;
  if (typeof ids === 'number') {
    if (ids === id) map.delete(key);
    return;
  }
  const left = ids.filter((other) => other !== id);
  if (left.length === 0) map.delete(key);
  else map.set(key, left.length === 1 ? (left[0] as number) : left);
}
