// Footprint (issue 10, point 10): what the helper and the script cost a machine.
//
//   npm run build && node dist/bench/footprint.js
//
//  (a) the helper's resident memory (VmRSS in /proc/<pid>/status) after an hour-long session,
//      target < 80 MB, beside its RSS just after it attached, in the same run;
//  (b) CPU during steady playback at normal speed, target < 1 % of a core each: the helper's
//      from /proc/<pid>/stat (utime + stime) over a window of the clip, and the script's as
//      the difference between two mpv playing the same Plex item at once, one with the script
//      and one without it, over the same window. The window opens once the helper has sent
//      its first timeline for the item; the helper's first major GC (V8 collecting what loading
//      its modules left, about 100 ms of CPU on 2026-12-01) comes some 15 s after it started,
//      inside the window, so the figure holds it once. The window is a minute by default: over
//      20 s that one collection alone made 0.5 % of a core and the figure swung between 0.6
//      and 1.15 % from run to run, which says more about when the collection fell than about
//      playback;
//  (c) helper start to attached, target < 300 ms: from spawning `mpv-plex-sync attach <socket>`
//      (the argv the script starts, helper-launch.ts) to the helper's `helper-ready` broadcast
//      arriving on mpv's socket, beside a bare `node -e 0` run to exit;
//  (d) the built script's size, and what loading it adds to mpv: spawn to exit of an mpv told
//      to open a file that is not there, with the script and without it (--load-scripts=no on
//      both sides, so mpv's own scripts do not weigh on the ratio). Such an mpv loads and runs
//      every script, finds no file and quits; a file that plays would have the script wait at
//      unload for a helper (that is the quit bench's figure). No target; kept for the record.
//
// What (a) simulates. An hour is not waited for: the bench plays the script's part itself on
// the socket of a real mpv (idle, without the script), with a real helper attached to it, and
// sends what the script would send in an hour of 20-second Plex items at normal speed:
// BENCH_PLAYBACKS (default 180) playbacks, each a start, one progress a second of media (the
// script's report_interval of 1 s; 20 of them), the threshold report at 90 %, and an unload
// held until the helper answers `flushed`. The messages are the script's (same names, same JSON,
// a hello naming this bench's IPC client, so the helper's acks and answers come back here) and
// the bench waits for each answer the script would wait for, so nothing piles up unread. What
// is compressed is wall time: the helper sends Plex a timeline every 10 s of wall time while
// playing, so each tenth second of media is sent as a seek (which the helper reports at once),
// and a seeded few playbacks pause and resume; Plex so gets about the requests of a real hour.
// Each item is a different one (180 items in an hour is harsher than 3 films: every resolve,
// scrobble and record is new). Timers that run on wall time (the 60 s replay, the outbox's
// compaction if any) run fewer times than in a real hour.
//
// BENCH_PARTS=a,c runs some of the parts; BENCH_RSS_SETTLE_S (default 12) the quiet before (a) is read. BENCH_PLAYBACKS, BENCH_ATTACH_SAMPLES (default 15),
// BENCH_LOAD_SAMPLES (default 31) and BENCH_CPU_SECONDS (default 60, the window of (b)) set the
// sizes; MPV_PLEX_SYNC_TEST_SEED replays the seeded pauses. BENCH_HELPER_NODE_OPTIONS (a diagnosis, not how users run it) is
// the NODE_OPTIONS of the helpers this bench spawns itself, in (a) and (c): e.g.
// --max-old-space-size=32 tells a heap that grows from garbage not yet collected from one that
// holds what it took.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HELPER_NODE_FLAGS, helperCommandFor } from '../src/install/installer.js';
import { MpvIpcClient, type MpvEvent } from '../src/mpv/ipc-client.js';
import { HelperMessage, PROTOCOL_VERSION, ScriptMessage, type ProgressPayload, type StartPayload, type UnloadPayload } from '../src/protocol/messages.js';
import { makeClip } from '../test/support/media.js';
import { seededRandom } from '../test/support/random.js';
import { BIN, SCRIPT, createWorld, helperPids, waitFor, withToken, type World } from '../test/support/session.js';
import { ascending, countFromEnv, ms, percentile, report, type Row } from './report.js';

const PLAYBACKS = countFromEnv('BENCH_PLAYBACKS', 180);
const ATTACH_SAMPLES = countFromEnv('BENCH_ATTACH_SAMPLES', 15);
const LOAD_SAMPLES = countFromEnv('BENCH_LOAD_SAMPLES', 31);
const CPU_SECONDS = countFromEnv('BENCH_CPU_SECONDS', 60);
const ITEM_SECONDS = 20;
/** A clip longer than the CPU window by the warm-up before it (the helper's start, up to a few
 *  seconds on a busy machine) and a margin after. */
