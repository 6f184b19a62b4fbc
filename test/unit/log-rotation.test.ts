// The log file on a real disk: size rotation, the number of files kept, permissions, redaction.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, flushLogs } from '../../src/log/logger.js';
import { registerSecret } from '../../src/log/redact.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mps-log-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const LINE_PADDING = 'x'.repeat(200);

describe('the log file', () => {
  it('rotates once the live file passes the size limit and keeps only the configured number of old files', async () => {
    const file = join(dir, 'mpv-plex-sync.log');
    const log = createLogger({ file, rotate: { maxBytes: 10_000, keep: 3 } });
    // About 25 KB a round: ten rounds make many more rotations than files kept.
    for (let round = 0; round < 10; round += 1) {
      for (let line = 0; line < 100; line += 1) log.info({ round, line, padding: LINE_PADDING }, 'filler');
      await flushLogs();
    }
    expect(readdirSync(dir).sort()).toEqual(['mpv-plex-sync.log', 'mpv-plex-sync.log.1', 'mpv-plex-sync.log.2', 'mpv-plex-sync.log.3']);
    for (const name of readdirSync(dir)) {
      // The limit is checked after each write: a file ends at most one record past it.
      expect(statSync(join(dir, name)).size).toBeLessThan(10_000 + 1_000);
      expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    }
    // The live file holds the newest records, .1 the ones just before them.
    const last = readFileSync(file, 'utf8').trim().split('\n').at(-1) ?? '';
    expect(JSON.parse(last)).toMatchObject({ round: 9, line: 99 });
    const rotated = readFileSync(join(dir, 'mpv-plex-sync.log.1'), 'utf8').trim().split('\n');
    const lastRotated = JSON.parse(rotated.at(-1) ?? '{}') as { round: number; line: number };
    const firstLive = JSON.parse(readFileSync(file, 'utf8').split('\n')[0] ?? '{}') as { round: number; line: number };
    expect(lastRotated.round * 100 + lastRotated.line + 1).toBe(firstLive.round * 100 + firstLive.line);
  });

  it('appends to the live file left by an earlier process instead of replacing it', async () => {
    const file = join(dir, 'mpv-plex-sync.log');
    createLogger({ file }).info('first process');
    await flushLogs();
    createLogger({ file }).info('second process');
    await flushLogs();
    const messages = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toEqual(['first process', 'second process']);
  });

  it('has every record in the file once flushLogs resolves', async () => {
    const file = join(dir, 'mpv-plex-sync.log');
    const log = createLogger({ file });
    for (let line = 0; line < 500; line += 1) log.info({ line }, 'counted');
    await flushLogs();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(500);
  });

  it('still redacts a registered token in rotated output', async () => {
    const file = join(dir, 'mpv-plex-sync.log');
    registerSecret('tok-rotation-SECRET-1234');
    const log = createLogger({ file, rotate: { maxBytes: 2_000, keep: 2 } });
    for (let line = 0; line < 50; line += 1) log.info({ url: 'http://plex/?X-Plex-Token=tok-rotation-SECRET-1234' }, 'sent with tok-rotation-SECRET-1234');
    await flushLogs();
    const all = readdirSync(dir)
      .map((name) => readFileSync(join(dir, name), 'utf8'))
      .join('');
    expect(all).toContain('<redacted>');
    expect(all).not.toContain('tok-rotation-SECRET-1234');
  });

  it('rejects a rotation size that is not a positive integer, naming the option', () => {
    expect(() => createLogger({ file: join(dir, 'a.log'), rotate: { maxBytes: 0 } })).toThrow(/rotate\.maxBytes/);
    expect(() => createLogger({ file: join(dir, 'a.log'), rotate: { keep: 1.5 } })).toThrow(/rotate\.keep/);
  });
});
