// `npm run bench`: every bench of issue 10 point 10, one after another, each in its own Node
// process so one's leftovers (timers, sockets, heap) cannot weigh on the next. Each prints its
// own table; this exits 1 when any of them missed a target or failed.
//
// The sizes come from the environment as each bench reads it (BENCH_SAMPLES, BENCH_PUTS,
// BENCH_RUNS, BENCH_BACKLOG, ...); BENCH_ONLY=threshold,backlog runs a subset.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCHES = [
  { name: 'quit', file: 'quit-time.js' },
  { name: 'outbox', file: 'outbox-write.js' },
  { name: 'threshold', file: 'threshold-latency.js' },
  { name: 'backlog', file: 'backlog.js' },
  { name: 'footprint', file: 'footprint.js' },
  { name: 'players', file: 'many-players.js' },
  { name: 'endless', file: 'endless-listing.js' },
  { name: 'quit-load', file: 'quit-during-load.js' },
  { name: 'first-frame', file: 'first-frame.js' },
  { name: 'service', file: 'service-rss.js' },
  { name: 'library', file: 'big-library.js' },
  { name: 'menu', file: 'menu-page.js' },
] as const;

const only = process.env['BENCH_ONLY']?.split(',').map((name) => name.trim()).filter(Boolean);
const unknown = only?.filter((name) => !BENCHES.some((bench) => bench.name === name)) ?? [];
if (unknown.length > 0) throw new TypeError(`BENCH_ONLY names no bench: ${unknown.join(', ')} (known: ${BENCHES.map((b) => b.name).join(', ')})`);

const here = dirname(fileURLToPath(import.meta.url));
const outcomes: string[] = [];
for (const bench of BENCHES) {
  if (only && !only.includes(bench.name)) continue;
  console.log(`\n=== ${bench.name}: node ${join('dist', 'bench', bench.file)}`);
  const run = spawnSync(process.execPath, [join(here, bench.file)], { stdio: 'inherit' });
  const verdict = run.status === 0 ? 'met its targets' : `missed a target or failed (exit ${run.status ?? run.signal})`;
  outcomes.push(`${bench.name}: ${verdict}`);
  if (run.status !== 0) process.exitCode = 1;
}
console.log(`\n=== summary\n${outcomes.join('\n')}`);
