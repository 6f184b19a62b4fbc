// Endless-listing benchmark (issue 18, item 1): a server whose section listing and allLeaves
// claim totalSize 10^12 and send the same 100 items on every page. The built PlexClient reads
// each listing in a child process of its own, so that its memory is measured alone; the figures
// are the requests the server saw and the child's peak RSS (VmHWM, Linux), for at most
// BENCH_DEADLINE_S seconds per listing (a client without bounds never ends, and is killed then).
//
//   npm run build && node dist/bench/endless-listing.js
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { report, type Row } from './report.js';

const DEADLINE_S = Number(process.env['BENCH_DEADLINE_S'] ?? 30);
const TOKEN = 'bench-token-endless';

/** A listing item about as large as a real one with its media and part (about 1 KiB of JSON). */
function item(n: number): Record<string, unknown> {
  return {
    ratingKey: String(n),
    key: `/library/metadata/${n}`,
    type: 'episode',
    title: `Episode ${n}`,
    grandparentTitle: 'A Show With A Long Enough Title',
    summary: 'x'.repeat(600),
    duration: 1_440_000,
    Media: [{ id: n, duration: 1_440_000, videoResolution: '1080', Part: [{ id: n, key: `/library/parts/${n}/1/file.mkv`, file: `/data/tv/Show/S01E${n}.mkv`, size: 1_234_567_890 }] }],
  };
}
const PAGE = JSON.stringify({ MediaContainer: { size: 100, totalSize: 1e12, Metadata: Array.from({ length: 100 }, (_, index) => item(index + 1)) } });

interface Figures {
  readonly requests: number;
  readonly peakRssMiB: number;
  readonly seconds: number;
  readonly outcome: string;
}

async function measure(listing: 'sectionItems' | 'allLeaves'): Promise<Figures> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests += 1;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientModule = pathToFileURL(join(import.meta.dirname, '..', 'src', 'plex', 'client.js')).href;
  const call = listing === 'sectionItems' ? "client.sectionItems('1', 4)" : "client.allLeaves('9')";
  const code = `
    const { PlexClient } = await import(${JSON.stringify(clientModule)});
    const client = new PlexClient({ serverUrl: ${JSON.stringify(url)}, token: ${JSON.stringify(TOKEN)}, clientIdentifier: 'bench-endless' });
    const items = await ${call};
    process.stdout.write(String(items.length));`;
  const started = Date.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  let peakKiB = 0;
  const sample = (): void => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
    } catch {
      // The child has gone; its last sample stands.
    }
  };
  const sampler = setInterval(sample, 100);
  const killer = setTimeout(() => {
    sample();
    child.kill('SIGKILL');
  }, DEADLINE_S * 1000);
  const exit = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  clearInterval(sampler);
  clearTimeout(killer);
  const seconds = (Date.now() - started) / 1000;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const outcome = exit === 0 ? `ended, ${out} items` : `killed after ${DEADLINE_S} s, still reading`;
  return { requests, peakRssMiB: Math.round(peakKiB / 1024), seconds: Math.round(seconds * 10) / 10, outcome };
}

const rows: Row[] = [];
for (const listing of ['sectionItems', 'allLeaves'] as const) {
  const figures = await measure(listing);
  rows.push(
    { figure: `${listing}: requests`, target: '≤ 3', result: String(figures.requests), pass: figures.requests <= 3 },
    { figure: `${listing}: peak RSS of the reading process`, target: '< 150 MiB', result: `${figures.peakRssMiB} MiB`, pass: figures.peakRssMiB < 150 },
    { figure: `${listing}: outcome`, target: 'ends', result: `${figures.outcome} (${figures.seconds} s)`, pass: figures.outcome.startsWith('ended') },
  );
}
report('Endless listing (totalSize 10^12, the same 100 items on every page)', rows);
