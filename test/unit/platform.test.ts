// The platform module picks the Linux tweaks on Linux only. Elsewhere the helper must run as it
// was started: no priority change, no descriptor closed. The Linux tweaks themselves are checked
// on a real helper in test/e2e/watch.test.ts (nice values, autogroup, inherited sockets); here
// they are never called, since they would renice the test worker and close its sockets.
import { createServer, connect, type Server } from 'node:net';
import { getPriority } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { platform, platformFor } from '../../src/platform/index.js';
import { releaseStandardStreams } from '../../src/platform/posix-standard-streams.js';
import { closeInheritedSockets } from '../../src/platform/linux-inherited-sockets.js';
import { lowerOwnPriority } from '../../src/platform/linux-priority.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** Resolves when a connection to `server` is accepted, rejects when it is refused. */
function connectTo(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

describe('platformFor', () => {
  it('gives Linux the Linux priority and socket tweaks', () => {
    const linux = platformFor('linux');
    expect(linux.lowerPriority).toBe(lowerOwnPriority);
    expect(linux.closeInheritedSockets).toBe(closeInheritedSockets);
  });

  it('gives macOS and the BSDs one implementation that is not the Linux one, with the standard-streams release', () => {
    const others = (['darwin', 'freebsd', 'openbsd'] as const).map(platformFor);
    expect(new Set(others).size).toBe(1);
    expect(others[0]!.lowerPriority).not.toBe(lowerOwnPriority);
    expect(others[0]!.closeInheritedSockets).not.toBe(closeInheritedSockets);
    expect(others[0]!.releaseStandardStreams).toBe(releaseStandardStreams);
    expect(platformFor('linux').releaseStandardStreams).toBe(releaseStandardStreams);
  });

  it('gives Windows none of the tweaks: a detached child there has no console to hold', () => {
    const windows = platformFor('win32');
    expect(windows.lowerPriority).not.toBe(lowerOwnPriority);
    expect(windows.closeInheritedSockets).not.toBe(closeInheritedSockets);
    expect(windows.releaseStandardStreams).not.toBe(releaseStandardStreams);
    expect(windows.releaseStandardStreams()).toBeNull();
  });

  it('chooses by the platform this process runs on', () => {
    expect(platform).toBe(platformFor(process.platform));
  });
});

describe('the no-op platform', () => {
  it('leaves the priority as it was and reports no problem', () => {
    const before = getPriority();
    expect(platformFor('darwin').lowerPriority()).toBeNull();
    expect(platformFor('win32').lowerPriority()).toBeNull();
    expect(getPriority()).toBe(before);
  });

  it('closes no socket the process holds', async () => {
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    expect(platformFor('darwin').closeInheritedSockets()).toBe(0);
    expect(platformFor('win32').closeInheritedSockets()).toBe(0);
    await expect(connectTo(address.port)).resolves.toBeUndefined();
  });
});
