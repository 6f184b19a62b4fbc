// Quit time while the script holds a file's load (issue 18, item 5): from the quit (a `quit` on
// mpv's IPC socket, or SIGTERM) to the exit of the mpv process, for three cases, each the median
// of a few runs with the real mpv, the built script and the Plex double:
//  - ipc-ask: `quit` during the resume=ask question (ask_timeout=30);
//  - sigterm-frozen: SIGTERM while the load waits for a helper that never answers
//    (resume_timeout=15; the helper command is `sleep 60`), half a second into the wait;
//  - ipc-playing: `quit` while the file plays, no hold: what any quit takes, for comparison.
// Run: npm run build && node dist/bench/quit-during-load.js [case ...]
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { MpvIpc } from '../test/support/mpv-ipc.js';
import { createWorld, runMpv, waitFor, withToken } from '../test/support/session.js';

const CASES = {
  'ipc-ask': { opts: { resume: 'ask', ask_timeout: '30', resume_timeout: '15' }, ready: 'Plex: resume at 0:08?', signal: false },
  'sigterm-frozen': { opts: { helper: 'sleep 60', resume_timeout: '15' }, ready: 'plex-sync/lookup', signal: true },
  'ipc-playing': { opts: {}, ready: 'Resumed at', signal: false },
} as const;
type Case = keyof typeof CASES;
const RUNS = Number(process.env['BENCH_SAMPLES'] ?? 3);

async function once(name: Case): Promise<number> {
  const { opts, ready, signal } = CASES[name];
  const world = await createWorld();
  try {
    const url = world.addMovie('101', { viewOffset: 8000 });
    const socket = join(world.dir, 'mpv.sock');
    let quitAt = 0;
    let exitAt = 0;
    await runMpv(world, [withToken(url)], {
      speed: 1,
      args: [`--input-ipc-server=${socket}`],
      scriptOpts: { ...opts },
      timeoutMs: 60_000,
      during: (child: ChildProcess, output) => {
        child.on('exit', () => (exitAt = Date.now()));
        void (async () => {
          await waitFor(ready, () => output().includes(ready), 30_000);
          if (signal) await new Promise((resolve) => setTimeout(resolve, 500));
          quitAt = Date.now();
          if (signal) child.kill('SIGTERM');
          else (await MpvIpc.open(socket)).command('quit').catch(() => undefined);
        })().catch((error: unknown) => console.error(error));
      },
    });
    return exitAt - quitAt;
  } finally {
    await world.cleanup();
  }
}

const chosen = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(CASES)) as Case[];
for (const name of chosen) {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run += 1) times.push(await once(name));
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`${name}: median ${sorted[Math.floor(sorted.length / 2)]} ms (runs: ${times.join(', ')} ms)`);
}
