// The helper's private control socket: one helper serves every mpv, so a later `attach` hands
// its mpv socket to the running helper instead of starting a second writer of the outbox.
// Becoming the helper is done under a lock, so two starts cannot both take over a stale socket.
import { chmodSync, existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { ensurePrivateDir } from '../config/private-dir.js';
import { LineSplitter } from '../framing/line-splitter.js';
import { errorText } from '../log/redact.js';
import { parseReply, RequestSchema, type ControlReply, type ControlRequest, type ParsedReply, type ReplyValue } from './control-protocol.js';

/** A request is small (an op and a socket path or a few ids). */
const MAX_REQUEST_BYTES = 64 * 1024;
/**
 * A reply can be long: `status` lists the whole outbox, which a long time offline can fill with
 * thousands of entries of a few hundred bytes each. The cap only keeps a broken peer from making
 * a CLI process hold all it sends.
 */
export const MAX_REPLY_BYTES = 64 * 1024 * 1024;

/**
 * Sends one request to a running helper and gives its answer, validated for the request's op;
 * an error that says why when none came (no helper, a timeout) or it was not a valid answer.
 */
export async function askHelper<R extends ControlRequest>(controlSocket: string, request: R, timeoutMs = 3_000): Promise<ParsedReply<ReplyValue<R['op']>>> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (reply: ParsedReply<ReplyValue<R['op']>>) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(reply);
    };
    const noAnswer = () => finish({ ok: false, error: 'no helper answered' });
    const lines = new LineSplitter({
      maxLineBytes: MAX_REPLY_BYTES,
      onLine: (line) => {
        let raw: unknown;
        try {
          raw = JSON.parse(line);
        } catch {
          finish({ ok: false, error: 'the helper answered with a line that is not JSON' });
          return;
        }
        finish(parseReply<R['op']>(request.op, raw));
      },
      onOversized: (limit) => finish({ ok: false, error: `the helper's answer is over ${limit} bytes` }),
    });
    const socket: Socket = connect({ path: controlSocket });
    socket.setTimeout(timeoutMs, noAnswer);
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: Buffer) => lines.push(chunk));
    socket.on('error', noAnswer);
    socket.on('close', noAnswer);
  });
}

/**
 * Whether a helper holds the control socket: the one lock that a helper keeps while it is alive
 * but frozen (SIGSTOP, a suspended laptop, swapped out). The kernel accepts a connection for a
 * listening socket whether or not its process runs, and refuses it only once that process is
 * gone; a ping would wait for an answer a frozen helper cannot give, and take its place.
 */
export function helperListening(controlSocket: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path: controlSocket });
    const done = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(timeoutMs, () => done(true)); // a backlog this full has a live owner
    socket.once('connect', () => done(true));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code !== 'ECONNREFUSED' && error.code !== 'ENOENT' && error.code !== 'ENOTSOCK'));
  });
}

export interface ControlServerOptions {
  readonly runtimeDir: string;
  readonly controlSocket: string;
  readonly handle: (request: ControlRequest) => Promise<ControlReply>;
}

/**
 * Becomes the helper: returns the listening server, or null when another helper is alive
 * (the caller then hands its work to that one).
 */
export async function becomeHelper(options: ControlServerOptions): Promise<Server | null> {
  ensurePrivateDir(options.runtimeDir);
  const lockTarget = join(options.runtimeDir, 'helper.lock');
  if (!existsSync(lockTarget)) writeFileSync(lockTarget, '', { mode: 0o600 });
  const release = await lockfile.lock(lockTarget, { stale: 10_000, retries: { retries: 50, minTimeout: 50, maxTimeout: 200 } });
  try {
    if (await helperListening(options.controlSocket)) return null;
    // Nobody listens: the socket file, if any, is stale (a killed helper leaves it behind).
    try {
      unlinkSync(options.controlSocket);
    } catch {
      // There was none.
    }
    const server = createServer((socket) => serve(socket, options.handle));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.controlSocket, () => resolve());
    });
    chmodSync(options.controlSocket, 0o600);
    return server;
  } finally {
    await release();
  }
}

/** Serves one request per connection: the first line is the request, the answer ends the connection. */
function serve(socket: Socket, handle: ControlServerOptions['handle']): void {
  let taken = false;
  const answer = (reply: ControlReply) => socket.end(`${JSON.stringify(reply)}\n`);
  const lines = new LineSplitter({
    maxLineBytes: MAX_REQUEST_BYTES,
    onLine: (line) => {
      if (taken) return;
      taken = true;
      let request: ControlRequest;
      try {
        request = RequestSchema.parse(JSON.parse(line));
      } catch {
        answer({ ok: false, error: 'malformed request' });
        return;
      }
      handle(request)
        .then(answer)
        .catch((error: unknown) => answer({ ok: false, error: errorText(error) }));
    },
    // At once, not at the newline a runaway client may never send.
    onOversized: () => {
      if (taken) return;
      taken = true;
      answer({ ok: false, error: 'request too large' });
    },
  });
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => lines.push(chunk));
}
