// A small client of mpv's JSON IPC socket (--input-ipc-server) for end-to-end tests: commands
// with request ids, replies matched by id, events ignored.
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { waitFor } from './session.js';

export class MpvIpc {
  #socket: Socket;
  #buffer = '';
  #next = 1;
  readonly #pending = new Map<number, (reply: { error: string; data?: unknown }) => void>();

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = this.#buffer.indexOf('\n')) >= 0) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        const reply = JSON.parse(line) as { request_id?: number; error: string; data?: unknown };
        if (reply.request_id !== undefined) this.#pending.get(reply.request_id)?.(reply);
      }
    });
    // mpv going away mid-test fails the pending command by timeout, not by a crash here.
    socket.on('error', () => undefined);
  }

  static async open(path: string): Promise<MpvIpc> {
    await waitFor('mpv to listen on its IPC socket', () => existsSync(path), 15_000);
    const socket = connect({ path });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new MpvIpc(socket);
  }

  command(...args: unknown[]): Promise<unknown> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (reply) => (reply.error === 'success' ? resolve(reply.data) : reject(new Error(`${String(args[0])}: ${reply.error}`))));
      this.#socket.write(`${JSON.stringify({ command: args, request_id: id })}\n`);
    });
  }

  get(name: string): Promise<unknown> {
    return this.command('get_property', name);
  }

  close(): void {
    this.#socket.destroy();
  }
}
