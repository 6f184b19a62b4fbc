// Attach requests on a real disk: what a script leaves in the request directory, as the helper
// takes it. Bad names are dropped with a warning and never reach attach.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttachRequests, socketPathFrom } from '../../src/helper/attach-requests.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mps-requests-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A logger that keeps what it was told, as JSON lines. */
function capturingLog(): { log: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const log = pino({ level: 'info' }, { write: (chunk: string) => void chunks.push(chunk) });
  return { log, lines: () => chunks.map((chunk) => JSON.parse(chunk) as Record<string, unknown>) };
}

describe('socketPathFrom', () => {
  it('reads a name the script made with encodeURIComponent', () => {
    expect(socketPathFrom(encodeURIComponent('/run/user/1000/mpv-plex-sync/mpv-42.sock'))).toBe('/run/user/1000/mpv-plex-sync/mpv-42.sock');
    expect(socketPathFrom(encodeURIComponent('/tmp/dir with spaces/ümlaut.sock'))).toBe('/tmp/dir with spaces/ümlaut.sock');
  });

  it('refuses names that stand for no usable socket path', () => {
    expect(socketPathFrom('%E0%A4%A')).toBeNull(); // malformed escape
    expect(socketPathFrom('relative.sock')).toBeNull();
    expect(socketPathFrom(encodeURIComponent('/tmp/a\0b'))).toBeNull();
    expect(socketPathFrom(encodeURIComponent(`/${'x'.repeat(107)}`))).toBeNull(); // over sun_path
    expect(socketPathFrom(encodeURIComponent(`/${'x'.repeat(106)}`))).toBe(`/${'x'.repeat(106)}`);
  });
});

describe('AttachRequests', () => {
  it('attaches to each socket asked for, once, and drops bad requests with a warning', async () => {
    const good = ['/tmp/mpv-1.sock', '/tmp/mpv-2.sock'];
    for (const path of good) writeFileSync(join(dir, encodeURIComponent(path)), '');
    writeFileSync(join(dir, '%E0%A4%A'), '');
    writeFileSync(join(dir, 'not-absolute'), '');
    const attached: string[] = [];
    const { log, lines } = capturingLog();
    const requests = new AttachRequests({ dir, log, attach: async (path) => void attached.push(path) });
    await requests.takeAll();
    await requests.takeAll();
    expect(attached.sort()).toEqual(good);
    expect(readdirSync(dir)).toEqual([]);
    const warnings = lines().filter((line) => line['msg'] === 'ignoring an attach request that names no mpv socket');
    expect(warnings.map((line) => line['request']).sort()).toEqual(['%E0%A4%A', 'not-absolute']);
  });

  it('logs an attach that fails, and goes on with the others', async () => {
    writeFileSync(join(dir, encodeURIComponent('/tmp/gone.sock')), '');
    writeFileSync(join(dir, encodeURIComponent('/tmp/here.sock')), '');
    const attached: string[] = [];
    const { log, lines } = capturingLog();
    const requests = new AttachRequests({
      dir,
      log,
      attach: async (path) => {
        if (path === '/tmp/gone.sock') throw new Error('connect ENOENT /tmp/gone.sock');
        attached.push(path);
      },
    });
    await requests.takeAll();
    expect(attached).toEqual(['/tmp/here.sock']);
    expect(lines().some((line) => line['msg'] === 'could not attach to mpv as asked' && line['socket'] === '/tmp/gone.sock')).toBe(true);
  });

  it('makes its directory private, and takes a request that arrives while it watches', async () => {
    const requestDir = join(dir, 'attach-requests');
    const attached: string[] = [];
    const { log } = capturingLog();
    const requests = new AttachRequests({ dir: requestDir, log, attach: async (path) => void attached.push(path) });
    requests.start();
    try {
      expect(existsSync(requestDir)).toBe(true);
      expect(statSync(requestDir).mode & 0o777).toBe(0o700);
      writeFileSync(join(requestDir, encodeURIComponent('/tmp/later.sock')), '');
      const until = Date.now() + 2_000;
      while (attached.length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(attached).toEqual(['/tmp/later.sock']);
    } finally {
      requests.stop();
    }
  });
});
