// Outbox write time as the outbox grows: one put of a new watch (one journal line appended and
// fdatasynced) into an outbox that holds 10, 1,000 and 10,000 entries with it. Each put waits for
// the one before, so group commit does not hide any write. Figures: median, p95 and mean of the
// put, and the size of the snapshot and the journal. A compaction (a whole snapshot, once per
// max(1,000, entries) changes) falls in the mean and the p95 when one comes due during the puts.
//
//   npm run build && node dist/bench/outbox-write.js
//
// BENCH_DIR chooses where the state dirs go (default: the OS temp dir; it must be a real disk,
// not a tmpfs, or the fsyncs cost nothing). BENCH_PUTS sets the puts timed per size.
//
// Target (issue 10: "must not grow linearly"), read here as: the median put at 10,000 entries
// is under 3 times the median put at 10 (linear growth in the entries would give 1,000 times).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileOutboxStore, freshEntryBase, watchEntryId, type WatchEntry } from '../src/outbox/index.js';
import { report } from './report.js';

const SIZES = [10, 1_000, 10_000];
const PUTS = Number(process.env['BENCH_PUTS'] ?? 50);
const SERVER = 'http://plex.bench:32400';

function watch(n: number, now: number): WatchEntry {
  const playbackId = `bench-playback-${String(n).padStart(6, '0')}`;
  return {
    ...freshEntryBase(SERVER, String(1000 + n), `Some Show S01E${String(n % 100).padStart(2, '0')}`, now),
    kind: 'watch',
    id: watchEntryId(playbackId),
    playbackId,
    sessionId: playbackId,
    startedAt: now - 1_500_000,
    baselineViewCount: 0,
    positionMs: 1_400_000,
    durationMs: 1_500_000,
  };
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function measure(size: number): Promise<{ median: number; p95: number; mean: number; bytes: number }> {
  const root = mkdtempSync(join(process.env['BENCH_DIR'] ?? tmpdir(), 'mps-bench-outbox-'));
  try {
    const stateDir = join(root, 'state');
    const store = new FileOutboxStore({ stateDir });
    await store.load();
    const now = Date.now();
    // Seeded in one group commit: the seeding is not what is measured.
    await Promise.all(Array.from({ length: size - 1 }, (_, i) => store.put(watch(i, now))));
    const times: number[] = [];
    for (let i = 0; i < PUTS; i++) {
      // A new watch, as a playback queues it; taken out again (untimed), so the outbox stays
      // at `size` entries for every put.
      const entry = watch(size + i, now);
      const started = performance.now();
      await store.put(entry);
      times.push(performance.now() - started);
      await store.remove(entry.id);
    }
    const mean = times.reduce((sum, time) => sum + time, 0) / times.length;
    times.sort((a, b) => a - b);
    return { median: percentile(times, 50), p95: percentile(times, 95), mean, bytes: sizeOf(store.file) + sizeOf(store.journal) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

console.log(`outbox write time, ${PUTS} puts per size, ${process.env['BENCH_DIR'] ?? tmpdir()}`);
console.log('entries   files KiB   median ms   p95 ms   mean ms');
const medians = new Map<number, number>();
for (const size of SIZES) {
  const { median, p95, mean, bytes } = await measure(size);
  medians.set(size, median);
  console.log(`${String(size).padStart(7)}   ${(bytes / 1024).toFixed(0).padStart(9)}   ${median.toFixed(2).padStart(9)}   ${p95.toFixed(2).padStart(6)}   ${mean.toFixed(2).padStart(7)}`);
}

const growth = medians.get(10_000)! / medians.get(10)!;
report(`outbox write: ${PUTS} puts per size`, [
  { figure: 'put at 10,000 entries / put at 10', target: '< 3, not linear (linear: 1,000)', result: `${growth.toFixed(1)}×`, pass: growth < 3 },
]);
