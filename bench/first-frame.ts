// First-frame bench (issue 20 point 1): launch to first frame, headless, for an item with a
// resume point, medians of BENCH_RUNS (default 5) runs of each case, the cases rotated so the
// machine's drift hits each alike:
//  - plain: mpv --no-config on the same URL, no script (the floor);
//  - warm: the script, with a helper already running (`serve`, as the systemd unit runs it);
//  - script compile: the built script wrapped in a function never called, so that mpv's
//    JavaScript engine compiles all of it and runs none: the floor of the warm case (the script's
//    compile, which mpv waits for before the first file);
//  - cold: the script, no helper running, the file played before: the script starts a helper and
//    starts the file from its resume hint at once (src/protocol/resume-hints.ts), asking meanwhile;
//  - cold, first time: the same with no hint (the hints file removed): the load waits until the
//    cold helper answers where to resume;
//  - cold, next episode: the script, no helper, an episode never played here and without a resume
//    point, which the helper noted from Plex's Continue Watching after the one before it ended
//    (src/helper/hints-after-playback.ts): it starts at once;
//  - play warm / play cold: `mpv-plex-sync play 101` with and without a running helper.
// First frame = mpv's "first video frame after restart shown" (cplayer, -v) reaching our pipe,
// timed from the spawn of the process we start (mpv, or play).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { helperCommandFor } from '../src/install/installer.js';
import { startPlexDouble } from '../test/plex-double/index.js';
import { makeClip } from '../test/support/media.js';
import { BIN, SCRIPT } from '../test/support/session.js';
import { report } from './report.js';
import { makeBenchWorld, type BenchWorld } from './world.js';

const TOKEN = 'bench-token-first-frame';
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const LATENCY_MS = Number(process.env['BENCH_LATENCY_MS'] ?? 5);
const FIRST_FRAME = 'first video frame after restart shown';
const headless = ['--no-config', '--vo=null', '--ao=null', '--msg-level=all=warn,cplayer=v', '--length=0.3'];

type Case = 'plain' | 'script compile' | 'warm' | 'cold' | 'cold first' | 'cold next' | 'play warm' | 'play cold';

type World = BenchWorld;

/** A cold case must find no helper: the one it started leaves as its mpv quits. */
function makeWorld(serverUrl: string): World {
  return makeBenchWorld(serverUrl, TOKEN, { MPV_PLEX_SYNC_IDLE_EXIT_MS: '0' });
}

/** Runs a process to its exit; resolves with the ms from spawn to mpv's first frame. */
function timeToFirstFrame(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child: ChildProcess = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let shownAt: number | null = null;
    let output = '';
    const listen = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (shownAt === null && output.includes(FIRST_FRAME)) shownAt = performance.now() - started;
    };
    child.stdout?.on('data', listen);
    child.stderr?.on('data', listen);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      if (shownAt === null) reject(new Error(`${command} ${args.join(' ')} showed no frame:\n${output.slice(-2000)}`));
      else resolve(shownAt);
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function helperGone(world: World): Promise<void> {
  const socket = join(world.dir, 'run', 'mpv-plex-sync', 'helper.sock');
  for (let tries = 0; tries < 200 && existsSync(socket); tries += 1) await new Promise((resolve) => setTimeout(resolve, 25));
}

