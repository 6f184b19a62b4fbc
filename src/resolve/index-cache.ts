// The part index's cache file, compact: per server, per section, columns instead of records.
// Version 1 kept each file path twice (by part and by file) in objects keyed by strings; here a
// part is the step from the previous part id and ratingKey, a file name and the index of its
// folder, and each folder is written once per section. What the file holds is checked as it is
// read; a file that does not read (damaged, cut, an older version) is no cache, and the index is
// built again: it is only a cache.
import * as z from 'zod';
import { PartTable } from './part-table.js';

export const INDEX_CACHE_VERSION = 2;

export interface SectionState {
  readonly type: 'movie' | 'show';
  /** The section's updatedAt when last listed (epoch seconds, server clock); null when the server sent none. */
  readonly updatedAt: number | null;
  /** Epoch seconds (server clock) from which the next read of changes starts. */
  readonly since: number;
  /**
   * updatedAt was older than the server's clock when the section was listed: any change after
   * the listing moves it. False when it was the same second, which updatedAt cannot tell apart.
   */
  readonly settled: boolean;
  /** Local epoch ms of the last listing (whole or of changes). */
  readonly refreshedAt: number;
}

/** One server's index: what is known of each section, and the parts. */
export interface ServerIndex {
  readonly sections: Map<string, SectionState>;
  readonly table: PartTable;
}

// Columns of 100,000 entries are checked with a plain loop each: zod's array of numbers took
// most of the load time at that size.
const column = <T>(name: string, holds: (value: unknown) => boolean) =>
  z.custom<T[]>((value) => Array.isArray(value) && value.every(holds), { message: `${name} is not a column` });
const isInteger = (value: unknown): boolean => Number.isSafeInteger(value);
const isString = (value: unknown): boolean => typeof value === 'string';

const SectionFileSchema = z.object({
  type: z.enum(['movie', 'show']),
  updatedAt: z.number().nullable(),
  since: z.number(),
  settled: z.boolean(),
  refreshedAt: z.number(),
  /** Each folder once, with its trailing separator. */
  folders: column<string>('folders', isString),
  /** Each part id as its difference from the one before (listed by id, mostly 1): short numbers. */
  partIdSteps: column<number>('partIdSteps', isInteger),
  /**
   * A ratingKey of digits as its difference from the last such one, like part ids; any other as
   * the string it is.
   */
  ratingKeys: column<number | string>('ratingKeys', (value) => isInteger(value) || (typeof value === 'string' && value !== '')),
  /** Index into folders; -1 for a part without a file. */
  folderOf: column<number>('folderOf', (value) => isInteger(value) && (value as number) >= -1),
  names: column<string>('names', isString),
});

const CacheFileSchema = z.object({
  version: z.literal(INDEX_CACHE_VERSION),
  servers: z.record(z.string(), z.object({ sections: z.record(z.string(), z.unknown()) })),
});

/** The servers' indexes as the file holds them; empty for a file that does not read. A damaged section alone is left out. */
export function decodeIndexCache(text: string): Map<string, ServerIndex> {
  const servers = new Map<string, ServerIndex>();
  let parsed: z.infer<typeof CacheFileSchema>;
  try {
    parsed = CacheFileSchema.parse(JSON.parse(text));
  } catch {
    return servers;
  }
  for (const [serverUrl, server] of Object.entries(parsed.servers)) {
    const index: ServerIndex = { sections: new Map(), table: new PartTable() };
    for (const [sectionKey, raw] of Object.entries(server.sections)) {
      const section = SectionFileSchema.safeParse(raw);
      if (!section.success || !readSection(index.table, sectionKey, section.data)) {
        // Its parts are dropped with it: unknown again, the section is listed whole at the next miss.
        index.table.forgetSection(sectionKey);
        continue;
      }
      const { type, updatedAt, since, settled, refreshedAt } = section.data;
      index.sections.set(sectionKey, { type, updatedAt, since, settled, refreshedAt });
    }
    servers.set(serverUrl, index);
  }
  return servers;
}

/** False when the columns do not agree (a cut or edited file). */
function readSection(table: PartTable, sectionKey: string, section: z.infer<typeof SectionFileSchema>): boolean {
  const { folders, partIdSteps, ratingKeys, folderOf, names } = section;
  const count = partIdSteps.length;
  if (ratingKeys.length !== count || folderOf.length !== count || names.length !== count) return false;
  let partId = 0;
  let numericKey = 0;
  for (let i = 0; i < count; i += 1) {
    partId += partIdSteps[i] as number;
    const key = ratingKeys[i] as number | string;
    if (typeof key === 'number') numericKey += key;
    const folder = folderOf[i] as number;
    if (folder >= folders.length || partId <= 0 || !Number.isSafeInteger(partId) || numericKey < 0) return false;
    const file = folder < 0 ? null : (folders[folder] as string) + (names[i] as string);
    table.set(partId, { ratingKey: typeof key === 'number' ? String(numericKey) : key, file, sectionKey });
  }
  return true;
}

/** The file's text for these servers' indexes. */
export function encodeIndexCache(servers: ReadonlyMap<string, ServerIndex>): string {
  const out: Record<string, { sections: Record<string, z.input<typeof SectionFileSchema>> }> = {};
  for (const [serverUrl, index] of servers) {
    const sections: Record<string, z.input<typeof SectionFileSchema>> = {};
    const writers = new Map<string, { folderIds: Map<string, number>; lastPartId: number; lastKey: number }>();
    for (const [sectionKey, state] of index.sections) {
      sections[sectionKey] = { ...state, folders: [], partIdSteps: [], ratingKeys: [], folderOf: [], names: [] };
      writers.set(sectionKey, { folderIds: new Map(), lastPartId: 0, lastKey: 0 });
    }
    for (const [partId, record] of index.table.entries()) {
      const section = sections[record.sectionKey];
      const writer = writers.get(record.sectionKey);
      // A part of a section no longer listed is not written; it goes with its section.
      if (!section || !writer) continue;
      section.partIdSteps.push(partId - writer.lastPartId);
      writer.lastPartId = partId;
      if (/^(0|[1-9]\d{0,14})$/.test(record.ratingKey)) {
        const key = Number(record.ratingKey);
        section.ratingKeys.push(key - writer.lastKey);
        writer.lastKey = key;
      } else {
        section.ratingKeys.push(record.ratingKey);
      }
      if (record.file === null) {
        section.folderOf.push(-1);
        section.names.push('');
        continue;
      }
      // The folder with its separator, so that the name joins it as it was.
      const cut = Math.max(record.file.lastIndexOf('/'), record.file.lastIndexOf('\\')) + 1;
      const folder = record.file.slice(0, cut);
      let id = writer.folderIds.get(folder);
      if (id === undefined) {
        id = section.folders.length;
        section.folders.push(folder);
        writer.folderIds.set(folder, id);
      }
      section.folderOf.push(id);
      section.names.push(record.file.slice(cut));
    }
    out[serverUrl] = { sections };
  }
  return JSON.stringify({ version: INDEX_CACHE_VERSION, servers: out });
}