const CPU_WARMUP_SECONDS = 6;
const RSS_TARGET_MB = 80;
/** (a): quiet after the compressed hour before its RSS is read (see hourSession). */
const SETTLE_SECONDS = countFromEnv('BENCH_RSS_SETTLE_S', 12);
const CPU_TARGET_PERCENT = 1;
const ATTACH_TARGET_MS = 300;
/** Playbacks in which the simulated viewer pauses once; as many as in an hour of real use, a guess. */
const PAUSE_SHARE = 0.1;
/** /proc/<pid>/stat counts in these; `getconf CLK_TCK` is 100 on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;
const HELPER_NODE_OPTIONS = process.env['BENCH_HELPER_NODE_OPTIONS'];

interface Memory {
  readonly rssMb: number;
  /** VmHWM: the peak RSS. */
  readonly peakMb: number;
  /** The process's own pages (heap, stacks): RssAnon. */
  readonly anonMb: number;
  /** Pages of mapped files, mostly the node binary, shared with every other Node process: RssFile. */
  readonly fileMb: number;
}

function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rssMb: mb('VmRSS'), peakMb: mb('VmHWM'), anonMb: mb('RssAnon'), fileMb: mb('RssFile') };
}

/** A bare Node process that does nothing for a moment: what any Node helper starts from. */
async function bareNodeMemory(): Promise<Memory> {
  const bare = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 5000)'], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return memoryOf(bare.pid!);
  } finally {
    bare.kill();
  }
}

/** utime + stime of a process (all its threads), in seconds. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name, in parentheses, may hold spaces; the fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

function median(values: readonly number[]): number {
  return percentile(ascending(values), 50);
}

/** An idle mpv without the script, and this bench's IPC client on its socket. */
async function idleMpv(world: World, name: string): Promise<{ mpv: ChildProcess; socket: string; client: MpvIpcClient }> {
  const socket = join(world.dir, `${name}.sock`);
  const mpv = spawn('mpv', ['--no-config', '--vo=null', '--ao=null', '--idle=yes', `--input-ipc-server=${socket}`], { env: world.env, stdio: 'ignore' });
  const client = new MpvIpcClient({ socketPath: socket });
  await client.connect(10_000);
  return { mpv, socket, client };
}

