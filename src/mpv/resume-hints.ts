// The helper's side of the resume hints (src/protocol/resume-hints.ts): it notes Plex's resume
// point for a file each time it learns it (a lookup's answer, and Plex's state after a playback's
// writes are in), so that the next cold mpv can start the file there without waiting for a helper.
// Only a hint: the script still asks, and Plex's answer wins.
import { rmSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { hintsIn, RESUME_HINTS_FILE, RESUME_HINTS_MAX, RESUME_HINTS_MAX_BYTES, RESUME_HINTS_VERSION, type ResumeHint, type ResumeHintsFile } from '../protocol/resume-hints.js';
import { redact } from '../log/redact.js';
import { writeFileDurable } from '../storage/durable-file.js';

export interface ResumeHintsOptions {
  readonly stateDir: string;
  /** What renew() notes: the played file's point and those of the files likely next. */
  readonly afterPlayback: (path: string, ratingKey: string | null) => Promise<HintNote[]>;
  /** The Home user whose resume points Plex gives now; hints of another user are dropped. */
  readonly activeUser: () => string | null;
  readonly log: Logger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Plex holds `resumeMs` for the file at `path` (null: none); `forget`: it is not a Plex item. */
export type HintNote = readonly [path: string, resumeMs: number | null | 'forget'];

/** What a script session tells the hints. */
export interface ResumeHintsPort {
  note(path: string, resumeMs: HintNote[1]): void;
  /**
   * Once a playback's writes are in: Plex's point for its file, and for what is likely to be
   * opened next (src/helper/hints-after-playback.ts). Never throws.
   */
  renew(path: string, ratingKey: string | null): Promise<void>;
}

export class ResumeHints implements ResumeHintsPort {
  readonly #options: ResumeHintsOptions;
  readonly #file: string;
  #files: Map<string, ResumeHint> | null = null;
  #user: string | null = null;
  /** One write at a time, each with everything noted before it. */
  #writing: Promise<void> = Promise.resolve();

  constructor(options: ResumeHintsOptions) {
    this.#options = options;
    this.#file = join(options.stateDir, RESUME_HINTS_FILE);
  }

  note(path: string, resumeMs: HintNote[1]): void {
    this.#noteAll([[path, resumeMs]]);
  }

  async renew(path: string, ratingKey: string | null): Promise<void> {
    try {
      this.#noteAll(await this.#options.afterPlayback(path, ratingKey));
    } catch (error) {
      // Kept as they were: the next mpv asks Plex anyway.
      this.#options.log.debug({ err: error }, 'could not renew the resume hints');
    }
  }

  /** In order, the last noted the newest; one write for them all. */
  #noteAll(notes: readonly HintNote[]): void {
    this.#writing = this.#writing.then(() => this.#note(notes)).catch((error: unknown) => this.#options.log.warn({ err: error }, 'could not keep the resume hints'));
  }

  /** Resolves once everything noted so far is written (tests, and a helper's stop). */
  settled(): Promise<void> {
    return this.#writing;
  }

  async #note(notes: readonly HintNote[]): Promise<void> {
    const user = this.#options.activeUser();
    const files = await this.#load(user);
    let changed = false;
    for (const [path, resumeMs] of notes) {
      // The file is state: it never holds a token, though a server's list may name any path.
      if (redact(path) !== path) continue;
      // Nor one the file could not hold with the others (the script reads no larger file).
      if (Buffer.byteLength(path) > MAX_PATH_BYTES) continue;
      if (resumeMs === 'forget') {
        changed = files.delete(path) || changed;
        continue;
      }
      const ms = Math.max(0, Math.round(resumeMs ?? 0));
      // Written only when it changed: a file looked up again at the same point costs no write.
      if (files.get(path)?.ms === ms) continue;
      files.delete(path);
      files.set(path, { ms, at: (this.#options.now ?? Date.now)() });
      changed = true;
    }
    if (!changed) return;
    // A Map keeps insertion order: the first are the longest unseen.
    for (const oldest of files.keys()) {
      if (files.size <= RESUME_HINTS_MAX) break;
      files.delete(oldest);
    }
    // And within the bytes the script reads: a larger file would be no hint at all.
    let bytes = Buffer.byteLength(JSON.stringify({ v: RESUME_HINTS_VERSION, user, files: {} }));
    for (const [path, hint] of files) bytes += entryBytes(path, hint);
    for (const [oldest, hint] of files) {
      if (bytes <= RESUME_HINTS_MAX_BYTES) break;
      files.delete(oldest);
      bytes -= entryBytes(oldest, hint);
    }
    const content: ResumeHintsFile = { v: RESUME_HINTS_VERSION, user, files: Object.fromEntries(files) };
    await writeFileDurable(this.#file, JSON.stringify(content));
  }

  /**
   * The hints of `user`: read once; another user's, a damaged or a missing file start empty. Read
   * again once the file is gone: a login removed it (forgetResumeHints), and what this helper
   * held of it must not come back.
   */
  async #load(user: string | null): Promise<Map<string, ResumeHint>> {
    if (this.#files !== null && this.#user === user && (this.#files.size === 0 || (await exists(this.#file)))) return this.#files;
    this.#user = user;
    this.#files = new Map();
    const text = await readFile(this.#file, 'utf8').catch(() => null);
    const file = text === null ? null : hintsIn(text);
    if (file === null || file.user !== user) return this.#files;
    // Oldest first, as the Map keeps them: the first to go when there are too many.
    for (const [path, hint] of Object.entries(file.files).sort(([, a], [, b]) => a.at - b.at)) this.#files.set(path, hint);
    return this.#files;
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** A longer path is not kept: PATH_MAX, and a sixteenth of the file. */
const MAX_PATH_BYTES = 4096;

/** What an entry adds to the file's JSON: `"path":{"ms":…,"at":…}` and a comma. */
function entryBytes(path: string, hint: ResumeHint): number {
  return Buffer.byteLength(JSON.stringify(path)) + Buffer.byteLength(JSON.stringify(hint)) + 2;
}

/**
 * Another user or another login gives other resume points, and the script reads the hints without
 * knowing whose they are: `user` and `login` remove them. The next helper notes them anew.
 */
export function forgetResumeHints(stateDir: string): void {
  rmSync(join(stateDir, RESUME_HINTS_FILE), { force: true });
}
