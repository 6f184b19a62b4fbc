// Big-library benchmark (issue 19, point 3): the part index of a library of BENCH_ITEMS items
// (100,000) that the Plex double generates and serves at BENCH_LATENCY_MS (20 ms) a request.
// The index runs in a child process of its own (the helper's side), so that its memory is
// measured alone: peak RSS (resourceUsage().maxRSS) and RSS after the build. The figures: the
// build, the cache file's size, a start from that file, lookups by part id, by Plex's exact path
// and by a unique suffix (each the mean of many, timed in one loop), and the refresh that finds
// an episode added after the build.
//
//   npm run bench:library        (npm run build && node dist/bench/big-library.js)
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PlexClient } from '../src/plex/client.js';
import { PartIndex } from '../src/resolve/part-index.js';
import { GeneratedLibrary, type GeneratedItemFacts } from '../test/plex-double/generated-library.js';
import { startPlexDouble } from '../test/plex-double/server.js';
import { report, type Row } from './report.js';

const ITEMS = Number(process.env['BENCH_ITEMS'] ?? 100_000);
const LATENCY_MS = Number(process.env['BENCH_LATENCY_MS'] ?? 20);
const LOOKUPS = Number(process.env['BENCH_LOOKUPS'] ?? 20_000);
const TOKEN = 'bench-token-big-library';

/** Parent → child: where the double is and how its library was generated. */
interface Start {
  readonly kind: 'start';
  readonly url: string;
  readonly addedUntil: number;
  readonly cacheFile: string;
}
/** Child → parent: the build is done, add an episode; parent → child: its facts. */
interface Built {
  readonly kind: 'built';
}
interface Added {
  readonly kind: 'added';
  readonly episode: GeneratedItemFacts;
}
interface Figures {
  readonly kind: 'figures';
  readonly buildMs: number;
  readonly rssAfterBuildMiB: number;
  /** Heap the built index holds, after a full GC before and after. */
  readonly heldMiB: number;
  readonly cacheBytes: number;
  readonly fromCacheMs: number;
  readonly byPartIdUs: number;
  readonly byFileUs: number;
  readonly bySuffixUs: number;
  readonly refreshMs: number;
  readonly peakRssMiB: number;
}
type Message = Start | Built | Added | Figures;

const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);

