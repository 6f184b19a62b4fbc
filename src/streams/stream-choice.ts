// Audio and subtitle choices between Plex and mpv, as pure data. Plex names a stream by its id
// and by `index`, FFmpeg's index of the stream in the file; mpv shows that index as a track's
// `ff-index`. So Plex's choice reaches mpv as ff-indexes, and the person's choice in mpv comes
// back as ff-indexes that this module turns into Plex stream ids. A subtitle Plex serves as a
// separate file (a stream with a `key`) has no ff-index: the helper fetches it, and the script
// adds it and calls it 'external'.
import type { PlexMetadata, PlexStream } from '../plex/schemas.js';
import { plexStreams } from '../plex/schemas.js';
import type { PartStreams } from '../sync/ports.js';

export const STREAM_TYPE = { video: 1, audio: 2, subtitle: 3 } as const;

/** Plex's choice, as the script applies it (see ItemPayload.streams). */
export interface PlexChoice {
  /** ff-index of the selected audio stream; null: Plex chose none we can name. */
  readonly audio: number | null;
  /** ff-index of the selected embedded subtitle, 'off' when none is selected, null: leave mpv's. */
  readonly subtitle: number | 'off' | null;
  /** The selected subtitle is a separate file: the stream to fetch, else null. */
  readonly externalSubtitle: PlexStream | null;
}

/** What the person chose in mpv (see StreamsPayload). */
export interface PersonChoice {
  readonly audioFfIndex: number | null;
  readonly subtitle: { readonly ffIndex: number } | 'off' | 'external' | null;
}

/** The stream ids Plex stores as a part's choice (plex-writes.ts); a missing one is left as Plex has it. */
export interface StreamIds {
  readonly audioStreamID?: number;
  /** 0 turns subtitles off. */
  readonly subtitleStreamID?: number;
}

/**
 * The part that is played: the one a part URL (or a chosen version) names, or the one whose file
 * is the local file played, else the first part of the first Media, which is what a metadata
 * address or a ratingKey plays.
 */
export function playedPartStreams(meta: PlexMetadata, partId: number | null, plexFile: string | null = null): PartStreams | null {
  const parts = meta.Media.flatMap((media) => media.Part);
  const part =
    partId !== null
      ? parts.find((candidate) => candidate.id === partId)
      : ((plexFile !== null ? parts.find((candidate) => candidate.file === plexFile) : undefined) ?? meta.Media[0]?.Part[0]);
  if (!part) return null;
  return { partId: part.id, list: plexStreams(part.Stream) };
}

function isExternal(stream: PlexStream): boolean {
  return stream.key !== undefined && stream.key !== '';
}

function ofType(streams: PartStreams, type: number): PlexStream[] {
  return streams.list.filter((stream) => stream.streamType === type);
}

export function plexChoice(streams: PartStreams): PlexChoice {
  const audio = ofType(streams, STREAM_TYPE.audio).find((stream) => stream.selected && stream.index !== undefined);
  const subtitles = ofType(streams, STREAM_TYPE.subtitle);
  const chosen = subtitles.find((stream) => stream.selected);
  let subtitle: PlexChoice['subtitle'] = null;
  // A part without subtitles leaves mpv alone: there is nothing to turn off.
  if (subtitles.length > 0) subtitle = chosen === undefined ? 'off' : !isExternal(chosen) && chosen.index !== undefined ? chosen.index : null;
  return {
    audio: audio?.index ?? null,
    subtitle,
    externalSubtitle: chosen !== undefined && isExternal(chosen) ? chosen : null,
  };
}

/**
 * The ids for the person's choice, or null when nothing of it names a Plex stream (a track
 * Plex does not know, such as a subtitle file the person added by hand).
 * @param externalStreamId the stream whose file the script was handed, if any: 'external' names it
 */
export function streamIdsFor(streams: PartStreams, choice: PersonChoice, externalStreamId: number | null): StreamIds | null {
  const ids: { audioStreamID?: number; subtitleStreamID?: number } = {};
  if (choice.audioFfIndex !== null) {
    const audio = ofType(streams, STREAM_TYPE.audio).find((stream) => !isExternal(stream) && stream.index === choice.audioFfIndex);
    if (audio) ids.audioStreamID = audio.id;
  }
  const subtitles = ofType(streams, STREAM_TYPE.subtitle);
  const wanted = choice.subtitle;
  if (wanted === 'off') ids.subtitleStreamID = 0;
  else if (wanted === 'external') {
    // The one separate file the script can have added is the one the helper handed it.
    if (externalStreamId !== null) ids.subtitleStreamID = externalStreamId;
  } else if (wanted !== null) {
    const embedded = subtitles.find((stream) => !isExternal(stream) && stream.index === wanted.ffIndex);
    if (embedded) ids.subtitleStreamID = embedded.id;
  }
  return ids.audioStreamID === undefined && ids.subtitleStreamID === undefined ? null : ids;
}
