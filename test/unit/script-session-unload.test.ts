// ScriptSession's answer to an unload the engine could not take (its outbox could not be read):
// the script must keep that playback's end in its spool, since it is in no outbox. A plain "not
// delivered" would tell the script the end waits in the outbox, and the watch would be lost.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptSession } from '../../src/mpv/script-session.js';
import { HelperMessage, PROTOCOL_VERSION, ScriptMessage } from '../../src/protocol/messages.js';
import { fakeMpv, type FakeMpv } from '../support/fake-mpv.js';

let mpv: FakeMpv | null = null;
afterEach(async () => {
  await mpv?.close();
  mpv = null;
});

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 400 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!check()) throw new Error('timed out');
};

/** What the session said to the script, by message name, in order. */
function toScript(commands: readonly unknown[][]): string[] {
  return commands.filter((command) => command[0] === 'script-message-to').map((command) => String(command[2]));
}

describe('an unload the engine could not take', () => {
  it('tells the script the helper cannot serve, so that it spools the end, and then that it is not delivered', async () => {
    mpv = await fakeMpv();
    const engine = {
      end: async () => {
        throw new Error('the outbox could not be loaded');
      },
      playerGone: async () => undefined,
    };
    const session = new ScriptSession({ socketPath: mpv.socketPath, engine: engine as never, log: pino({ level: 'silent' }), onClosed: () => undefined });
    await session.attach();
    mpv.clientMessage(ScriptMessage.hello, JSON.stringify({ v: PROTOCOL_VERSION, script: 'plex_sync', pid: 4242 }));
    mpv.clientMessage(ScriptMessage.unload, JSON.stringify({ playbackId: 'pb-1', positionMs: 19_000, durationMs: 20_000, playedMs: 19_000, holdMs: 5_000 }));
    const commands = mpv.commands;
    await until(() => toScript(commands).includes(HelperMessage.flushed));
    const said = toScript(commands);
    expect(said.indexOf(HelperMessage.helperFailed)).toBeGreaterThanOrEqual(0);
    expect(said.indexOf(HelperMessage.helperFailed)).toBeLessThan(said.indexOf(HelperMessage.flushed));
    const flushed = commands.find((command) => command[0] === 'script-message-to' && command[2] === HelperMessage.flushed);
    expect(JSON.parse(String(flushed?.[3]))).toEqual({ playbackId: 'pb-1', delivered: false });
    await session.close();
  });
});
