// PlayerLink against a small stand-in for mpv's IPC server (test/support/fake-mpv.ts): it answers
// every command and lets the test play any client on mpv's socket sending `script-message`s.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { PlayerLink } from '../../src/mpv/player-link.js';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import type { ScriptMessageIn } from '../../src/protocol/validate.js';
import { fakeMpv, type FakeMpv } from '../support/fake-mpv.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startFakeMpv(): Promise<{ mpv: FakeMpv; socketPath: string }> {
  const mpv = await fakeMpv();
  cleanups.push(() => mpv.close());
  return { mpv, socketPath: mpv.socketPath };
}

function hello(script: string): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, script, pid: 4242 });
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!check()) throw new Error('timed out');
};

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

async function attachedLink(): Promise<{ mpv: FakeMpv; link: PlayerLink; received: ScriptMessageIn[]; logs: LogLine[] }> {
  const { mpv, socketPath } = await startFakeMpv();
  const logs: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as LogLine) });
  const received: ScriptMessageIn[] = [];
  const link = new PlayerLink({ socketPath, log, onMessage: (_link, message) => received.push(message), onClose: () => undefined });
  await link.attach();
  cleanups.push(() => link.close());
  return { mpv, link, received, logs };
}

/** The scripts that `script-message-to` commands went to, in order. */
function targets(mpv: FakeMpv): string[] {
  return mpv.commands.filter((command) => command[0] === 'script-message-to').map((command) => String(command[1]));
}

describe('PlayerLink and hello', () => {
  it('answers the first valid hello and sends every later reply to that script', async () => {
    const { mpv, link, received } = await attachedLink();
    mpv.clientMessage('plex-sync/hello', hello('plex_sync'));
    await until(() => received.length === 1);
    link.sendToScript('plex-sync/ack', { playbackId: 'p1' });
    await until(() => targets(mpv).length === 2);
    expect(targets(mpv)).toEqual(['plex_sync', 'plex_sync']);
  });

  it('ignores, with one log line, a later hello naming another script, so replies keep their way', async () => {
    const { mpv, link, received, logs } = await attachedLink();
    mpv.clientMessage('plex-sync/hello', hello('plex_sync'));
    await until(() => received.length === 1);
    mpv.clientMessage('plex-sync/hello', hello('ipc_7'));
    mpv.clientMessage('plex-sync/hello', hello('ipc_7'));
    // A message after the forged ones, so the test knows they were handled.
    mpv.clientMessage('plex-sync/unload', JSON.stringify({ playbackId: 'p1', positionMs: 1, durationMs: 2, playedMs: 1, holdMs: 0 }));
    await until(() => received.length === 2);
    link.sendToScript('plex-sync/ack', { playbackId: 'p1' });
    await until(() => targets(mpv).length === 2);
    expect(targets(mpv)).toEqual(['plex_sync', 'plex_sync']);
    expect(received.map((message) => message.name)).toEqual(['hello', 'unload']);
    expect(logs.filter((line) => /hello from another script/.test(line.msg))).toHaveLength(1);
  });

  it('answers a repeated hello from the bound script, as after a helper restart', async () => {
    const { mpv, received } = await attachedLink();
    mpv.clientMessage('plex-sync/hello', hello('plex_sync'));
    mpv.clientMessage('plex-sync/hello', hello('plex_sync'));
    await until(() => received.length === 2);
    await until(() => targets(mpv).length === 2);
    expect(targets(mpv)).toEqual(['plex_sync', 'plex_sync']);
  });

  it('does not bind to a hello of another protocol version', async () => {
    const { mpv, received } = await attachedLink();
    mpv.clientMessage('plex-sync/hello', JSON.stringify({ v: PROTOCOL_VERSION + 1, script: 'old_copy', pid: 1 }));
    mpv.clientMessage('plex-sync/hello', hello('plex_sync'));
    await until(() => received.length === 1);
    await until(() => targets(mpv).includes('plex_sync'));
    expect(targets(mpv).filter((target) => target === 'plex_sync')).toHaveLength(1);
  });

  it('tells a script of another protocol version why it will not be served, instead of staying silent', async () => {
    const { mpv } = await attachedLink();
    mpv.clientMessage('plex-sync/hello', JSON.stringify({ v: PROTOCOL_VERSION + 1, script: 'old_copy', pid: 1 }));
    await until(() => targets(mpv).includes('old_copy'));
    const told = mpv.commands.find((command) => command[0] === 'script-message-to' && command[1] === 'old_copy');
    expect(told?.[2]).toBe('plex-sync/helper-failed');
    expect(JSON.parse(String(told?.[3]))).toEqual({ reason: "the mpv script and helper versions differ — run 'mpv-plex-sync install'" });
  });
});
