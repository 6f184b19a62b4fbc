// Where the transient tokens handed to mpv are kept between `play` runs, so that one per server
// and person is reused while it is young (PLAYER_TOKEN_REUSE_MS) rather than a new one asked for
// every play: each ask leaves one more token alive on the server for up to 48 hours.
//
// The file is in the runtime dir, which is this user's alone (0700, checked: private-dir.ts) and
// is emptied at logout; the file itself is 0600 and replaced whole (durable-file.ts), never
// edited in place. It holds transient tokens only, never the account's or a server's own token:
// an entry is found by the server, the Home user and a fingerprint of the token it was asked
// with, so that another login or another user never gets someone else's. A file that cannot be
// read, is not ours in shape, or holds only old entries counts as empty: the next play asks the
// server again and writes it anew.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { ensurePrivateDir } from '../config/private-dir.js';
import { writeFileDurableSync } from '../storage/durable-file.js';

/** The largest file read: a few entries take a few hundred bytes; anything past this is not ours. */
const MAX_FILE_BYTES = 64 * 1024;

/** How long one transient token is reused: well within the 48 hours the server keeps it. */
export const PLAYER_TOKEN_REUSE_MS = 60 * 60 * 1000;

/** The file's name in the runtime dir. */
export const PLAYER_TOKENS_FILE = 'player-tokens.json';

/** Whose token for which server: an entry is reused only for the very same three. */
export interface PlayerTokenKey {
  /** The server's base URL, as its client has it. */
  readonly server: string;
  /** The Home user (plex.tv uuid) the token acts for; null for a server's own token or a URL's. */
  readonly user: string | null;
  /** The token the transient one was asked with; only a fingerprint of it is written. */
  readonly askedWith: string;
}

/** Keeps transient tokens between runs. */
export interface PlayerTokenStore {
  /** A token asked for with `key` less than PLAYER_TOKEN_REUSE_MS before `nowMs`; null when none. */
  find(key: PlayerTokenKey, nowMs: number): string | null;
  /** Keeps `token` as asked for with `key` at `nowMs`; a failure to write is swallowed (the next play asks again). */
  keep(key: PlayerTokenKey, token: string, nowMs: number): void;
}

const EntrySchema = z.object({
  server: z.string(),
  user: z.string().nullable(),
  account: z.string(),
  token: z.string().min(1),
  obtainedAt: z.number().finite(),
});
const FileSchema = z.object({ version: z.literal(1), tokens: z.array(z.unknown()) });
type Entry = z.infer<typeof EntrySchema>;

/** A short one-way fingerprint of the token asked with: tells two accounts apart, gives nothing away. */
function fingerprint(token: string): string {
  return createHash('sha256').update(`mpv-plex-sync player token\n${token}`).digest('hex').slice(0, 16);
}

function young(entry: Entry, nowMs: number): boolean {
  const age = nowMs - entry.obtainedAt;
  // A time ahead of now (the clock was set back) is not trusted either.
  return age >= 0 && age < PLAYER_TOKEN_REUSE_MS;
}

function sameKey(entry: Entry, key: PlayerTokenKey): boolean {
  return entry.server === key.server && entry.user === key.user && entry.account === fingerprint(key.askedWith);
}

/** The store in `runtimeDir`/player-tokens.json. */
export class PlayerTokenFile implements PlayerTokenStore {
  readonly file: string;
  readonly #dir: string;

  constructor(runtimeDir: string) {
    this.#dir = runtimeDir;
    this.file = join(runtimeDir, PLAYER_TOKENS_FILE);
  }

  find(key: PlayerTokenKey, nowMs: number): string | null {
    return this.#read().find((entry) => sameKey(entry, key) && young(entry, nowMs))?.token ?? null;
  }

  keep(key: PlayerTokenKey, token: string, nowMs: number): void {
    const entry: Entry = { server: key.server, user: key.user, account: fingerprint(key.askedWith), token, obtainedAt: nowMs };
    // Old entries go: the file never holds more than the tokens still reused.
    const tokens = [...this.#read().filter((other) => !sameKey(other, key) && young(other, nowMs)), entry];
    try {
      // Only into the private dir: never a token in a dir that others could read.
      ensurePrivateDir(this.#dir);
      writeFileDurableSync(this.file, `${JSON.stringify({ version: 1, tokens })}\n`, { mode: 0o600 });
    } catch {
      // Not kept: the next play asks the server for a token again.
    }
  }

  /** The readable entries; none for a missing, damaged or foreign file. */
  #read(): Entry[] {
    let text: string;
    try {
      // A dir that is not ours alone (the /tmp fallback someone else made) is not read from.
      ensurePrivateDir(this.#dir);
      text = readOwnFile(this.file);
    } catch {
      return [];
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return [];
    }
    const file = FileSchema.safeParse(json);
    if (!file.success) return [];
    return file.data.tokens.flatMap((raw) => {
      const entry = EntrySchema.safeParse(raw);
      return entry.success ? [entry.data] : [];
    });
  }
}

/**
 * The file's text, when it is a plain file of this user's of a sane size. Never follows a
 * symbolic link in its place, never waits on a FIFO or a device, and never reads a file someone
 * else left in the dir (before it was made private) or one too big to be ours: each throws.
 */
function readOwnFile(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new Error(`${file} is not a plain file`);
    if (typeof process.getuid === 'function' && info.uid !== process.getuid()) throw new Error(`${file} belongs to another user`);
    if (info.size > MAX_FILE_BYTES) throw new Error(`${file} is too big`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
