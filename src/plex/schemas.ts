// Shapes of the Plex JSON this product reads, validated where they enter. Unknown fields pass:
// Plex adds fields between versions, and only these are relied on.
import * as z from 'zod';

const numeric = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);

/**
 * A flag as Plex and plex.tv send it: true/false, and now and then 1/0 or "1"/"0" (XML, older
 * servers); absent (or null, once withoutNulls has run) is false. Anything else is no flag.
 */
export const flag = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.literal('0'), z.literal('1')])
  .optional()
  .transform((value) => value === true || value === 1 || value === '1');
const keyString = z.union([z.string(), z.number().transform(String)]);

/**
 * A name a server or plex.tv gives and the person is shown (a server's friendlyName, a resource's
 * or a Home user's name): its control characters, which could drive the person's terminal
 * (escape sequences) or break an OSD line, become spaces where it enters.
 */
export const shownName = z.string().transform((text) => text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim());

const PartSchema = z.object({
  id: numeric,
  key: z.string().optional(),
  file: z.string().optional(),
  duration: numeric.optional(),
  // Read stream by stream by plexStreams(): one odd stream must not make the item unresolvable.
  Stream: z.unknown().optional(),
  size: numeric.optional(),
  container: z.string().optional(),
});

const MediaSchema = z.object({
  id: numeric.optional(),
  duration: numeric.optional(),
  Part: z.array(PartSchema).default([]),
  // What `play --versions` shows of each version.
  videoResolution: keyString.optional(),
  videoCodec: z.string().optional(),
  audioCodec: z.string().optional(),
  container: z.string().optional(),
  width: numeric.optional(),
  height: numeric.optional(),
  bitrate: numeric.optional(),
});

/**
 * An item's fields with every null left out. Plex is not expected to send null (lastViewedAt is
 * absent when never viewed), yet servers do now and then; a null where a field may be absent
 * means the same as its absence. A null where a field is required still fails.
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) if (inner !== null) out[key] = withoutNulls(inner);
  return out;
}

const MetadataFieldsSchema = z.object({
  ratingKey: keyString,
  key: z.string().optional(),
  type: z.string(),
  title: z.string().default(''),
  grandparentTitle: z.string().optional(),
  parentIndex: numeric.optional(),
  index: numeric.optional(),
  duration: numeric.optional(),
  viewCount: numeric.optional(),
  viewOffset: numeric.optional(),
  lastViewedAt: numeric.optional(),
  updatedAt: numeric.optional(),
  librarySectionID: numeric.optional(),
  Media: z.array(MediaSchema).default([]),
  // An episode's season and show (`play --next` reads the show's episodes through them).
  parentRatingKey: keyString.optional(),
  grandparentRatingKey: keyString.optional(),
  parentTitle: z.string().optional(),
  // Intro, credits and commercial markers (`?includeMarkers=1`); read one by one by plexMarkers().
  Marker: z.unknown().optional(),
  // What the search and Continue Watching show: a movie's or a show's year, and how many of a
  // show's (a season's) episodes there are and how many are watched. An odd value is left out
  // rather than costing the item: an episode's year is now and then the show's, or nonsense.
  year: numeric.optional().catch(undefined),
  leafCount: numeric.optional().catch(undefined),
  viewedLeafCount: numeric.optional().catch(undefined),
});

export const MetadataSchema = z.preprocess(withoutNulls, MetadataFieldsSchema);

export type PlexMetadata = z.infer<typeof MetadataSchema>;

export const MetadataContainerSchema = z.object({
  MediaContainer: z.object({ Metadata: z.array(MetadataSchema).default([]) }),
});

export const ListingContainerSchema = z.object({
  MediaContainer: z.object({
    size: numeric.optional(),
    totalSize: numeric.optional(),
    offset: numeric.optional(),
    // Checked one by one by the client: one odd item must not make the others unreadable.
    Metadata: z.array(z.unknown()).default([]),
  }),
});

/**
 * `/hubs/search`: one hub per type (movie, show, episode, and others: actors, genres with
 * `Directory`). A hub of size 0 has no `Metadata` key at all. Hubs and their items are read one by
 * one by the client: an odd hub or item drops itself, not the answer.
 */
export const HubsContainerSchema = z.object({
  MediaContainer: z.object({ Hub: z.array(z.unknown()).default([]) }),
});

export const HubSchema = z.object({
  type: z.string().catch(''),
  hubIdentifier: z.string().optional().catch(undefined),
  Metadata: z.array(z.unknown()).optional().catch(undefined),
});

/** A search result's relevance: Plex sends it as a string ("0.31062"), now and then a number. */
export const ScoreSchema = z.object({
  score: z.union([z.number(), z.string().regex(/^\d+(?:\.\d+)?$/).transform(Number)]).optional().catch(undefined),
});

