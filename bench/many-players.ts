// Many players (issue 10, point 10): one mpv, then 8 at once, each playing a different Plex item
// of 20 s to its end at --speed=10, against one helper, one outbox and the Plex double. Side by
// side, the wall time per watch (from spawning an mpv to its watch arriving at the double, and
// to the mpv's exit); and every watch recorded exactly once: after the last mpv, the helper is
// left to exit on its own and a last `mpv-plex-sync sync` sends whatever it left queued, then
// each item must have viewCount 1 and the double's history one record per item. Exits 1 when a
// watch is lost or doubled, an mpv exits with an error, the helper does not leave on its own
// within 30 s of the last mpv, or the outbox or the spool is not empty at the end.
//
//   npm run build && node dist/bench/many-players.js
//
// Real mpv, the built script (dist/mpv/plex-sync.js) and the real helper, as users run them;
// the first mpv of a round that finds no helper starts one, and the 8 that start together race
// for it (the helper's election). The double answers after 5 ms, as in the tests.
//
// BENCH_PLAYERS (default 8) sets how many play at once in the second stage, BENCH_ROUNDS
// (default 2) how many times each stage runs. The mpv of a round start within
// BENCH_STAGGER_MS (default 100) of each other, at seeded random offsets (the seed is printed;
// MPV_PLEX_SYNC_TEST_SEED replays it). When a watch is lost or doubled, or the helper stays,
// the world's directory (helper log, outbox, spool) is kept for a look, and its path printed.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { seededRandom } from '../test/support/random.js';
import { createWorld, helpersGone, killHelpers, readHelperLog, readOutbox, runCli, runMpv, withToken, type MpvRun, type World } from '../test/support/session.js';
import { ascending, countFromEnv, ms, percentile, report } from './report.js';

const PLAYERS = countFromEnv('BENCH_PLAYERS', 8);
const ROUNDS = countFromEnv('BENCH_ROUNDS', 2);
const STAGGER_MS = countFromEnv('BENCH_STAGGER_MS', 100);
const SPEED = 10;
/** The helper's own idle exit is 500 ms in the test world; this is ample for its last sends. */
const HELPER_EXIT_WAIT_MS = 30_000;

interface Watch {
  readonly ratingKey: string;
  readonly players: number;
  readonly spawnedAt: number;
  readonly run: MpvRun;
}

/** One round: `players` mpv at once, each on an item of its own. */
async function round(world: World, players: number, firstKey: number, random: () => number): Promise<Watch[]> {
  const keys = Array.from({ length: players }, (_, i) => String(firstKey + i));
  return Promise.all(
    keys.map(async (ratingKey) => {
      const url = world.addMovie(ratingKey);
      await sleep(Math.floor(random() * STAGGER_MS));
      const spawnedAt = Date.now();
      // Quiet logs: eight mpv tracing to this process would weigh on the machine they share.
      const run = await runMpv(world, [withToken(url)], { speed: SPEED, args: ['--msg-level=all=warn'], timeoutMs: 60_000 });
      return { ratingKey, players, spawnedAt, run };
    }),
  );
}

