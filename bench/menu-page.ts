// The Plex menu's pages (issue 21, point 5): how long a warm helper takes to answer a page when
// every request to the server takes 20 ms.
//
//   npm run build && BENCH_RUNS=30 node dist/bench/menu-page.js
//
// The helper's own menu (src/menu/menu-service.ts, plexMenu: the real src/find/ reads through the
// real PlexClient and src/plex/http.ts) against the Plex double over loopback with 20 ms added to
// every answer, and the sample library (Continue Watching with items in progress and on deck, a
// show of five episodes). Warm: one answer of each page before the runs, so the kept-alive
// connections and the server's name are there, as in a helper that has served a playback. What is
// left out is mpv's IPC hop between the script and the helper (one script-message each way, well
// under a millisecond on loopback) and the drawing, which the script does on its own thread.
import pino from 'pino';
import { performance } from 'node:perf_hooks';
import { ConfigSchema } from '../src/config/config.js';
import { plexMenu } from '../src/menu/menu-service.js';
import { PlexServers } from '../src/plex/servers.js';
import type { MenuPageKind, MenuRequestPayload } from '../src/protocol/messages.js';
import { startPlexDouble } from '../test/plex-double/index.js';
import { seedSampleLibrary } from '../test/plex-double/sample-library.js';
import { ascending, countFromEnv, ms, percentile, report } from './report.js';

const RUNS = countFromEnv('BENCH_RUNS', 30);
const LATENCY_MS = 20;
const TARGET_MS = 300;
const TOKEN = 'bench-token-menu-0001';

const plex = await startPlexDouble({ token: TOKEN, latencyMs: LATENCY_MS });
try {
  seedSampleLibrary(plex, '/dev/null', 20_000);
  const servers = new PlexServers({ config: ConfigSchema.parse({ serverUrl: plex.url, token: TOKEN }), clientIdentifier: 'bench-menu-0001', version: '0.0.0' });
  const menu = plexMenu(servers, pino({ level: 'silent' }));
  // The in-progress episode of the sample library plays: the episodes page lists its show.
  const playing = { serverUrl: plex.url, user: null, ratingKey: '712', type: 'episode' };
  const pages: Array<{ readonly page: MenuPageKind; readonly query: string }> = [
    { page: 'continue', query: '' },
    { page: 'episodes', query: '' },
    { page: 'search', query: 'the show' },
  ];
  let id = 0;
  const answer = async (page: MenuPageKind, query: string): Promise<number> => {
    const request: MenuRequestPayload = { requestId: `b${++id}`, page, query, playbackId: 'bench' };
    const started = performance.now();
    const result = await menu.page(request, playing);
    const took = performance.now() - started;
    if (result.status !== 'ok' || result.rows.length === 0) throw new Error(`the ${page} page came back ${result.status} with ${result.rows.length} rows: ${result.error}`);
    return took;
  };
  for (const { page, query } of pages) await answer(page, query);
  const rows = [];
  for (const { page, query } of pages) {
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) times.push(await answer(page, query));
    const sorted = ascending(times);
    const worst = sorted[sorted.length - 1] ?? Number.NaN;
    rows.push({ figure: `${page} page, median / p95 / max (${RUNS} runs)`, target: `< ${TARGET_MS} ms`, result: `${ms(percentile(sorted, 50))} / ${ms(percentile(sorted, 95))} / ${ms(worst)}`, pass: worst < TARGET_MS });
  }
  report(`Plex menu pages from a warm helper, ${LATENCY_MS} ms server latency`, rows);
} finally {
  await plex.stop();
}
