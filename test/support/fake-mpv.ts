// A small stand-in for mpv's IPC server for unit tests of the helper's side: it records every
// command a client sends, answers each with success, and lets a test be any client on mpv's
// socket sending a `script-message` (mpv's `client-message` event).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeMpv {
  readonly socketPath: string;
  readonly commands: unknown[][];
  /** A client-message event, as mpv sends it for a `script-message` from anyone. */
  clientMessage(...args: string[]): void;
  /** Stops it and removes its dir. */
  close(): Promise<void>;
}

export async function fakeMpv(): Promise<FakeMpv> {
  const dir = mkdtempSync(join(tmpdir(), 'mps-fake-mpv-'));
  const socketPath = join(dir, 'mpv.sock');
  const commands: unknown[][] = [];
  let peer: Socket | null = null;
  const server: Server = createServer((socket) => {
    peer = socket;
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const request = JSON.parse(buffer.slice(0, newline)) as { command: unknown[]; request_id?: number };
        buffer = buffer.slice(newline + 1);
        commands.push(request.command);
        socket.write(`${JSON.stringify({ error: 'success', data: null, request_id: request.request_id })}\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    commands,
    clientMessage: (...args) => peer?.write(`${JSON.stringify({ event: 'client-message', args })}\n`),
    close: () =>
      new Promise<void>((resolve) => {
        peer?.destroy();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