export const SectionsContainerSchema = z.object({
  MediaContainer: z.object({
    Directory: z
      .array(
        z.object({
          key: keyString,
          type: z.string(),
          title: z.string().default(''),
          Location: z.array(z.object({ path: z.string() })).default([]),
          // Epoch seconds of the section's last change: the part index re-reads only sections
          // whose updatedAt moved. Absent or odd, the index cannot tell and reads the changes anyway.
          updatedAt: numeric.nullish().catch(undefined),
        }),
      )
      .default([]),
  }),
});

/**
 * What the part index keeps of a listed item: its ratingKey and its parts' ids and files. Lean on
 * purpose (100,000 of them pass through); a null file reads as none, as withoutNulls would.
 */
export const IndexItemSchema = z.object({
  ratingKey: keyString,
  Media: z
    .array(z.object({ Part: z.array(z.object({ id: numeric, file: z.string().nullish() })).nullish() }))
    .nullish(),
});

export type PlexIndexItem = z.infer<typeof IndexItemSchema>;

export type PlexSection = z.infer<typeof SectionsContainerSchema>['MediaContainer']['Directory'][number];

export const IdentitySchema = z.object({
  // Shown by doctor and status, and a server's to choose (another may have the saved address).
  MediaContainer: z.object({ machineIdentifier: shownName, version: shownName.optional() }),
});

/**
 * GET /security/token?type=delegation&scope=all: a transient token for a player. Only characters
 * that can go into mpv's http-header-fields as they are: no comma (mpv's list separator), no
 * space or control character (a header line break).
 */
export const TransientTokenSchema = z.object({
  MediaContainer: z.object({ token: z.string().regex(/^[A-Za-z0-9._~+/=:-]{4,512}$/, 'not a token mpv can be given') }),
});

export const PrefsSchema = z.object({
  MediaContainer: z.object({
    Setting: z.array(z.object({ id: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) })).default([]),
  }),
});

export const TimelineAnswerSchema = z
  .object({
    MediaContainer: z
      .object({ terminationCode: numeric.optional(), terminationText: z.string().optional() })
      .passthrough(),
  })
  .passthrough();

/**
 * One audio, video or subtitle stream of a part. `index` is FFmpeg's stream index in the file
 * (mpv's `ff-index`); a stream with a `key` is a separate file Plex serves (an external
 * subtitle). `selected` is the server's current choice for this user: JSON says true, XML "1".
 */
export const StreamSchema = z.object({
  id: numeric,
  streamType: numeric,
  index: numeric.optional(),
  codec: z.string().optional(),
  languageCode: z.string().optional(),
  language: z.string().optional(),
  selected: z
    .union([z.boolean(), z.number(), z.string()])
    .optional()
    .transform((value) => value === true || value === 1 || value === '1' || value === 'true'),
  key: z.string().optional(),
});

export type PlexStream = z.infer<typeof StreamSchema>;

/** A part's streams, each read on its own: an unreadable one is left out, never an error. */
export function plexStreams(raw: unknown): PlexStream[] {
  if (!Array.isArray(raw)) return [];
  const streams: PlexStream[] = [];
  for (const entry of raw) {
    const stream = StreamSchema.safeParse(withoutNulls(entry));
    if (stream.success) streams.push(stream.data);
  }
  return streams;
}

/** A marker as Plex sends it with `includeMarkers=1`: times in ms; `final` on the last credits. */
const MarkerSchema = z.object({
  type: z.enum(['intro', 'credits', 'commercial']),
  startTimeOffset: numeric,
  endTimeOffset: numeric,
  final: flag,
});

export interface PlexMarkerFact {
  readonly type: 'intro' | 'credits' | 'commercial';
  readonly startMs: number;
  readonly endMs: number;
  /** Plex's `final`: the credits that end the item (the last credits marker, in Plex's eyes). */
  readonly final: boolean;
}

/**
 * An item's markers, sorted by start. Each is read on its own: an unknown type (Plex may add
 * some), or one that ends before it starts, is left out, and the others still count.
 */
export function plexMarkers(metadata: PlexMetadata): PlexMarkerFact[] {
  const raw = Array.isArray(metadata.Marker) ? metadata.Marker : [];
  const markers: PlexMarkerFact[] = [];
  for (const entry of raw) {
    const parsed = MarkerSchema.safeParse(entry);
    if (!parsed.success) continue;
    const { type, startTimeOffset, endTimeOffset, final } = parsed.data;
    if (!(endTimeOffset > startTimeOffset)) continue;
    markers.push({ type, startMs: startTimeOffset, endMs: endTimeOffset, final });
  }
  return markers.sort((a, b) => a.startMs - b.startMs);
}
