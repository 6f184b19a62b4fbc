// Attach requests left as files by scripts (protocol/messages.ts, ATTACH_REQUESTS_DIR_NAME).
// A script that finds a helper running asks it this way instead of starting `attach`: every
// process mpv starts is a fork of mpv, and after a fork each page of mpv's memory is
// copy-on-write, so mpv pays a page fault for each page it writes later, most of them while it
// frees everything at quit (BENCHMARKS.md). A file costs mpv none of that.
import { type FSWatcher, readdirSync, unlinkSync, watch, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import { MAX_SOCKET_PATH_BYTES } from '../protocol/messages.js';
import { ensurePrivateDir } from '../config/private-dir.js';


export interface AttachRequestsOptions {
  readonly dir: string;
  readonly log: Logger;
  /** Attaches to an mpv socket; a failure is the caller's to report. */
  readonly attach: (socketPath: string) => Promise<void>;
}

export class AttachRequests {
  readonly #options: AttachRequestsOptions;
  #watcher: FSWatcher | null = null;

  constructor(options: AttachRequestsOptions) {
    this.#options = options;
  }

  /** Watches the directory, then takes what was asked before the watch began. */
  start(): void {
    const { dir, log } = this.#options;
    try {
      ensurePrivateDir(dir);
      this.#watcher = watch(dir, () => void this.takeAll());
      this.#watcher.on('error', (error) => log.warn({ err: error }, 'stopped watching attach requests'));
    } catch (error) {
      // Scripts then fall back to starting `attach`, which reaches this helper by its socket.
      log.warn({ dir, err: error }, 'cannot watch for attach requests');
      return;
    }
    void this.takeAll();
  }

  stop(): void {
    this.#watcher?.close();
    this.#watcher = null;
  }

  /** Takes every request in the directory, and attaches to each mpv that asked. */
  async takeAll(): Promise<void> {
    const { dir, log } = this.#options;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // no directory: nobody can have asked
    }
    const attaching: Promise<void>[] = [];
    for (const name of names) {
      // Removing it first claims it: a second look at the directory will not see it again.
      try {
        unlinkSync(`${dir}/${name}`);
      } catch {
        continue;
      }
      const socketPath = socketPathFrom(name);
      if (socketPath === null) {
        log.warn({ request: name.slice(0, 200) }, 'ignoring an attach request that names no mpv socket');
        continue;
      }
      attaching.push(
        this.#options.attach(socketPath).catch((error: unknown) => log.warn({ socket: socketPath, err: error }, 'could not attach to mpv as asked')),
      );
    }
    await Promise.all(attaching);
  }
}

/** Leaves a request for the running helper, as the script does (its name is the URI-encoded socket path). */
export function leaveAttachRequest(dir: string, socketPath: string): void {
  ensurePrivateDir(dir);
  writeFileSync(join(dir, encodeURIComponent(socketPath)), '', { mode: 0o600 });
}

/** The socket path a request's file name stands for, or null when it stands for none. */
export function socketPathFrom(name: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(name);
  } catch {
    return null;
  }
  if (!isAbsolute(path) || path.includes('\0') || Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) return null;
  return path;
}
