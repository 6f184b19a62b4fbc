// Backlog (issue 10, point 10): 10,000 queued watches flushed with `mpv-plex-sync sync` against
// a Plex double that answers after 20 ms and answers 429 (with Retry-After) past a concurrency
// limit. Figures: entries per second from the first `sync` to an empty outbox (target >= 150),
// every watch counted once (viewCount 1 per item, history of N), the 429s and whether each was
// honoured (no request for that item again before its Retry-After had passed).
//
//   npm run build && BENCH_BACKLOG=10000 node dist/bench/backlog.js
//
// BENCH_BACKLOG sets the entries (default 10,000); BENCH_LIMIT the double's concurrency limit
// (default 8: enough for a sender to reach 150 entries/s at 20 ms a request and two requests a
// watch, 8 / 40 ms = 200/s); BENCH_RETRY_AFTER its Retry-After in seconds (default 1).
//
// The outbox file is written directly, as test/support/queued.ts does for the tests. One
// `sync` sends every entry once; an entry that got a 429 stays queued with its next attempt
// after the Retry-After. The bench then runs `sync` again once the earliest of those is due,
// as the running helper's own replay would, until the outbox is empty; the waits count in the
// time, since a real backlog waits them too.
import { performance } from 'node:perf_hooks';
import { readOutboxFiles } from '../src/outbox/index.js';
import type { RecordedRequest } from '../test/plex-double/index.js';
import { queuedWatch, writeOutbox } from '../test/support/queued.js';
import { createWorld, runCli, type World } from '../test/support/session.js';
import { countFromEnv, report } from './report.js';

const ENTRIES = countFromEnv('BENCH_BACKLOG', 10_000);
const LIMIT = countFromEnv('BENCH_LIMIT', 8);
const RETRY_AFTER_S = countFromEnv('BENCH_RETRY_AFTER', 1);
const LATENCY_MS = 20;
const RATE_TARGET = 150;
/** A flush that needs more passes than this is not converging; stop and report. */
const MAX_PASSES = 20;
/** Seconds after which the bench stops waiting for entries the queue put off (backoff after a
 *  429 can grow to minutes); what is left is reported as left. BENCH_BACKLOG_MAX_S. */
const MAX_SECONDS = countFromEnv('BENCH_BACKLOG_MAX_S', 900);

/** The entries left in the outbox (snapshot and journal), with when each is due. */
function leftInOutbox(world: World): Array<{ ratingKey: string; nextAttemptAt: number }> {
  return [...readOutboxFiles(world.stateDir).entries];
}

/** Which item a request was about: the metadata read, the scrobble or a report. */
function itemOf(request: RecordedRequest): string | undefined {
  const read = /^\/library\/metadata\/([^/]+)$/.exec(request.path);
  if (read) return read[1];
  if (request.path === '/:/scrobble') return request.query['key'];
  if (request.path === '/:/timeline') return request.query['ratingKey'];
  return undefined;
}

/** 429s after which a request for the same item came back before the Retry-After had passed. */
function early429s(requests: readonly RecordedRequest[]): { total: number; early: number } {
  let total = 0;
  let early = 0;
  requests.forEach((request, index) => {
    if (request.status !== 429) return;
    total += 1;
    const key = itemOf(request);
    if (key === undefined) return;
    // `at` is arrival; the answer left LATENCY_MS later, and Retry-After counts from the answer.
    const allowedFrom = request.at + LATENCY_MS + RETRY_AFTER_S * 1000;
    const next = requests.slice(index + 1).find((later) => itemOf(later) === key);
    if (next && next.at < allowedFrom) early += 1;
  });
  return { total, early };
}

