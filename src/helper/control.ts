// The helper's private control socket: one helper serves every mpv, so a later `attach` hands
// its mpv socket to the running helper instead of starting a second writer of the outbox.
// Becoming the helper is done under a lock, so two starts cannot both take over a stale socket.
import { chmodSync, existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { ensurePrivateDir } from '../config/private-dir.js';
import { errorText } from '../log/redact.js';

// Checked before use, and refused with the reason (a link, another owner, open to others).
export { ensurePrivateDir } from '../config/private-dir.js';

const RequestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('attach'), socket: z.string().min(1).max(4096) }),
  z.object({ op: z.literal('flush') }),
  z.object({ op: z.literal('ping') }),
  z.object({ op: z.literal('status') }),
  // Exactly one of ids and all: a retry of nothing, or of everything by accident, is a mistake.
  z
    .object({ op: z.literal('queue-retry'), ids: z.array(z.string().min(1).max(4096)).min(1).max(1000).optional(), all: z.literal(true).optional() })
    .refine((request) => (request.ids === undefined) !== (request.all === undefined), 'give ids or all, not both'),
  z.object({ op: z.literal('queue-drop'), id: z.string().min(1).max(4096) }),
]);
export type ControlRequest = z.infer<typeof RequestSchema>;
export type ControlReply = { ok: true; [key: string]: unknown } | { ok: false; error: string };

const MAX_REQUEST_BYTES = 64 * 1024;

/** Sends one request to a running helper; null when none answers. */
export async function askHelper(controlSocket: string, request: ControlRequest, timeoutMs = 3_000): Promise<ControlReply | null> {
  return new Promise((resolve) => {
    let settled = false;
    let buffer = '';
    const finish = (reply: ControlReply | null) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(reply);
    };
    const socket: Socket = connect({ path: controlSocket });
    socket.setTimeout(timeoutMs, () => finish(null));
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const newline = buffer.indexOf('\n');
      if (newline === -1) return;
      try {
        finish(JSON.parse(buffer.slice(0, newline)) as ControlReply);
      } catch {
        finish(null);
      }
    });
    socket.on('error', () => finish(null));
    socket.on('close', () => finish(null));
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

function serve(socket: Socket, handle: ControlServerOptions['handle']): void {
  let buffer = '';
  socket.on('error', () => undefined);
  socket.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    if (buffer.length > MAX_REQUEST_BYTES) {
      socket.end(`${JSON.stringify({ ok: false, error: 'request too large' })}\n`);
      return;
    }
    const newline = buffer.indexOf('\n');
    if (newline === -1) return;
    const line = buffer.slice(0, newline);
    buffer = '';
    let request: ControlRequest;
    try {
      request = RequestSchema.parse(JSON.parse(line));
    } catch {
      socket.end(`${JSON.stringify({ ok: false, error: 'malformed request' })}\n`);
      return;
    }
    handle(request)
      .then((reply) => socket.end(`${JSON.stringify(reply)}\n`))
      .catch((error: unknown) => socket.end(`${JSON.stringify({ ok: false, error: errorText(error) })}\n`));
  });
}