/** Resolves at the next client-message whose first argument is `name` and that `accept` takes. */
function nextMessage(client: MpvIpcClient, name: string, accept: (payload: Record<string, unknown>) => boolean = () => true, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('event', onEvent);
      reject(new Error(`no ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (event: MpvEvent) => {
      const args = event['args'];
      if (event.event !== 'client-message' || !Array.isArray(args) || args[0] !== name) return;
      let payload: Record<string, unknown> = {};
      try {
        payload = typeof args[1] === 'string' ? (JSON.parse(args[1]) as Record<string, unknown>) : {};
      } catch {
        return;
      }
      if (!accept(payload)) return;
      clearTimeout(timer);
      client.off('event', onEvent);
      resolve();
    };
    client.on('event', onEvent);
  });
}

/** Spawns the helper as the script does; resolves with it once it has said helper-ready on mpv's socket. */
async function startHelper(world: World, socket: string, client: MpvIpcClient): Promise<{ helper: ChildProcess; attachMs: number }> {
  const ready = nextMessage(client, HelperMessage.helperReady);
  const started = performance.now();
  const env = HELPER_NODE_OPTIONS === undefined ? world.env : { ...world.env, NODE_OPTIONS: HELPER_NODE_OPTIONS };
  // As the installed script starts it (installer.ts, helperCommandFor).
  const helper = spawn(process.execPath, [...HELPER_NODE_FLAGS, BIN, 'attach', socket], { env, stdio: 'ignore' });
  await ready;
  return { helper, attachMs: performance.now() - started };
}

async function stopHelper(helper: ChildProcess): Promise<void> {
  const exited = exitOf(helper);
  helper.kill('SIGTERM');
  await exited;
}

/** (c): cold starts of the helper to attached, and bare Node starts to exit, interleaved. */
async function attachTimes(world: World): Promise<{ attach: number[]; bareNode: number[] }> {
  const { mpv, client } = await idleMpv(world, 'attach');
  const attach: number[] = [];
  const bareNode: number[] = [];
  try {
    for (let sample = 0; sample < ATTACH_SAMPLES; sample += 1) {
      const { helper, attachMs } = await startHelper(world, join(world.dir, 'attach.sock'), client);
      attach.push(attachMs);
      await stopHelper(helper);
      const started = performance.now();
      await exitOf(spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }));
      bareNode.push(performance.now() - started);
    }
  } finally {
    client.close();
    mpv.kill();
  }
  return { attach, bareNode };
}

interface SessionFigures {
  readonly attached: Memory;
  /** Right after the compressed hour's last message (and 2 s for its late work). */
  readonly burst: Memory;
  /** After SETTLE_SECONDS more of quiet, as between the messages of a real hour. */
  readonly after: Memory;
  readonly helperCpuSeconds: number;
  readonly wallSeconds: number;
  readonly messages: number;
  readonly plexRequests: number;
  readonly watched: number;
}

/** (a): an hour of the script's messages, compressed (see the header). */
async function hourSession(world: World, keys: readonly string[], random: () => number): Promise<SessionFigures> {
  const { mpv, socket, client } = await idleMpv(world, 'session');
  const { helper } = await startHelper(world, socket, client);
  const pid = helper.pid!;
  let messages = 0;
  try {
    const scriptName = String(await client.command(['client_name']));
    const send = (name: string, payload: object) => {
      messages += 1;
      client.send(['script-message', name, JSON.stringify(payload)]);
    };
    const welcomed = nextMessage(client, HelperMessage.welcome);
    send(ScriptMessage.hello, { v: PROTOCOL_VERSION, script: scriptName, pid: mpv.pid! });
    await welcomed;
    // Settled after attach: the figure the hour is compared with.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const attached = memoryOf(pid);
    const cpuBefore = cpuSecondsOf(pid);
    world.plex.clearRequests();
    const started = performance.now();
    const durationMs = ITEM_SECONDS * 1000;
    for (const [index, key] of keys.entries()) {
      const playbackId = `bench-${index}-${key}`;
      const mine = (payload: Record<string, unknown>) => payload['playbackId'] === playbackId;
      const start: StartPayload = {
        playbackId,
        path: world.plex.partUrl(key),
        startedAt: Date.now(),
        durationMs,
        positionMs: 0,
        ratingKey: null,
        baselineViewCount: null,
      };
      const identified = nextMessage(client, HelperMessage.item, mine);
      send(ScriptMessage.start, start);
      await identified;
      const pauseAt = random() < PAUSE_SHARE ? 1 + Math.floor(random() * (ITEM_SECONDS - 2)) : null;
      let seq = 0;
      const progress = async (second: number, reason: ProgressPayload['reason'], paused = false) => {
        seq += 1;
        const acked = nextMessage(client, HelperMessage.ack, mine);
        const payload: ProgressPayload = { playbackId, positionMs: second * 1000, durationMs, paused, playedMs: second * 1000, reason, seq };
        send(ScriptMessage.progress, payload);
        await acked;
      };
      for (let second = 1; second <= ITEM_SECONDS; second += 1) {
        const reason = second === Math.ceil(ITEM_SECONDS * 0.9) ? 'threshold' : second % 10 === 0 ? 'seek' : 'tick';
        await progress(second, reason);
        if (second === pauseAt) {
          await progress(second, 'pause', true);
          await progress(second, 'resume');
        }
      }
      const flushed = nextMessage(client, HelperMessage.flushed, mine);
      const unload: UnloadPayload = { playbackId, positionMs: durationMs, durationMs, playedMs: durationMs, holdMs: 5_000 };
      send(ScriptMessage.unload, unload);
      await flushed;
    }
    const wallSeconds = (performance.now() - started) / 1000;
    // Let the last playback's late work (records, subscriptions) finish, as an idle hour would.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const burst = memoryOf(pid);
    // A real hour has seconds between the script's messages, and V8's memory reducer collects
    // and gives pages back in such pauses (it waits for a few seconds of low allocation); the
    // compressed hour sends them back to back. So the figure is taken after SETTLE_SECONDS of
    // quiet, with the one right after the burst beside it (on 2026-12-02: 111 MB after the
    // burst, 78 MB from 10 s of quiet on, flat for 30 s).
    await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
    const after = memoryOf(pid);
    const helperCpuSeconds = cpuSecondsOf(pid) - cpuBefore;
    const watched = keys.filter((key) => world.plex.item(key).viewCount === 1).length;
    return { attached, burst, after, helperCpuSeconds, wallSeconds, messages, plexRequests: world.plex.requests.length, watched };
  } finally {
    client.close();
    await stopHelper(helper);
    mpv.kill();
  }
}

interface CpuFigures {
  readonly helperPercent: number;
  readonly withScriptPercent: number;
  readonly withoutScriptPercent: number;
  readonly windowSeconds: number;
}

/** (b): two mpv playing the same item at normal speed at once, one with the script; the script starts the helper. */
async function steadyCpu(world: World, key: string): Promise<CpuFigures> {
  const url = withToken(world.plex.partUrl(key));
  const common = ['--no-config', '--vo=null', '--ao=null', '--idle=no'];
  const withScript = spawn('mpv', [...common, `--script=${SCRIPT}`, `--script-opts=plex-sync-helper=${helperCommandFor(process.execPath, BIN).command}`, url], { env: world.env, stdio: 'ignore' });
  const without = spawn('mpv', [...common, url], { env: world.env, stdio: 'ignore' });
  try {
    // Steady: the helper has started, attached, identified the item and sent its first
    // timeline, and a moment more has passed; its start is (c)'s figure, not this one's.
    await waitFor('the helper to report the playback', () => world.plex.requests.some((request) => request.path === '/:/timeline' && request.query['ratingKey'] === key), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const helpers = helperPids(world);
    if (helpers.length !== 1) throw new Error(`expected one helper during steady playback, found ${helpers.length}`);
    const helper = helpers[0]!;
    const pids = [helper, withScript.pid!, without.pid!];
    const before = pids.map(cpuSecondsOf);
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, CPU_SECONDS * 1000));
    const after = pids.map(cpuSecondsOf);
    const windowSeconds = (performance.now() - started) / 1000;
    const percent = (i: number) => ((after[i]! - before[i]!) / windowSeconds) * 100;
    if (withScript.exitCode !== null || without.exitCode !== null) throw new Error('an mpv ended inside the CPU window');
    return { helperPercent: percent(0), withScriptPercent: percent(1), withoutScriptPercent: percent(2), windowSeconds };
  } finally {
    await Promise.all([exitOf(withScript), exitOf(without)]);
  }
}

/** (d): spawn to exit of an mpv that finds no file, with the script and without, interleaved. */
async function loadTimes(world: World): Promise<{ plain: number[]; scripted: number[] }> {
  const missing = join(world.dir, 'not-there.mkv');
  const common = ['--no-config', '--vo=null', '--ao=null', '--idle=no', '--load-scripts=no'];
  const variants = {
    plain: [...common, missing],
    // No helper start: that cost is the quit bench's cold figure, not loading.
    scripted: [...common, `--script=${SCRIPT}`, '--script-opts=plex-sync-autostart_helper=no', missing],
  };
  const times = { plain: [] as number[], scripted: [] as number[] };
  for (let sample = 0; sample < LOAD_SAMPLES; sample += 1) {
    // Alternate which goes first, so drift in the machine's load hits both alike.
    const order = sample % 2 === 0 ? (['plain', 'scripted'] as const) : (['scripted', 'plain'] as const);
    for (const variant of order) {
      const started = performance.now();
      await exitOf(spawn('mpv', variants[variant], { env: world.env, stdio: 'ignore' }));
      times[variant].push(performance.now() - started);
    }
  }
  return times;
}

type Part = 'a' | 'b' | 'c' | 'd';
const PARTS: readonly Part[] = ['a', 'b', 'c', 'd'];

/** BENCH_PARTS=a,c runs some of the four; all by default. */
function partsFromEnv(): Set<Part> {
  const text = process.env['BENCH_PARTS'];
  if (text === undefined || text === '') return new Set(PARTS);
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(PARTS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new TypeError(`BENCH_PARTS names no part: ${unknown.join(', ')} (known: ${PARTS.join(', ')})`);
  return new Set(names as Part[]);
}

async function main(): Promise<void> {
  const parts = partsFromEnv();
  const random = seededRandom('footprint');
  const world = await createWorld({ latencyMs: 5 });
  const keys = Array.from({ length: PLAYBACKS }, (_, i) => String(200_000 + i));
  for (const key of keys) world.addMovie(key);
  const cpuKey = '199999';
  const cpuClipSeconds = CPU_WARMUP_SECONDS + CPU_SECONDS + 4;
  world.addMovie(cpuKey, { mediaPath: makeClip(cpuClipSeconds), durationMs: cpuClipSeconds * 1000 });
  const rows: Row[] = [];
  const pct = (value: number) => `${value.toFixed(2)} %`;
  const mb = (value: number) => `${value.toFixed(1)} MB`;
  const notes: string[] = [];
  try {
    // The helpers of (c) and (a) are stopped by the bench; that of (b) leaves soon after its mpv.
    if (parts.has('a')) {
      const bare = await bareNodeMemory();
      const session = await hourSession(world, keys, random);
      notes.push(`${PLAYBACKS} simulated playbacks (${session.messages} script messages in ${session.wallSeconds.toFixed(1)} s)`);
      rows.push(
        {
          figure: '(a) helper RSS after the simulated hour',
          target: `< ${RSS_TARGET_MB} MB`,
          result: `${mb(session.after.rssMb)} after ${SETTLE_SECONDS} s of quiet (${(session.after.rssMb / RSS_TARGET_MB).toFixed(2)} of target; peak ${mb(session.after.peakMb)})`,
          pass: session.after.rssMb < RSS_TARGET_MB,
        },
        { figure: '    RSS right after the compressed hour', target: '—', result: `${mb(session.burst.rssMb)} = ${mb(session.burst.anonMb)} + ${mb(session.burst.fileMb)}`, pass: null },
        { figure: '    of it own (RssAnon) + mapped files (RssFile)', target: '—', result: `${mb(session.after.anonMb)} + ${mb(session.after.fileMb)}`, pass: null },
        {
          figure: '    RSS just after attach (baseline)',
          target: '—',
          result: `${mb(session.attached.rssMb)} = ${mb(session.attached.anonMb)} + ${mb(session.attached.fileMb)} (after/attach ${(session.after.rssMb / session.attached.rssMb).toFixed(2)})`,
          pass: null,
        },
        { figure: '    bare `node` RSS (baseline)', target: '—', result: `${mb(bare.rssMb)} = ${mb(bare.anonMb)} + ${mb(bare.fileMb)} (after/bare ${(session.after.rssMb / bare.rssMb).toFixed(2)})`, pass: null },
        { figure: '    helper CPU over the simulated hour', target: '—', result: `${session.helperCpuSeconds.toFixed(2)} s`, pass: null },
        { figure: '    requests to the double / items watched', target: `— / ${PLAYBACKS}`, result: `${session.plexRequests} / ${session.watched}`, pass: session.watched === PLAYBACKS },
      );
    }
    if (parts.has('b')) {
      const cpu = await steadyCpu(world, cpuKey);
      await waitFor('the helper of the CPU run to leave', () => helperPids(world).length === 0, 15_000);
      const scriptDelta = cpu.withScriptPercent - cpu.withoutScriptPercent;
      notes.push(`${cpu.windowSeconds.toFixed(1)} s of steady playback`);
      rows.push(
        { figure: '(b) helper CPU, steady playback', target: `< ${CPU_TARGET_PERCENT} % of a core`, result: pct(cpu.helperPercent), pass: cpu.helperPercent < CPU_TARGET_PERCENT },
        {
          figure: '    script CPU (mpv with it − mpv without)',
          target: `< ${CPU_TARGET_PERCENT} % of a core`,
          result: `${pct(scriptDelta)} (${pct(cpu.withScriptPercent)} − ${pct(cpu.withoutScriptPercent)}; ratio ${(cpu.withScriptPercent / cpu.withoutScriptPercent).toFixed(2)})`,
          pass: scriptDelta < CPU_TARGET_PERCENT,
        },
      );
    }
    if (parts.has('c')) {
      const { attach, bareNode } = await attachTimes(world);
      const attachMedian = median(attach);
      notes.push(`${ATTACH_SAMPLES} helper starts`);
      rows.push(
        { figure: '(c) helper start to attached (median)', target: `< ${ATTACH_TARGET_MS} ms`, result: `${ms(attachMedian)} (p95 ${ms(percentile(ascending(attach), 95))})`, pass: attachMedian < ATTACH_TARGET_MS },
        { figure: '    bare `node -e 0` to exit (median)', target: '—', result: `${ms(median(bareNode))} (attach/bare ${(attachMedian / median(bareNode)).toFixed(2)})`, pass: null },
      );
    }
    if (parts.has('d')) {
      const load = await loadTimes(world);
      const scriptBytes = statSync(SCRIPT).size;
      notes.push(`${LOAD_SAMPLES} mpv loads per side`);
      rows.push(
        { figure: '(d) built script size', target: '—', result: `${scriptBytes} bytes (${(scriptBytes / 1024).toFixed(1)} KiB)`, pass: null },
        { figure: '    mpv start to exit, no script (median)', target: '—', result: ms(median(load.plain)), pass: null },
        {
          figure: '    mpv start to exit, with script (median)',
          target: '—',
          result: `${ms(median(load.scripted))} (+${ms(median(load.scripted) - median(load.plain))}, ratio ${(median(load.scripted) / median(load.plain)).toFixed(3)})`,
          pass: null,
        },
      );
    }
  } finally {
    await world.cleanup();
  }
  report(`footprint: ${notes.join(', ')}`, rows);
}

await main();