async function main(): Promise<void> {
  const world = await createWorld({ latencyMs: LATENCY_MS });
  try {
    const keys = Array.from({ length: ENTRIES }, (_, i) => String(100_000 + i));
    for (const key of keys) world.addMovie(key);
    writeOutbox(world, keys.map((key) => queuedWatch(world, key)));
    // Every path: a server's limit is per client, not per endpoint.
    world.plex.fault({ match: '/', kind: 'concurrency', limit: LIMIT, retryAfterSeconds: RETRY_AFTER_S });
    world.plex.clearRequests();

    const started = performance.now();
    const passes: string[] = [];
    let left = leftInOutbox(world);
    const giveUpAt = Date.now() + MAX_SECONDS * 1000;
    while (left.length > 0 && passes.length < MAX_PASSES) {
      const due = Math.min(...left.map((entry) => entry.nextAttemptAt));
      if (due > giveUpAt) {
        passes.push(`stopped: ${left.length} left, the next due in ${((due - Date.now()) / 1000).toFixed(0)} s`);
        break;
      }
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      const pass = await runCli(world, ['sync', '--json']);
      if (pass.code !== 0 && pass.code !== 1) throw new Error(`sync exited ${pass.code}: ${pass.stderr}`);
      passes.push(pass.stdout.trim());
      left = leftInOutbox(world);
    }
    const seconds = (performance.now() - started) / 1000;

    // Counted from what left the outbox, so a run stopped early does not flatter the rate.
    const rate = (ENTRIES - left.length) / seconds;
    const requests = world.plex.requests;
    const { total: tooMany, early } = early429s(requests);
    // The time between the first and the last request, without the CLI's start and stop: the
    // rate of sending itself.
    const sendingSeconds = requests.length > 1 ? (requests.at(-1)!.at - requests[0]!.at) / 1000 : Number.NaN;
    const views = keys.map((key) => world.plex.item(key).viewCount);
    // Never counted and no longer queued: a run stopped early leaves entries queued, not lost.
    const queued = new Set(left.map((entry) => entry.ratingKey));
    const lost = keys.filter((key, i) => views[i] === 0 && !queued.has(key)).length;
    const doubled = views.filter((count) => count > 1).length;
    const history = world.plex.history.length;
    console.log(`passes of sync: ${passes.join(' | ')}`);
    report(
      `backlog: ${ENTRIES} watches, double at ${LATENCY_MS} ms, 429 past ${LIMIT} in flight (Retry-After ${RETRY_AFTER_S} s), ${passes.length} sync passes`,
      [
        { figure: 'flush rate', target: `≥ ${RATE_TARGET} entries/s`, result: `${rate.toFixed(1)} entries/s (${seconds.toFixed(1)} s; ${(rate / RATE_TARGET).toFixed(2)} of target)`, pass: rate >= RATE_TARGET },
        { figure: 'rate while sending (first to last request)', target: '—', result: `${((ENTRIES - left.length) / sendingSeconds).toFixed(1)} entries/s (${sendingSeconds.toFixed(1)} s)`, pass: null },
        {
          figure: 'bound of one request at a time',
          target: '—',
          result: `${(1000 / (2 * LATENCY_MS)).toFixed(0)} entries/s per request in flight (2 requests a watch)`,
          pass: null,
        },
        { figure: 'requests to the double', target: '—', result: `${requests.length} (${(requests.length / ENTRIES).toFixed(2)} per entry)`, pass: null },
        { figure: 'left in the outbox', target: '0', result: String(left.length), pass: left.length === 0 },
        { figure: 'items lost (never counted, not queued)', target: '0', result: String(lost), pass: lost === 0 },
        { figure: 'items counted twice or more', target: '0', result: String(doubled), pass: doubled === 0 },
        { figure: 'watch history length (+ still queued)', target: String(ENTRIES), result: `${history} (+ ${left.length})`, pass: history === ENTRIES },
        { figure: '429s answered', target: '—', result: String(tooMany), pass: null },
        { figure: '429s not honoured (item asked again too soon)', target: '0', result: String(early), pass: early === 0 },
      ],
    );
  } finally {
    await world.cleanup();
  }
}

await main();