async function main(): Promise<void> {
  const random = seededRandom('many players');
  const world = await createWorld({ latencyMs: 5 });
  let keep = false;
  try {
    const watches: Watch[] = [];
    let nextKey = 400_000;
    const stageWalls = new Map<number, number[]>();
    for (const players of [1, PLAYERS]) {
      for (let r = 0; r < ROUNDS; r += 1) {
        const started = Date.now();
        watches.push(...(await round(world, players, nextKey, random)));
        stageWalls.set(players, [...(stageWalls.get(players) ?? []), Date.now() - started]);
        nextKey += players;
      }
    }

    // Settled: the helper leaves once no mpv is left and nothing can be sent now; a last sync
    // sends what it may have left queued.
    let lingered = false;
    try {
      await helpersGone(world, HELPER_EXIT_WAIT_MS);
    } catch {
      // A finding of its own, not the end of the run: say what the helper was doing, then ask
      // it to stop (SIGTERM: it stops as it would at logout) and go on to the last sync.
      lingered = true;
      const tail = readHelperLog(world).trim().split('\n').slice(-15);
      console.log(`the helper was still running ${HELPER_EXIT_WAIT_MS / 1000} s after the last mpv; its log ends:\n${tail.join('\n')}`);
      killHelpers(world.dir, 'SIGTERM');
      await helpersGone(world, 10_000);
    }
    const sync = await runCli(world, ['sync', '--json']);
    const left = readOutbox(world).entries.length;
    const spoolDir = join(world.stateDir, 'spool');
    const spooled = existsSync(spoolDir) ? readdirSync(spoolDir).length : 0;

    const views = watches.map((watch) => world.plex.item(watch.ratingKey).viewCount);
    const lost = views.filter((count) => count === 0).length;
    const doubled = views.filter((count) => count > 1).length;
    const history = world.plex.history.length;
    const badExits = watches.filter((watch) => watch.run.code !== 0).length;
    const helpersStarted = readHelperLog(world).split('\n').filter((line) => line.includes('"helper started"')).length;

    keep = lost > 0 || doubled > 0 || lingered;
    for (const [i, watch] of watches.entries()) {
      if (views[i] === 1) continue;
      // What mpv said (warnings and errors only) is where a lost watch's story starts.
      console.log(`item ${watch.ratingKey} (${watch.players} at once): viewCount ${views[i]}; mpv said: ${watch.run.log.trim() || '(nothing)'}`);
    }

    /** Spawn to the watch's arrival at the double; null when it never arrived. */
    const counted = (watch: Watch) => {
      const record = world.plex.history.find((entry) => entry.ratingKey === watch.ratingKey);
      return record ? record.at - watch.spawnedAt : null;
    };
    const stage = (players: number) => {
      const mine = watches.filter((watch) => watch.players === players);
      const toWatch = ascending(mine.map(counted).filter((value): value is number => value !== null));
      const toExit = ascending(mine.map((watch) => watch.run.elapsedMs));
      return { toWatch, toExit, count: mine.length };
    };
    const one = stage(1);
    const many = stage(PLAYERS);
    const p = (values: number[]) => `p50 ${ms(percentile(values, 50))}, max ${ms(values.at(-1) ?? Number.NaN)}`;
    const ratio = (a: number[], b: number[]) => (percentile(a, 50) / percentile(b, 50)).toFixed(2);
    const wall = (players: number) => ascending(stageWalls.get(players) ?? []);

    report(
      `many players: 1 then ${PLAYERS} mpv at once, ${ROUNDS} rounds each, ${SPEED}× speed on 20 s items; ${helpersStarted} helper start(s) in all; last sync exit ${sync.code}`,
      [
        { figure: 'spawn → watch at Plex, 1 mpv', target: '—', result: p(one.toWatch), pass: null },
        { figure: `spawn → watch at Plex, ${PLAYERS} at once`, target: '—', result: `${p(many.toWatch)} (p50 ratio ${ratio(many.toWatch, one.toWatch)})`, pass: null },
        { figure: 'spawn → mpv exit, 1 mpv', target: '—', result: p(one.toExit), pass: null },
        { figure: `spawn → mpv exit, ${PLAYERS} at once`, target: '—', result: `${p(many.toExit)} (p50 ratio ${ratio(many.toExit, one.toExit)})`, pass: null },
        { figure: `round wall time, 1 / ${PLAYERS} at once (p50)`, target: '—', result: `${ms(percentile(wall(1), 50))} / ${ms(percentile(wall(PLAYERS), 50))}`, pass: null },
        { figure: 'watches lost (viewCount 0)', target: '0', result: `${lost} of ${watches.length}`, pass: lost === 0 },
        { figure: 'watches doubled (viewCount > 1)', target: '0', result: `${doubled} of ${watches.length}`, pass: doubled === 0 },
        { figure: 'watch history length', target: String(watches.length), result: String(history), pass: history === watches.length },
        { figure: 'left in the outbox / spool after the last sync', target: '0 / 0', result: `${left} / ${spooled}`, pass: left === 0 && spooled === 0 },
        { figure: 'mpv exits other than 0', target: '0', result: String(badExits), pass: badExits === 0 },
        { figure: 'helper left on its own after the last mpv', target: `within ${HELPER_EXIT_WAIT_MS / 1000} s`, result: lingered ? 'no (stopped by SIGTERM)' : 'yes', pass: !lingered },
      ],
    );
  } finally {
    if (keep) {
      killHelpers(world.dir);
      await world.plex.stop();
      console.log(`kept ${world.dir} (helper log, outbox, spool) for a look`);
    } else {
      await world.cleanup();
    }
  }
}

await main();
