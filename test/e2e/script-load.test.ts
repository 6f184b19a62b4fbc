// The built mpv script (dist/mpv/plex-sync.js, from `npm run build`) in a real mpv, with the
// test acting as the helper on mpv's IPC socket.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type SpoolRecord } from '../../src/protocol/messages.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const script = join(root, 'dist', 'mpv', 'plex-sync.js');
const hasMpv = spawnSync('mpv', ['--version']).status === 0;
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const SCRIPT_NAME = 'plex_sync';
const LAVFI_CLIP = 'av://lavfi:testsrc=duration=2:size=64x48:rate=25';
const FRAMES_IN_CLIP = 50;

const tempDirs: string[] = [];

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

interface MpvRun {
  readonly child: ChildProcess;
  readonly runtimeDir: string;
  readonly stateDir: string;
  readonly logFile: string;
  readonly startedAt: number;
  readonly exited: Promise<Exit>;
  hasExited(): boolean;
  log(): string;
  /** Where the script puts the socket when XDG_RUNTIME_DIR is set. */
  socketPath(): string;
}

/** `prepare` may set up the runtime dir (XDG_RUNTIME_DIR) before mpv starts. */
function startMpv(media: string, scriptOpts: string[], prepare?: (runtimeDir: string) => void): MpvRun {
  const tmp = mkdtempSync(join(tmpdir(), 'plex-sync-e2e-'));
  tempDirs.push(tmp);
  const runtimeDir = join(tmp, 'run');
  mkdirSync(runtimeDir, { mode: 0o700 });
  prepare?.(runtimeDir);
  const stateDir = join(tmp, 'state');
  const logFile = join(tmp, 'mpv.log');
  const opts = ['plex-sync-autostart_helper=no'].concat(scriptOpts).join(',');
  const child = spawn(
    'mpv',
    [
      '--no-config',
      '--vo=null',
      '--ao=null',
      '--idle=no',
      '--script=' + script,
      '--script-opts=' + opts,
      '--msg-level=all=v,cplayer=trace',
      '--log-file=' + logFile,
      media,
    ],
    { env: { ...process.env, XDG_RUNTIME_DIR: runtimeDir, XDG_STATE_HOME: stateDir, HOME: tmp }, stdio: 'ignore' },
  );
  let done = false;
  const exited = new Promise<Exit>((resolveExit) => {
    child.on('exit', (code, signal) => {
      done = true;
      resolveExit({ code, signal, at: Date.now() });
    });
  });
  return {
    child,
    runtimeDir,
    stateDir,
    logFile,
    startedAt: Date.now(),
    exited,
    hasExited: () => done,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    socketPath: () => join(runtimeDir, 'mpv-plex-sync', 'mpv-' + child.pid + '.sock'),
  };
}

interface ClientMessage {
  readonly name: string;
  readonly payload: Record<string, unknown>;
  readonly at: number;
}

