// Plex's audio and subtitle choice for a playback, both ways: what the script should apply when
// the item starts (with an external subtitle fetched to a private file), and what Plex should
// store of the person's later choice (the sender stores it, through src/sync/plex-writes.ts).
//
// A choice is a preference, not a sync of what was watched: a failed store is logged and told
// once, and not kept in the outbox. The next change, or the next Plex app, asks again; a stale choice
// replayed later could undo one made since on another device.
import type { Logger } from 'pino';
import type { PartStreams, PlaybackStreams, PlexItem, StreamChoices, StreamChoiceWrite, StreamsChange } from '../sync/ports.js';
import { plexChoice, streamIdsFor } from './stream-choice.js';
import type { SubtitleFiles } from './subtitle-files.js';

/** How long the item waits for a subtitle file Plex serves before it is told without it. */
const SUBTITLE_WAIT_MS = 3_000;

export interface StreamSyncOptions {
  readonly files: SubtitleFiles;
  readonly log: Logger;
  /** @default SUBTITLE_WAIT_MS */
  readonly fetchWaitMs?: number;
}

export class StreamSync implements StreamChoices {
  readonly #options: StreamSyncOptions;
  /** The streams of each playback's part, as Plex listed them when it started. */
  readonly #streams = new Map<string, PartStreams>();
  /** The separate subtitle stream whose file each playback's script was handed. */
  readonly #external = new Map<string, number>();
  /** Playbacks whose failed choice was told already: once is enough for a preference. */
  readonly #told = new Set<string>();

  constructor(options: StreamSyncOptions) {
    this.#options = options;
  }

  async forItem(playbackId: string, item: PlexItem): Promise<PlaybackStreams | null> {
    const streams = item.streams;
    if (!streams || streams.list.length === 0) return null;
    this.#streams.set(playbackId, streams);
    const choice = plexChoice(streams);
    let externalSubtitle: string | null = null;
    const external = choice.externalSubtitle;
    if (external && item.client.serverFile) {
      // A file that comes too late is not wanted: its read stops with the wait, not at the client's timeout.
      const giveUp = new AbortController();
      const fetching = this.#options.files.fetch({ serverFile: item.client.serverFile.bind(item.client) }, playbackId, external, giveUp.signal);
      fetching.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>(
        (resolve) =>
          (timer = setTimeout(() => {
            giveUp.abort();
            resolve(null);
          }, this.#options.fetchWaitMs ?? SUBTITLE_WAIT_MS)),
      );
      try {
        // The item (and what waits for it in the script) is not held long for a subtitle.
        externalSubtitle = await Promise.race([fetching, late]);
        if (externalSubtitle === null) {
          this.#options.log.warn({ playbackId, stream: external.id }, 'the subtitle file Plex selected came too late; mpv keeps its own subtitles');
          this.#options.files.release(playbackId);
        } else this.#external.set(playbackId, external.id);
      } catch (error) {
        // mpv plays on with its own subtitle choice; the item itself is fine.
        this.#options.log.warn({ playbackId, stream: external.id, err: error }, 'could not fetch the subtitle file Plex selected');
      } finally {
        clearTimeout(timer);
      }
    }
    if (choice.audio === null && choice.subtitle === null && externalSubtitle === null) return null;
    if (externalSubtitle === null || !external) return { audio: choice.audio, subtitle: choice.subtitle, externalSubtitle: null };
    return {
      audio: choice.audio,
      subtitle: null,
      externalSubtitle,
      externalSubtitleTitle: external.language ?? external.languageCode ?? 'Plex subtitle',
      ...(external.languageCode ? { externalSubtitleLang: external.languageCode } : {}),
    };
  }

  toPlex(change: StreamsChange): StreamChoiceWrite | null {
    const { playbackId } = change;
    const streams = this.#streams.get(playbackId);
    if (!streams) return null;
    const ids = streamIdsFor(streams, change, this.#external.get(playbackId) ?? null);
    if (!ids) {
      this.#options.log.info({ playbackId }, 'the audio or subtitle chosen in mpv is no stream Plex knows; not sent');
      return null;
    }
    return { partId: streams.partId, ...ids };
  }

  firstFailure(playbackId: string): boolean {
    if (this.#told.has(playbackId)) return false;
    this.#told.add(playbackId);
    return true;
  }

  release(playbackId: string): void {
    this.#streams.delete(playbackId);
    this.#external.delete(playbackId);
    this.#told.delete(playbackId);
    this.#options.files.release(playbackId);
  }

  /** The one helper has started: subtitle files a dead helper left go. */
  sweep(): void {
    const removed = this.#options.files.sweep();
    if (removed > 0) this.#options.log.info({ removed }, 'removed subtitle files a helper that died left');
  }

  /** The helper exits. */
  releaseAll(): void {
    this.#streams.clear();
    this.#external.clear();
    this.#options.files.releaseAll();
  }
}