/** The helper's side: builds, looks up, refreshes, and reports. */
async function child(): Promise<void> {
  const start = await nextMessage<Start>('start');
  const generated = new GeneratedLibrary({ items: ITEMS, addedUntil: start.addedUntil });
  const client = new PlexClient({ serverUrl: start.url, token: TOKEN, clientIdentifier: 'bench-big-library', timeoutMs: 30_000 });
  const index = new PartIndex({ cacheFile: start.cacheFile });
  const sections = [generated.sectionKey('movie', 0), generated.sectionKey('movie', 1), generated.sectionKey('show', 0), generated.sectionKey('show', 1)];
  const sample = (n: number): GeneratedItemFacts => {
    const key = sections[n % sections.length] as string;
    return generated.itemAt(key, (n * 7_919) % 12_000);
  };

  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let began = performance.now();
  await index.byPartId(client, String(sample(0).partId));
  const buildMs = performance.now() - began;
  const rssAfterBuildMiB = mib(process.memoryUsage().rss);
  await index.saved();
  gc();
  const heldMiB = mib(process.memoryUsage().heapUsed - heapBefore);
  const cacheBytes = statSync(start.cacheFile).size;
  // Before a second index is read from the file below, which would hold the parts twice.
  const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);

  began = performance.now();
  const fromCache = new PartIndex({ cacheFile: start.cacheFile });
  await fromCache.byPartId(client, String(sample(1).partId));
  const fromCacheMs = performance.now() - began;

  const timeEach = async (inputs: readonly string[], look: (input: string) => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    for (const input of inputs) if ((await look(input)) === null) throw new Error(`bench: ${input} was not found`);
    return ((performance.now() - started) * 1000) / inputs.length;
  };
  const items = Array.from({ length: LOOKUPS }, (_, n) => sample(n));
  const byPartIdUs = await timeEach(items.map((item) => String(item.partId)), (partId) => index.byPartId(client, partId));
  const byFileUs = await timeEach(items.map((item) => item.file), (file) => index.byFile(client, file));
  // The server's /data/<section root>/... mounted at /mnt/nas/...: one item holds the most folders.
  const bySuffixUs = await timeEach(items.map((item) => item.file.replace(/^\/data\//, '/mnt/nas/')), (file) => index.byFile(client, file));

  send({ kind: 'built' });
  const { episode } = await nextMessage<Added>('added');
  began = performance.now();
  if ((await index.byPartId(client, String(episode.partId))) !== episode.ratingKey) throw new Error('bench: the new episode was not found');
  const refreshMs = performance.now() - began;
  await index.saved();
  send({
    kind: 'figures',
    buildMs,
    rssAfterBuildMiB,
    heldMiB,
    cacheBytes,
    fromCacheMs,
    byPartIdUs,
    byFileUs,
    bySuffixUs,
    refreshMs,
    peakRssMiB,
  });
  process.disconnect?.();
}

/** The bench: the double, the child, the table. */
async function parent(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mps-bench-library-'));
  const addedUntil = Math.floor(Date.now() / 1000) - 30 * 86_400;
  const generated = new GeneratedLibrary({ items: ITEMS, addedUntil });
  const plex = await startPlexDouble({ token: TOKEN, latencyMs: LATENCY_MS, generated });
  const worker = fork(fileURLToPath(import.meta.url), ['child'], { stdio: 'inherit', execArgv: ['--expose-gc'] });
  try {
    const figures = await new Promise<Figures>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`bench: the child exited (${code}) before its figures`)));
      worker.on('message', (message: Message) => {
        if (message.kind === 'built') {
          const episode = generated.addEpisode(generated.sectionKey('show', 0), '/data/tv-1/A New Show/Season 01/S01E01.mkv');
          plex.clearRequests();
          worker.send({ kind: 'added', episode } satisfies Added);
        } else if (message.kind === 'figures') {
          resolve(message);
        }
      });
      worker.send({ kind: 'start', url: plex.url, addedUntil, cacheFile: join(dir, 'index.json') } satisfies Start);
    });
    const refreshRequests = plex.requests.length;
    const round = (value: number, digits = 1): string => value.toFixed(digits);
    const rows: Row[] = [
      { figure: `build, ${ITEMS} items at ${LATENCY_MS} ms a request`, target: '—', result: `${round(figures.buildMs / 1000, 2)} s`, pass: null },
      { figure: 'RSS of the helper side after the build', target: '—', result: `${figures.rssAfterBuildMiB} MiB`, pass: null },
      { figure: 'peak RSS of the helper side by then (maxRSS)', target: '—', result: `${figures.peakRssMiB} MiB`, pass: null },
      { figure: 'heap the built index holds (after a GC)', target: '—', result: `${figures.heldMiB} MiB`, pass: null },
      { figure: 'cache file', target: '—', result: `${round(figures.cacheBytes / 2 ** 20, 2)} MiB (${Math.round(figures.cacheBytes / ITEMS)} B a part)`, pass: null },
      { figure: 'start from the cache file (read, first lookup)', target: '—', result: `${Math.round(figures.fromCacheMs)} ms`, pass: null },
      { figure: `lookup by part id (mean of ${LOOKUPS})`, target: '< 1 ms', result: `${round(figures.byPartIdUs, 2)} µs`, pass: figures.byPartIdUs < 1_000 },
      { figure: `lookup by Plex's exact path (mean of ${LOOKUPS})`, target: '< 1 ms', result: `${round(figures.byFileUs, 2)} µs`, pass: figures.byFileUs < 1_000 },
      { figure: `lookup by a unique suffix (mean of ${LOOKUPS})`, target: '< 1 ms', result: `${round(figures.bySuffixUs, 2)} µs`, pass: figures.bySuffixUs < 1_000 },
      { figure: 'a new episode found (incremental refresh)', target: '< 2 s', result: `${Math.round(figures.refreshMs)} ms, ${refreshRequests} requests`, pass: figures.refreshMs < 2_000 },
    ];
    report(`Big library: the part index of ${ITEMS} items`, rows);
  } finally {
    worker.kill();
    await plex.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function send(message: Message): void {
  process.send?.(message);
}

function nextMessage<T extends Message>(kind: T['kind']): Promise<T> {
  return new Promise((resolve) => {
    const listen = (message: Message): void => {
      if (message.kind !== kind) return;
      process.off('message', listen);
      resolve(message as T);
    };
    process.on('message', listen);
  });
}

if (process.argv[2] === 'child') await child();
else await parent();
