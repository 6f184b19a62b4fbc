// A small stand-in for mpv's IPC server for unit tests of the helper's side: it records every
// command a client sends, answers each with success, notes how each client left, and lets a test
// be any client on mpv's socket sending a `script-message` (mpv's `client-message` event).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeMpv {
  readonly socketPath: string;
  readonly commands: unknown[][];
  /** Every client that connected, in order (a test may write events to one). */
  readonly clients: Socket[];
  /** 'end' when a client ended its stream, 'reset' when it dropped the connection. */
  readonly departures: string[];
  /** A client-message event, as mpv sends it for a `script-message` from anyone. */
  clientMessage(...args: string[]): void;
  /** Stops it and removes its dir. */
  close(): Promise<void>;
}

export async function fakeMpv(): Promise<FakeMpv> {
  const dir = mkdtempSync(join(tmpdir(), 'mps-fake-mpv-'));
  const socketPath = join(dir, 'mpv.sock');
  const commands: unknown[][] = [];
  const clients: Socket[] = [];
  const departures: string[] = [];
  const server: Server = createServer((socket) => {
    clients.push(socket);
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
    // As mpv does: an end of stream is answered by closing this side.
    socket.on('end', () => {
      departures.push('end');
      socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => departures.push(error.code === 'ECONNRESET' ? 'reset' : String(error.code)));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    commands,
    clients,
    departures,
    clientMessage: (...args) => clients.at(-1)?.write(`${JSON.stringify({ event: 'client-message', args })}\n`),
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of clients) client.destroy();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