async function main(): Promise<void> {
  const clip = makeClip(20);
  const double = await startPlexDouble({ token: TOKEN, latencyMs: LATENCY_MS });
  double.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
  double.addItem({ ratingKey: '101', type: 'movie', title: 'Clip 101', sectionKey: '1', durationMs: 20_000, partId: 1010, file: '/data/movies/clip.mkv', mediaPath: clip, viewOffset: 8_000 });
  // A show whose first episode is watched: Plex's Continue Watching holds the second.
  double.addSection({ key: '2', type: 'show', title: 'TV Shows', locations: ['/data/tv'] });
  double.addShow({ ratingKey: '500', title: 'The Show', sectionKey: '2' });
  double.addSeason({ ratingKey: '510', showRatingKey: '500', index: 1 });
  for (const [ratingKey, index] of [['511', 1], ['512', 2]] as const) {
    double.addItem({ ratingKey, type: 'episode', title: `Part ${index}`, parentRatingKey: '510', index, sectionKey: '2', durationMs: 20_000, partId: Number(ratingKey) * 10, file: `/data/tv/The Show/S01E0${index}.mkv`, mediaPath: clip, ...(index === 1 ? { viewCount: 1, lastViewedAt: Math.floor(Date.now() / 1000) } : {}) });
  }
  const url = `${double.partUrl('101')}?X-Plex-Token=${TOKEN}`;
  const nextUrl = double.partUrl('512');
  const warm = makeWorld(double.url);
  const cold = makeWorld(double.url);
  const helper = helperCommandFor(process.execPath, BIN).command;
  const scripted = [`--script=${SCRIPT}`, `--script-opts=plex-sync-helper=${helper}`];
  const compileOnly = join(warm.dir, 'compile-only.js');
  writeFileSync(compileOnly, `function neverCalled() {\n${readFileSync(SCRIPT, 'utf8')}\n}\n`);
  const served = spawn(process.execPath, [BIN, 'serve'], { env: warm.env, stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const runs: Record<Case, number[]> = { plain: [], 'script compile': [], warm: [], cold: [], 'cold first': [], 'cold next': [], 'play warm': [], 'play cold': [] };
  // BENCH_CASES=plain,cold first runs only those (a quicker loop while working on one case).
  const chosen = process.env['BENCH_CASES']?.split(',').map((name) => name.trim());
  const order = (['plain', 'script compile', 'warm', 'cold', 'cold first', 'cold next', 'play warm', 'play cold'] as const).filter((which: Case) => chosen === undefined || which === 'plain' || chosen.includes(which));
  const hints = join(cold.dir, 'state', 'mpv-plex-sync', 'resume-hints.json');
  // Once, so that the cold case finds the hint a returning person has.
  await timeToFirstFrame('mpv', [...headless, ...scripted, url], cold.env);
  try {
    for (let run = 0; run < RUNS; run += 1) {
      for (let step = 0; step < order.length; step += 1) {
        const which = order[(run + step) % order.length] as Case;
        // Every case plays the item from where Plex left off (8 s), so each decodes alike.
        if (which === 'plain') runs.plain.push(await timeToFirstFrame('mpv', [...headless, '--start=8', url], warm.env));
        else if (which === 'script compile') runs[which].push(await timeToFirstFrame('mpv', [...headless, '--start=8', `--script=${compileOnly}`, url], warm.env));
        else if (which === 'warm') runs.warm.push(await timeToFirstFrame('mpv', [...headless, ...scripted, url], warm.env));
        else if (which === 'cold' || which === 'cold first' || which === 'cold next') {
          await helperGone(cold);
          if (which === 'cold first') rmSync(hints, { force: true });
          // Any playback's end notes Continue Watching again; after 'cold first' removed it, the one before noted it anew.
          else if (!existsSync(hints) || (which === 'cold next' && !readFileSync(hints, 'utf8').includes(JSON.stringify(nextUrl)))) throw new Error(`the cold helper kept no resume hint for the ${which} case`);
          const played = which === 'cold next' ? `${nextUrl}?X-Plex-Token=${TOKEN}` : url;
          runs[which].push(await timeToFirstFrame('mpv', [...headless, ...scripted, played], cold.env));
        } else {
          const world = which === 'play warm' ? warm : cold;
          if (world === cold) await helperGone(cold);
          runs[which].push(await timeToFirstFrame(process.execPath, [BIN, 'play', '101', '--', ...headless], world.env));
        }
      }
    }
  } finally {
    served.kill('SIGTERM');
    await double.stop();
    for (const world of [warm, cold]) rmSync(world.dir, { recursive: true, force: true });
  }
  const plain = median(runs.plain);
  const ms = (value: number) => `${Math.round(value)} ms`;
  const over = (which: Case) => median(runs[which]) - plain;
  console.log(`runs per case: ${RUNS}; double latency ${LATENCY_MS} ms; every run (ms): ${JSON.stringify(Object.fromEntries(Object.entries(runs).map(([key, values]) => [key, values.map(Math.round)])))}`);
  const rows: { which: Case; figure: string; target: string; result: string; pass: boolean | null }[] = [
    { which: 'plain', figure: 'plain mpv', target: '—', result: ms(plain), pass: null },
    { which: 'script compile', figure: 'plain mpv compiling the script, running none of it (warm floor)', target: '—', result: `${ms(median(runs['script compile']))} (+${ms(over('script compile'))})`, pass: null },
    { which: 'warm', figure: 'warm: script, helper running, item with a resume point', target: '<= plain + 20 ms', result: `${ms(median(runs.warm))} (+${ms(over('warm'))})`, pass: over('warm') <= 20 },
    { which: 'cold', figure: 'cold: script, no helper, item with a resume point played before (hint)', target: '<= plain + 150 ms', result: `${ms(median(runs.cold))} (+${ms(over('cold'))})`, pass: over('cold') <= 150 },
    { which: 'cold first', figure: 'cold, first time: no hint, the load waits for the cold helper', target: '<= plain + 150 ms', result: `${ms(median(runs['cold first']))} (+${ms(over('cold first'))})`, pass: over('cold first') <= 150 },
    { which: 'cold next', figure: 'cold, next episode: no resume point, noted from Continue Watching', target: '<= plain + 150 ms', result: `${ms(median(runs['cold next']))} (+${ms(over('cold next'))})`, pass: over('cold next') <= 150 },
    { which: 'play warm', figure: 'play 101, helper running', target: '—', result: ms(median(runs['play warm'])), pass: null },
    { which: 'play cold', figure: 'play 101, no helper', target: '<= 450 ms', result: ms(median(runs['play cold'])), pass: median(runs['play cold']) <= 450 },
  ];
  report('first frame, launch to first frame (medians)', rows.filter((row) => runs[row.which].length > 0).map(({ which: _which, ...row }) => row));
}

await main();
