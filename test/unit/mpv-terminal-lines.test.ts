// What the helper and play do to mpv's terminal through the IPC socket: each line once per
// playback, and a close that lets mpv end the connection itself (no `[ipc_N]` error lines).
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MpvIpcClient } from '../../src/mpv/ipc-client.js';
import { ScriptSession } from '../../src/mpv/script-session.js';
import { fakeMpv, type FakeMpv } from '../support/fake-mpv.js';

let mpv: FakeMpv;
let socketPath: string;

beforeEach(async () => {
  mpv = await fakeMpv();
  socketPath = mpv.socketPath;
});
afterEach(async () => {
  await mpv.close();
});

describe('MpvIpcClient.close', () => {
  it('ends its stream and resolves once mpv closed its side, with events still coming', async () => {
    const client = new MpvIpcClient({ socketPath });
    await client.connect(0);
    await client.command(['get_property', 'path']);
    // mpv goes on writing events while the client leaves.
    const socket = mpv.clients[0]!;
    for (let i = 0; i < 200; i += 1) socket.write(`${JSON.stringify({ event: 'property-change', name: 'time-pos', data: i })}\n`);
    await client.close();
    expect(mpv.departures).toEqual(['end']);
    expect(client.connected).toBe(false);
  });
});

describe('ScriptSession.printText', () => {
  it("prints a line once, however often the engine says it, and a different line as well, in the script's voice", async () => {
    const session = new ScriptSession({ socketPath, engine: {} as never, log: pino({ level: 'silent' }), onClosed: () => undefined });
    await session.attach();
    session.printText("Plex unreachable — watch of 'Film' queued, will retry");
    session.printText("Plex unreachable — watch of 'Film' queued, will retry");
    session.printText("Plex unreachable — position of 'Film' queued, will retry");
    await session.close();
    expect(mpv.commands.filter((command) => command[0] === 'print-text').map((command) => command[1])).toEqual([
      "[plex_sync] Plex unreachable — watch of 'Film' queued, will retry",
      "[plex_sync] Plex unreachable — position of 'Film' queued, will retry",
    ]);
  });

  it('prints the answer to a key each time the key is pressed (again)', async () => {
    const session = new ScriptSession({ socketPath, engine: {} as never, log: pino({ level: 'silent' }), onClosed: () => undefined });
    await session.attach();
    session.printText('Marked watched in Plex: Film', true);
    session.printText('Marked watched in Plex: Film', true);
    await session.close();
    expect(mpv.commands.filter((command) => command[0] === 'print-text').map((command) => command[1])).toEqual([
      '[plex_sync] Marked watched in Plex: Film',
      '[plex_sync] Marked watched in Plex: Film',
    ]);
  });
});
