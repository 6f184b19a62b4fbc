// A JSON IPC client for one mpv socket. node-mpv's own socket reader splits chunks as strings
// and JSON.parses every piece, so a partial, huge or non-UTF-8 line (other scripts' messages
// reach every client) throws inside its data handler. This client splits the stream on newline
// bytes (json/line-splitter.ts), caps the line size, skips what it cannot parse, and keeps a
// request-id map.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { LineSplitter } from '../framing/line-splitter.js';

/** Lines longer than this are skipped unread (a megabyte-long message from another script). */
const MAX_LINE_BYTES = 256 * 1024;

/**
 * How long close() waits for mpv to close its side before it drops the connection. mpv answers an
 * end of stream at once ("Client disconnected", at verbose); this only bounds an mpv that hangs.
 */
const CLOSE_WAIT_MS = 2_000;

export interface MpvEvent {
  readonly event: string;
  readonly [key: string]: unknown;
}

export interface IpcClientOptions {
  readonly socketPath: string;
  /** Per-request timeout, ms. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** Called for each skipped line, with why (for a debug log). */
  readonly onBadLine?: (reason: string) => void;
}

interface Pending {
  resolve: (data: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class MpvCommandError extends Error {
  override readonly name = 'MpvCommandError';
  /**
   * The error mpv answered with ("invalid parameter"): mpv refused this command and is still
   * there. Null when no answer came (the connection closed, or mpv did not answer in time).
   */
  readonly mpvError: string | null;
  constructor(message: string, mpvError: string | null = null) {
    super(message);
    this.mpvError = mpvError;
  }
}

/** Emits 'event' (MpvEvent) and 'close'. */
export class MpvIpcClient extends EventEmitter {
  readonly socketPath: string;
  readonly #options: IpcClientOptions;
  #socket: Socket | null = null;
  #nextRequestId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #lines: LineSplitter;
  #closed = false;

  constructor(options: IpcClientOptions) {
    super();
    this.socketPath = options.socketPath;
    this.#options = options;
    this.#lines = new LineSplitter({
      maxLineBytes: MAX_LINE_BYTES,
      onLine: (line) => this.#onLine(line),
      onOversized: (limit) => options.onBadLine?.(`skipped a line over ${limit} bytes`),
    });
  }

  get connected(): boolean {
    return this.#socket !== null && !this.#closed;
  }

  /** Connects, retrying while mpv has not bound the socket yet (the bind is asynchronous). */
  async connect(retryForMs = 5_000): Promise<void> {
    const until = Date.now() + retryForMs;
    for (;;) {
      try {
        this.#socket = await openSocket(this.socketPath);
        break;
      } catch (error) {
        if (Date.now() >= until) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const socket = this.#socket;
    socket.on('data', (chunk: Buffer) => this.#lines.push(chunk));
    socket.on('error', () => undefined); // 'close' follows and says what matters
    socket.on('close', () => {
      this.#closed = true;
      for (const [, pending] of this.#pending) {
        clearTimeout(pending.timer);
        pending.reject(new MpvCommandError('mpv closed the connection'));
      }
      this.#pending.clear();
      this.emit('close');
    });
  }

  /** Sends a command and waits for mpv's answer. */
  command(args: readonly unknown[]): Promise<unknown> {
    const socket = this.#socket;
    if (!socket || this.#closed) return Promise.reject(new MpvCommandError('not connected to mpv'));
    const requestId = this.#nextRequestId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new MpvCommandError(`mpv did not answer ${String(args[0])} in time`));
      }, this.#options.requestTimeoutMs ?? 5_000);
      timer.unref();
      this.#pending.set(requestId, { resolve, reject, timer });
      socket.write(`${JSON.stringify({ command: args, request_id: requestId })}\n`);
    });
  }

  /** Sends a command without waiting for the answer (OSD lines, script messages). */
  send(args: readonly unknown[]): void {
    this.command(args).catch(() => undefined);
  }

  /**
   * Closes the way mpv expects: this side ends its stream and goes on reading until mpv closes
   * its own. Dropping the socket instead (destroy) makes mpv print `[ipc_N] Read error
   * (Connection reset by peer)` when mpv's answers or events were still unread here, and `Write
   * error (Broken pipe)` when mpv writes an event after the drop, on the person's terminal.
   */
  close(): Promise<void> {
    const socket = this.#socket;
    if (!socket || this.#closed || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => socket.destroy(), CLOSE_WAIT_MS);
      timer.unref();
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  #onLine(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.#options.onBadLine?.('skipped a line that is not JSON');
      return;
    }
    if (message === null || typeof message !== 'object') return;
    const record = message as Record<string, unknown>;
    if (typeof record['request_id'] === 'number' && 'error' in record) {
      const pending = this.#pending.get(record['request_id']);
      if (!pending) return;
      this.#pending.delete(record['request_id']);
      clearTimeout(pending.timer);
      if (record['error'] === 'success') pending.resolve(record['data']);
      else pending.reject(new MpvCommandError(String(record['error']), String(record['error'])));
      return;
    }
    if (typeof record['event'] === 'string') this.emit('event', record as MpvEvent);
  }
}

function openSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
