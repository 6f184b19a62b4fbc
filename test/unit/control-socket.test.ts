// The control socket against real unix sockets: askHelper reading what a stand-in helper writes,
// and becomeHelper's server reading what a raw client writes. Lines are framed on bytes, and a
// reply counts only once it has the shape its request's op promises.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { askHelper, becomeHelper, MAX_REPLY_BYTES } from '../../src/helper/control.js';
import type { ControlReply, ControlRequest } from '../../src/helper/control-protocol.js';

let dir: string;
let socketPath: string;
const servers: Server[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mps-control-'));
  socketPath = join(dir, 'control.sock');
});
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** A stand-in helper that answers every connection by writing `parts` one after another, a little apart. */
async function standIn(...parts: Buffer[]): Promise<void> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', async () => {
      for (const part of parts) {
        if (socket.destroyed) return;
        socket.write(part);
        // Apart in time, so the reader gets them as separate chunks.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      socket.end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
}

/** Cuts the bytes of `text` in the middle of the first character that takes more than one. */
function cutInsideCharacter(text: string): [Buffer, Buffer] {
  const bytes = Buffer.from(text, 'utf8');
  const at = bytes.findIndex((byte) => byte >= 0xc0) + 1;
  return [bytes.subarray(0, at), bytes.subarray(at)];
}

describe('askHelper', () => {
  it('reads a reply whose multibyte character is split across two writes intact', async () => {
    await standIn(...cutInsideCharacter(`${JSON.stringify({ ok: true, delivered: 0, dropped: 0, kept: 1, left: 1, retried: 1, missing: ['東京物語 – Amélie'] })}\n`));
    const reply = await askHelper(socketPath, { op: 'queue-retry', ids: ['x'] });
    expect(reply).toEqual({ ok: true, value: { delivered: 0, dropped: 0, kept: 1, left: 1, retried: 1, missing: ['東京物語 – Amélie'] } });
  });

  it("gives the helper's own error, split across writes, intact", async () => {
    await standIn(...cutInsideCharacter(`${JSON.stringify({ ok: false, error: 'Plex a refusé le jeton' })}\n`));
    expect(await askHelper(socketPath, { op: 'flush' })).toEqual({ ok: false, error: 'Plex a refusé le jeton' });
  });

  it('gives a clear error for a reply that is not JSON', async () => {
    await standIn(Buffer.from('{"ok": tru\n'));
    expect(await askHelper(socketPath, { op: 'ping' })).toEqual({ ok: false, error: 'the helper answered with a line that is not JSON' });
  });

  it("gives a clear error for a reply that lacks what its op promises, naming the field", async () => {
    await standIn(Buffer.from(`${JSON.stringify({ ok: true, delivered: 1, dropped: 0, kept: 0 })}\n`));
    const reply = await askHelper(socketPath, { op: 'flush' });
    expect(reply.ok).toBe(false);
    expect(!reply.ok && reply.error).toMatch(/^the helper answered in an unexpected shape \(left: /);
  });

  it('gives a clear error for a reply that is neither a success nor an error', async () => {
    await standIn(Buffer.from(`${JSON.stringify({ players: 1 })}\n`));
    const reply = await askHelper(socketPath, { op: 'ping' });
    expect(reply.ok).toBe(false);
    expect(!reply.ok && reply.error).toMatch(/^the helper answered in an unexpected shape/);
  });

  it('takes a queue-drop reply only with a boolean existed', async () => {
    await standIn(Buffer.from(`${JSON.stringify({ ok: true, existed: 'yes' })}\n`));
    expect((await askHelper(socketPath, { op: 'queue-drop', id: 'a' })).ok).toBe(false);
  });

  it('keeps the fields it knows of a reply from a newer helper and leaves the rest', async () => {
    await standIn(Buffer.from(`${JSON.stringify({ ok: true, players: 2, uptime: 5 })}\n`));
    expect(await askHelper(socketPath, { op: 'ping' })).toEqual({ ok: true, value: { players: 2 } });
  });

  it('gives up on a reply longer than the cap without holding it, and says why', async () => {
    const huge = Buffer.alloc(MAX_REPLY_BYTES + 1024, 0x78);
    await standIn(Buffer.from('{"ok":true,"pad":"'), huge, Buffer.from('"}\n'));
    expect(await askHelper(socketPath, { op: 'ping' }, 10_000)).toEqual({ ok: false, error: `the helper's answer is over ${MAX_REPLY_BYTES} bytes` });
  });

  it('says no helper answered when none listens', async () => {
    expect(await askHelper(socketPath, { op: 'ping' })).toEqual({ ok: false, error: 'no helper answered' });
  });

  it('says no helper answered when the helper closes without a line', async () => {
    await standIn(Buffer.from('{"ok":true'));
    expect(await askHelper(socketPath, { op: 'ping' })).toEqual({ ok: false, error: 'no helper answered' });
  });
});

describe('the control server', () => {
  async function helperServer(handle: (request: ControlRequest) => Promise<ControlReply>): Promise<void> {
    const server = await becomeHelper({ runtimeDir: dir, controlSocket: socketPath, handle });
    if (!server) throw new Error('did not become the helper');
    servers.push(server);
  }

  /** Writes `parts` to the control socket, a little apart, and gives back what the server wrote. */
  async function rawRequest(...parts: Buffer[]): Promise<string> {
    const socket: Socket = connect({ path: socketPath });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    for (const part of parts) {
      if (socket.destroyed || socket.writableEnded) break;
      socket.write(part);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await closed;
    return Buffer.concat(received).toString('utf8');
  }

  it('reads a request whose multibyte character is split across two writes intact', async () => {
    const seen: ControlRequest[] = [];
    await helperServer(async (request) => {
      seen.push(request);
      return { ok: true, existed: true };
    });
    const answer = await rawRequest(...cutInsideCharacter(`${JSON.stringify({ op: 'queue-drop', id: 'watch:東京物語' })}\n`));
    expect(seen).toEqual([{ op: 'queue-drop', id: 'watch:東京物語' }]);
    expect(JSON.parse(answer)).toEqual({ ok: true, existed: true });
  });

  it('answers a request over the cap at once that it is too large', async () => {
    await helperServer(async () => ({ ok: true }));
    const answer = await rawRequest(Buffer.alloc(100 * 1024, 0x78));
    expect(JSON.parse(answer)).toEqual({ ok: false, error: 'request too large' });
  });

  it('answers a malformed request as malformed and goes on serving', async () => {
    await helperServer(async () => ({ ok: true, players: 0 }));
    expect(JSON.parse(await rawRequest(Buffer.from('{"op":"explode"}\n')))).toEqual({ ok: false, error: 'malformed request' });
    expect(await askHelper(socketPath, { op: 'ping' })).toEqual({ ok: true, value: { players: 0 } });
  });

  it('handles one request per connection, even when more lines follow it', async () => {
    let handled = 0;
    await helperServer(async () => {
      handled += 1;
      return { ok: true, players: 0 };
    });
    await rawRequest(Buffer.from('{"op":"ping"}\n{"op":"ping"}\n'));
    expect(handled).toBe(1);
  });
});
