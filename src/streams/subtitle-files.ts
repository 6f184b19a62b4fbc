// External subtitles Plex serves as separate files (`/library/streams/<id>`), fetched by the
// helper with the token in a header and left where mpv can read them: a private file (0600) in a
// private dir (0700) under the runtime dir. mpv then gets a plain local path for `sub-add`, so the
// token never appears in mpv's command list or log. Each file lives as long as its playback.
import { chmodSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { PlexStream } from '../plex/schemas.js';
import { writeFileDurable } from '../storage/durable-file.js';

/** A subtitle larger than this is not one (ASS files with fonts stay far below). */
export const MAX_SUBTITLE_BYTES = 8 * 1024 * 1024;

/** The part of the Plex client this needs (PlexClient.serverFile: capped as it streams, stopped by `signal`). */
export interface ServerFiles {
  serverFile(key: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer>;
}

export interface SubtitleFilesOptions {
  /** The helper's private runtime dir (checked 0700 at start): the files go in a dir under it. */
  readonly runtimeDir: string;
}

export class SubtitleFiles {
  readonly #dir: string;
  /** The files of each playback, removed when it ends. */
  readonly #byPlayback = new Map<string, string[]>();

  constructor(options: SubtitleFilesOptions) {
    this.#dir = join(options.runtimeDir, 'subtitles');
  }

  /**
   * Fetches the stream's file and answers its local path. Throws a Plex error when it cannot.
   * `signal`: nobody waits for it any more, and the read stops.
   */
  async fetch(client: ServerFiles, playbackId: string, stream: PlexStream, signal?: AbortSignal): Promise<string> {
    if (!stream.key) throw new TypeError(`stream ${stream.id} is not a separate file`);
    const files = this.#byPlayback.get(playbackId) ?? [];
    this.#byPlayback.set(playbackId, files);
    const bytes = await client.serverFile(stream.key, MAX_SUBTITLE_BYTES, signal);
    this.#ensureDir();
    const file = join(this.#dir, `${safeName(playbackId)}-${stream.id}.${extensionFor(stream.codec)}`);
    files.push(file);
    await writeFileDurable(file, bytes, { mode: 0o600 });
    // Released while it was fetched (the playback ended, or nobody waited for it): it goes at once.
    if (this.#byPlayback.get(playbackId) !== files) rmSync(file, { force: true });
    return file;
  }

  /** The playback ended: its files go. */
  release(playbackId: string): void {
    for (const file of this.#byPlayback.get(playbackId) ?? []) rmSync(file, { force: true });
    this.#byPlayback.delete(playbackId);
  }

  /** The helper exits: every file goes. */
  releaseAll(): void {
    for (const playbackId of [...this.#byPlayback.keys()]) this.release(playbackId);
  }

  /**
   * The one helper has just started: files left in the dir belong to a helper that died
   * (killed, crashed) before it could remove them. Answers how many went.
   */
  sweep(): number {
    let entries: string[];
    try {
      entries = readdirSync(this.#dir);
    } catch {
      return 0;
    }
    for (const entry of entries) rmSync(join(this.#dir, entry), { force: true });
    return entries.length;
  }

  #ensureDir(): void {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(this.#dir);
    // The runtime dir is private already; a link or a dir made with another mode is not used.
    if (!stat.isDirectory()) throw new Error(`${this.#dir} is not a directory`);
    if ((stat.mode & 0o777) !== 0o700) chmodSync(this.#dir, 0o700);
  }
}

/** mpv (FFmpeg) probes a subtitle by its content, but the right extension spares it a guess. */
function extensionFor(codec: string | undefined): string {
  const known: Record<string, string> = { srt: 'srt', subrip: 'srt', ass: 'ass', ssa: 'ssa', vtt: 'vtt', webvtt: 'vtt', smi: 'smi', sub: 'sub' };
  return known[(codec ?? '').toLowerCase()] ?? 'sub';
}

/** Playback ids come from the script: only their safe characters make the file name. */
function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
}