/** Plays the helper's part: reads mpv's JSON lines, collects plex-sync/* client messages. */
class FakeHelper {
  readonly messages: ClientMessage[] = [];
  private buffer = '';
  private listeners: ((m: ClientMessage) => void)[] = [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => undefined); // mpv going away ends the test's interest too
  }

  /** mpv binds the socket asynchronously, as a real helper would, retry until it is there. */
  static async connect(path: string, timeoutMs = 5000): Promise<FakeHelper> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((ok, fail) => {
          const s = createConnection({ path });
          s.once('connect', () => ok(s));
          s.once('error', fail);
        });
        return new FakeHelper(socket);
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await sleep(20);
      }
    }
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      const event = JSON.parse(line) as { event?: string; args?: string[] };
      const [name, json] = event.args ?? [];
      if (event.event !== 'client-message' || !name?.startsWith('plex-sync/')) continue;
      const message = { name, payload: json === undefined ? {} : (JSON.parse(json) as Record<string, unknown>), at: Date.now() };
      this.messages.push(message);
      for (const listener of this.listeners) listener(message);
    }
  }

  on(listener: (m: ClientMessage) => void): void {
    this.listeners.push(listener);
  }

  named(name: string): ClientMessage[] {
    return this.messages.filter((m) => m.name === name);
  }

  waitFor(name: string, match: (m: ClientMessage) => boolean = () => true, timeoutMs = 8000): Promise<ClientMessage> {
    const seen = this.messages.find((m) => m.name === name && match(m));
    if (seen) return Promise.resolve(seen);
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error('no ' + name + ' within ' + timeoutMs + ' ms')), timeoutMs);
      this.on((m) => {
        if (m.name !== name || !match(m)) return;
        clearTimeout(timer);
        ok(m);
      });
    });
  }

  /** script-message-to: how the helper talks to the script. */
  toScript(name: string, payload: object): void {
    this.command(['script-message-to', SCRIPT_NAME, name, JSON.stringify(payload)]);
  }

  /** script-message: a broadcast, as helper-ready is. */
  broadcast(name: string, payload: object): void {
    this.command(['script-message', name, JSON.stringify(payload)]);
  }

  /** Answers like a healthy helper: the file is a Plex item, and every progress is acked. */
  actAsHelper(): void {
    this.on((m) => {
      const playbackId = m.payload.playbackId;
      if (m.name === 'plex-sync/hello') this.toScript('plex-sync/welcome', { v: PROTOCOL_VERSION });
      if (m.name === 'plex-sync/start') {
        this.toScript('plex-sync/item', { playbackId, status: 'plex', thresholdPercent: 90, baselineViewCount: 0 });
      }
      if (m.name === 'plex-sync/progress') this.toScript('plex-sync/ack', { playbackId });
    });
    this.broadcast('plex-sync/helper-ready', { v: PROTOCOL_VERSION });
  }

  command(command: string[]): void {
    if (!this.socket.destroyed) this.socket.write(JSON.stringify({ command }) + '\n');
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * A helper program for autostart; it records what it gets to `record`. The first instance acks
 * two progress reports and then hangs, the second never answers at all, and the third answers
 * everything.
 */
function fakeHelperProgram(record: string): string {
  return `
import { createConnection } from 'node:net';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
const record = ${JSON.stringify(record)};
const started = existsSync(record) ? readFileSync(record, 'utf8').trim().split('\\n').filter((l) => l.includes('"argv"')) : [];
const n = started.length + 1;
const note = (o) => appendFileSync(record, JSON.stringify({ n, ...o }) + '\\n');
note({ argv: process.argv.slice(2) });
let acks = 0;
const connect = () => {
  const s = createConnection({ path: process.argv[3] });
  s.on('error', () => setTimeout(connect, 50));
  s.on('connect', () => {
    const send = (command) => n !== 2 && s.write(JSON.stringify({ command }) + '\\n');
    const to = (name, payload) => send(['script-message-to', 'plex_sync', name, JSON.stringify(payload)]);
    let buffer = '';
    s.on('data', (d) => {
      buffer += d;
      let i;
      while ((i = buffer.indexOf('\\n')) >= 0) {
        const e = JSON.parse(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
        if (e.event !== 'client-message' || !e.args[0].startsWith('plex-sync/') || e.args[0] === 'plex-sync/helper-ready') continue;
        const payload = JSON.parse(e.args[1]);
        note({ name: e.args[0], payload });
        const playbackId = payload.playbackId;
        if (e.args[0] === 'plex-sync/start') to('plex-sync/item', { playbackId, status: 'plex', thresholdPercent: 90, baselineViewCount: n === 1 ? 7 : 100 + n });
        if (e.args[0] === 'plex-sync/progress' && (n === 3 || acks++ < 2)) to('plex-sync/ack', { playbackId });
        if (e.args[0] === 'plex-sync/unload') to('plex-sync/flushed', { playbackId, delivered: true });
      }
    });
    s.on('close', () => process.exit(0));
    send(['script-message', 'plex-sync/helper-ready', '{}']);
  });
};
connect();
`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

/** Lines the script logged at error or fatal level, and any JS exception mpv reported for it. */
function scriptProblems(log: string): string[] {
  return log
    .split('\n')
    .filter(
      (line) =>
        /\]\[[ef]\]\[plex_sync\]/.test(line) ||
        (line.includes('[plex_sync]') && /TypeError|ReferenceError|SyntaxError|RangeError|uncaught|exception/i.test(line)),
    );
}

/** The OSD texts mpv showed (cplayer logs show-text commands at trace level). */
function osdTexts(log: string): string[] {
  const texts: string[] = [];
  const pattern = /Run command: show-text, .*?args=\[text="((?:[^"\\]|\\.)*)"/g;
  for (let m = pattern.exec(log); m; m = pattern.exec(log)) texts.push(m[1]!);
  return texts;
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(what + ' did not happen within ' + ms + ' ms')), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(() => {
  if (hasMpv && !existsSync(script)) throw new Error(script + ' is missing: run `npm run build` first');
});

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** The argv (joined with commas) of each process mpv ran for the script, from its trace log. */
function subprocessesRun(log: string): string[] {
  return [...log.matchAll(/Run command: subprocess.*?args=\[args="([^"]*)"/g)].map((match) => match[1]!);
}

describe.skipIf(!hasMpv)('the mpv script in a real mpv', () => {
  it('loads without errors, opens a socket in a private runtime dir and lets mpv exit 0', async () => {
    const mpv = startMpv(LAVFI_CLIP, ['plex-sync-quit_timeout=1']);
    const exit = await within(mpv.exited, 15000, 'mpv exit');
    const log = mpv.log();

    expect(exit.code).toBe(0);
    expect(scriptProblems(log)).toEqual([]);
    expect(log).toContain('[plex_sync] IPC socket: ' + mpv.socketPath());
    expect(statSync(join(mpv.runtimeDir, 'mpv-plex-sync')).mode & 0o777).toBe(0o700);
    // For the socket, one process (mkdir for the missing directory), and none at quit: mpv leaves
    // the socket file behind for the helper to remove (left-sockets.ts), as a process started
    // now would fork mpv. (With no helper, the spool has its own mkdir and mv.)
    const socketDir = join(mpv.runtimeDir, 'mpv-plex-sync');
    expect(subprocessesRun(log).filter((args) => args.includes(socketDir))).toEqual([`mkdir,-p,-m,700,--,${socketDir}`]);
    expect(subprocessesRun(log).filter((args) => args.startsWith('rm,'))).toEqual([]);
    expect(existsSync(mpv.socketPath())).toBe(true);
  }, 20000);

  it('starts no process for its socket when the private runtime dir is there already', async () => {
    const mpv = startMpv(LAVFI_CLIP, ['plex-sync-quit_timeout=1'], (runtimeDir) => mkdirSync(join(runtimeDir, 'mpv-plex-sync'), { mode: 0o700 }));
    const exit = await within(mpv.exited, 15000, 'mpv exit');
    const log = mpv.log();
    expect(exit.code).toBe(0);
    expect(log).toContain('[plex_sync] IPC socket: ' + mpv.socketPath());
    expect(subprocessesRun(log).filter((args) => args.includes(join(mpv.runtimeDir, 'mpv-plex-sync')))).toEqual([]);
  }, 20000);

  describe.skipIf(!hasFfmpeg)('over http, like a Plex direct-play URL', () => {
    let server: Server;
    let url: string;

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'plex-sync-clip-'));
      tempDirs.push(dir);
      const clip = join(dir, 'clip.mkv');
      const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=2:size=64x48:rate=25', '-c:v', 'mpeg4', '-y', clip]);
      if (made.status !== 0) throw new Error('ffmpeg could not make the clip: ' + made.stderr.toString());
      const size = statSync(clip).size;
      // Enough of a media server for ffmpeg: length and byte ranges.
      server = createServer((req, res) => {
        const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
        const start = range ? Number(range[1]) : 0;
        const end = range && range[2] ? Number(range[2]) : size - 1;
        res.writeHead(range ? 206 : 200, {
          'Content-Type': 'video/x-matroska',
          'Accept-Ranges': 'bytes',
          'Content-Length': String(end - start + 1),
          ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
        });
        createReadStream(clip, { start, end }).pipe(res);
      });
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      url = `http://127.0.0.1:${address.port}/library/parts/1/file.mkv?X-Plex-Token=SECRET-TOKEN-123`;
    });

    afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

    it('talks to a helper: hello, start without the token, throttled progress, and holds the unload until flushed', async () => {
      const mpv = startMpv(url, []);
      const helper = await FakeHelper.connect(mpv.socketPath());
      helper.actAsHelper();

      const hello = await helper.waitFor('plex-sync/hello');
      expect(hello.payload).toEqual({ v: PROTOCOL_VERSION, script: SCRIPT_NAME, pid: mpv.child.pid });
      const start = await helper.waitFor('plex-sync/start');
      expect(start.payload.path).toBe(url.slice(0, url.indexOf('?')));
      expect(typeof start.payload.playbackId).toBe('string');

      const unload = await helper.waitFor('plex-sync/unload');
      expect(unload.payload).toMatchObject({ playbackId: start.payload.playbackId, holdMs: 5000 });
      expect(unload.payload.positionMs).toBeGreaterThan(1500);

      // The hold: mpv must still be there well after the unload began.
      await sleep(800);
      expect(mpv.hasExited()).toBe(false);
      const flushedAt = Date.now();
      helper.toScript('plex-sync/flushed', { playbackId: start.payload.playbackId, delivered: true });
      const exit = await within(mpv.exited, 3000, 'mpv exit after flushed');
      helper.close();

      expect(exit.code).toBe(0);
      expect(exit.at - flushedAt).toBeLessThan(1000);

      const progress = helper.named('plex-sync/progress');
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(progress.length).toBeLessThanOrEqual(8);
      expect(progress.length).toBeLessThan(FRAMES_IN_CLIP / 4);
      expect(progress.map((p) => p.payload.reason)).toContain('threshold');
      expect(progress.every((p) => p.payload.playbackId === start.payload.playbackId)).toBe(true);

      const log = mpv.log();
      expect(scriptProblems(log)).toEqual([]);
      // mpv logs every command it runs; none of the script's may carry the token.
      expect(log.split('\n').filter((l) => l.includes('script-message') && l.includes('SECRET-TOKEN'))).toEqual([]);
      expect(osdTexts(log)).toContain('Plex: finishing sync…');
      // Flushed in time: nothing was left in the spool.
      expect(existsSync(join(mpv.stateDir, 'mpv-plex-sync', 'spool'))).toBe(false);
    }, 20000);
  });

  it('does not hold the unload of a playback Plex already holds; tells its end at the next file, and not at quit', async () => {
    const clip = 'av://lavfi:testsrc=duration=8:size=64x48:rate=25';
    const mpv = startMpv(clip, []);
    const helper = await FakeHelper.connect(mpv.socketPath());
    helper.on((m) => {
      // Like the real helper once a pause report has reached Plex.
      if (m.name === 'plex-sync/progress' && m.payload.reason === 'pause') {
        const { playbackId, seq, positionMs } = m.payload;
        helper.toScript('plex-sync/settled', { playbackId, seq, positionMs });
      }
    });
    helper.actAsHelper();
    const pausedReport = (playbackId: unknown) =>
      helper.waitFor('plex-sync/progress', (m) => m.payload.reason === 'pause' && m.payload.playbackId === playbackId);

    const first = await helper.waitFor('plex-sync/start');
    await sleep(700);
    helper.command(['set', 'pause', 'yes']);
    const firstPause = await pausedReport(first.payload.playbackId);
    await sleep(300);

    // Another file: the settled playback's end reaches the helper, with nothing held.
    helper.command(['loadfile', clip, 'replace']);
    const second = await helper.waitFor('plex-sync/start', (m) => m.payload.playbackId !== first.payload.playbackId);
    const firstUnloads = helper.named('plex-sync/unload');
    expect(firstUnloads).toHaveLength(1);
    expect(firstUnloads[0]!.payload).toMatchObject({ playbackId: first.payload.playbackId, holdMs: 0 });
    expect(Math.abs((firstUnloads[0]!.payload.positionMs as number) - (firstPause.payload.positionMs as number))).toBeLessThan(500);
    expect(firstUnloads[0]!.at).toBeLessThanOrEqual(second.at);

    // The second file starts paused (pause carries over); play a little and pause again.
    helper.command(['set', 'pause', 'no']);
    await sleep(700);
    helper.command(['set', 'pause', 'yes']);
    await pausedReport(second.payload.playbackId);
    await sleep(300);

    // Quit: no hold, and no message either (the helper learns it from mpv's socket closing).
    const quitAt = Date.now();
    helper.command(['quit']);
    const exit = await within(mpv.exited, 3000, 'mpv exit after quit');
    helper.close();

    expect(exit.code).toBe(0);
    expect(exit.at - quitAt).toBeLessThan(1000);
    expect(helper.named('plex-sync/unload')).toHaveLength(1);
    expect(osdTexts(mpv.log())).not.toContain('Plex: finishing sync…');
    expect(scriptProblems(mpv.log())).toEqual([]);
  }, 20000);

  it('gives up on a silent helper after quit_timeout and leaves a spool record', async () => {
    const mpv = startMpv(LAVFI_CLIP, ['plex-sync-quit_timeout=1']);
    const helper = await FakeHelper.connect(mpv.socketPath());
    helper.actAsHelper();

    const start = await helper.waitFor('plex-sync/start');
    const unload = await helper.waitFor('plex-sync/unload');
    const exit = await within(mpv.exited, 5000, 'mpv exit after quit_timeout');
    helper.close();

    expect(exit.code).toBe(0);
    expect(exit.at - unload.at).toBeGreaterThanOrEqual(900);
    expect(exit.at - unload.at).toBeLessThan(2500);

    const spool = join(mpv.stateDir, 'mpv-plex-sync', 'spool');
    expect(statSync(spool).mode & 0o777).toBe(0o700);
    expect(readdirSync(spool)).toEqual([start.payload.playbackId + '.json']);
    const record = JSON.parse(readFileSync(join(spool, start.payload.playbackId + '.json'), 'utf8')) as SpoolRecord;
    expect(record).toEqual({
      v: PROTOCOL_VERSION,
      start: {
        playbackId: start.payload.playbackId,
        path: LAVFI_CLIP,
        startedAt: start.payload.startedAt,
        durationMs: expect.any(Number),
        positionMs: expect.any(Number),
        ratingKey: null,
        baselineViewCount: 0,
      },
      last: { ...unload.payload },
      writtenAt: expect.any(Number),
    });
    expect(record.writtenAt).toBeGreaterThanOrEqual(record.start.startedAt);

    const log = mpv.log();
    expect(scriptProblems(log)).toEqual([]);
    expect(osdTexts(log)).toContain('Plex sync: helper not responding — saved, will sync later');
  }, 20000);

  it('restarts a helper that went silent at once, and one that never answered only after 10 s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plex-sync-helper-'));
    tempDirs.push(dir);
    const program = join(dir, 'fake-helper.mjs');
    const record = join(dir, 'helpers.jsonl');
    writeFileSync(program, fakeHelperProgram(record));
    // Helper 1 goes silent after two acks (about 4 s in), helper 2 never answers, and the third
    // start comes 10 s after the second: 22 s of clip leave that start 7 s to spare on a busy
    // machine (17 s left 2-3, and the test failed once in six full runs with its cause not kept).
    const mpv = startMpv('av://lavfi:testsrc=duration=22:size=32x24:rate=10', [
      'plex-sync-autostart_helper=yes',
      'plex-sync-helper=' + process.execPath + ' ' + program,
      'plex-sync-helper_timeout=1',
    ]);
    const exit = await within(mpv.exited, 40000, 'mpv exit');
    const seen = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { n: number; argv?: string[]; name?: string; payload?: any });
    const log = mpv.log();

    expect(exit.code).toBe(0);
    expect(seen.filter((s) => s.argv).map((s) => s.n)).toEqual([1, 2, 3]);
    expect(seen[0]!.argv).toEqual(['attach', mpv.socketPath()]);
    // mpv's log times the starts; the helpers' own clocks would add node's start-up time.
    const launchedAt = [...log.matchAll(/^\[\s*([\d.]+)\]\[v\]\[plex_sync\] starting the helper/gm)].map((m) =>
      Number(m[1]),
    );
    expect(launchedAt).toHaveLength(3);
    // Helper 1 had answered before it went silent: replaced without waiting out the gap.
    expect(launchedAt[1]! - launchedAt[0]!).toBeLessThan(10);
    // Helper 2 never answered: the next start waits the 10 s, however often it is found gone.
    expect(launchedAt[2]! - launchedAt[1]!).toBeGreaterThanOrEqual(10);
    expect(log.match(/\]\[w\]\[plex_sync\] the helper stopped answering/g)).toHaveLength(1);

    const third = seen.filter((s) => s.n === 3 && s.name);
    const firstStart = seen.find((s) => s.n === 1 && s.name === 'plex-sync/start')!;
    expect(third.slice(0, 3).map((s) => s.name)).toEqual(['plex-sync/hello', 'plex-sync/start', 'plex-sync/progress']);
    // The new helper gets the playback as it began, with the view count from before it.
    expect(third[1]!.payload).toMatchObject({ playbackId: firstStart.payload.playbackId, baselineViewCount: 7 });
    expect(third[2]!.payload.reason).toBe('resync');
    expect(third.map((s) => s.name)).toContain('plex-sync/unload');
    expect(scriptProblems(log)).toEqual([]);
  }, 50000);

  it('spools at once, without holding, when the helper cannot be started', async () => {
    const mpv = startMpv(LAVFI_CLIP, ['plex-sync-autostart_helper=yes', 'plex-sync-helper=/nonexistent/mpv-plex-sync']);
    const exit = await within(mpv.exited, 15000, 'mpv exit');
    const log = mpv.log();

    expect(exit.code).toBe(0);
    // A 2 s clip; a hold would add the default quit_timeout of 5 s.
    expect(exit.at - mpv.startedAt).toBeLessThan(4500);
    expect(log).toMatch(/\[e\]\[plex_sync\] cannot start the helper: \/nonexistent\/mpv-plex-sync not found/);
    expect(scriptProblems(log)).toHaveLength(1);
    expect(osdTexts(log)).not.toContain('Plex: finishing sync…');
    const spool = join(mpv.stateDir, 'mpv-plex-sync', 'spool');
    expect(readdirSync(spool)).toHaveLength(1);
  }, 20000);
});
