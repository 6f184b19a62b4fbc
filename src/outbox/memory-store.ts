// The outbox in memory, for unit tests of the modules that use the port. Same rules as the file
// store (both sit on EntryTable, and one contract suite runs against both); nothing persists.
import { parseEntry, type EntryPatch, type OutboxEntry, type PutResult } from './entry.js';
import { notLoaded, type OutboxStore } from './store.js';
import { EntryTable, checkId, checkNow, parsePatch } from './table.js';

export interface Options {
  /** Entries present once load() has run, as if read from a file. @default [] */
  readonly entries?: readonly OutboxEntry[];
}

export class MemoryOutboxStore implements OutboxStore {
  readonly #table = new EntryTable();
  readonly #seed: readonly OutboxEntry[];
  #loaded = false;

  constructor(options: Options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('MemoryOutboxStore options must be an object');
    const { entries = [] } = options;
    if (!Array.isArray(entries)) throw new TypeError('`entries` must be an array of outbox entries');
    this.#seed = entries.map((entry: unknown, index) => parseEntry(entry, `\`entries[${index}]\``));
  }

  async load(): Promise<void> {
    if (this.#loaded) return;
    for (const entry of this.#seed) this.#table.put(entry);
    this.#loaded = true;
  }

  itemEntries(serverUrl: string, ratingKey: string): readonly OutboxEntry[] {
    return this.#ready().itemEntries(serverUrl, ratingKey);
  }

  list(): readonly OutboxEntry[] {
    return this.#ready().list();
  }

  get(id: string): OutboxEntry | undefined {
    return this.#ready().get(checkId(id));
  }

  async put(entry: OutboxEntry): Promise<PutResult> {
    const table = this.#ready();
    return table.put(parseEntry(entry));
  }

  async update(id: string, patch: EntryPatch, expected?: OutboxEntry): Promise<boolean> {
    const table = this.#ready();
    return table.update(checkId(id), parsePatch(patch), expected);
  }

  async remove(id: string, expected?: OutboxEntry): Promise<boolean> {
    const table = this.#ready();
    return table.remove(checkId(id), expected);
  }

  due(now: number): OutboxEntry[] {
    return this.#ready().due(checkNow(now));
  }

  #ready(): EntryTable {
    if (!this.#loaded) throw notLoaded();
    return this.#table;
  }
}
