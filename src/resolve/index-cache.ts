// The part index's cache file, compact: per server, per section, columns instead of records.
// Version 1 kept each file path twice (by part and by file) in objects keyed by strings, about
// 190 bytes a part; here a part is its id, its ratingKey and a file name with the index of its
// folder, and each folder is written once per section. What the file holds is checked as it is
// read; a file that does not read (damaged, cut, an older version) is no cache, and the index is
// built again: it is only a cache.
import { z } from 'zod';
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

const ratingKeyColumn = z.union([z.number().int().nonnegative(), z.string().min(1)]);

const SectionFileSchema = z.object({
  type: z.enum(['movie', 'show']),
  updatedAt: z.number().nullable(),
  since: z.number(),
  settled: z.boolean(),
  refreshedAt: z.number(),
  /** Each folder once. */
  folders: z.array(z.string()),
  partIds: z.array(z.number().int().positive()),
  /** A ratingKey of digits is written as a number: no quotes, and Plex's are digits. */
  ratingKeys: z.array(ratingKeyColumn),
  /** Index into folders; -1 for a part without a file. */
  folderOf: z.array(z.number().int().min(-1)),
  names: z.array(z.string()),
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
  const { folders, partIds, ratingKeys, folderOf, names } = section;
  const count = partIds.length;
  if (ratingKeys.length !== count || folderOf.length !== count || names.length !== count) return false;
  for (let i = 0; i < count; i += 1) {
    const folder = folderOf[i] as number;
    if (folder >= folders.length) return false;
    const file = folder < 0 ? null : (folders[folder] as string) + (names[i] as string);
    table.set(partIds[i] as number, { ratingKey: String(ratingKeys[i]), file, sectionKey });
  }
  return true;
}

/** The file's text for these servers' indexes. */
export function encodeIndexCache(servers: ReadonlyMap<string, ServerIndex>): string {
  const out: Record<string, { sections: Record<string, z.input<typeof SectionFileSchema>> }> = {};
  for (const [serverUrl, index] of servers) {
    const sections: Record<string, z.input<typeof SectionFileSchema>> = {};
    const folderIds = new Map<string, Map<string, number>>();
    for (const [sectionKey, state] of index.sections) {
      sections[sectionKey] = { ...state, folders: [], partIds: [], ratingKeys: [], folderOf: [], names: [] };
      folderIds.set(sectionKey, new Map());
    }
    for (const [partId, record] of index.table.entries()) {
      const section = sections[record.sectionKey];
      const ids = folderIds.get(record.sectionKey);
      // A part of a section no longer listed is not written; it goes with its section.
      if (!section || !ids) continue;
      section.partIds.push(partId);
      section.ratingKeys.push(/^(0|[1-9]\d{0,14})$/.test(record.ratingKey) ? Number(record.ratingKey) : record.ratingKey);
      if (record.file === null) {
        section.folderOf.push(-1);
        section.names.push('');
        continue;
      }
      // The folder with its separator, so that the name joins it as it was.
      const cut = Math.max(record.file.lastIndexOf('/'), record.file.lastIndexOf('\\')) + 1;
      const folder = record.file.slice(0, cut);
      let id = ids.get(folder);
      if (id === undefined) {
        id = section.folders.length;
        section.folders.push(folder);
        ids.set(folder, id);
      }
      section.folderOf.push(id);
      section.names.push(record.file.slice(cut));
    }
    out[serverUrl] = { sections };
  }
  return JSON.stringify({ version: INDEX_CACHE_VERSION, servers: out });
}
