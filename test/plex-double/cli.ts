// Runs a Plex double by hand or for the demo:
//   PLEX_DOUBLE_TOKEN=T node dist/test/plex-double/cli.js --port 32400 --media clip.mkv
// It seeds one movie and one episode served from the media file and prints the base URL on
// stdout (only that, so a script can read it). The token is read from the environment unless
// given with --token, so it need not appear in a process list.

import { execFileSync } from 'node:child_process';
import { extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startPlexDouble } from './server.js';

const { values } = parseArgs({
  options: {
    token: { type: 'string' },
    port: { type: 'string', default: '0' },
    media: { type: 'string' },
    'latency-ms': { type: 'string', default: '0' },
  },
});

const token = values.token ?? process.env.PLEX_DOUBLE_TOKEN;
if (!token) {
  console.error('plex-double: no token; set PLEX_DOUBLE_TOKEN or pass --token');
  process.exit(2);
}
const media = values.media === undefined ? undefined : resolve(values.media);
const ext = media ? extname(media) || '.mkv' : '.mkv';
// Plex's duration comes from the file itself; a placeholder serves when there is no file.
const durationMs = media ? probeDurationMs(media) : 60_000;

const double = await startPlexDouble({ token, port: Number(values.port), latencyMs: Number(values['latency-ms']) });
double.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
double.addSection({ key: '2', type: 'show', title: 'TV Shows', locations: ['/data/tv'] });
double.addItem({ ratingKey: '101', type: 'movie', title: 'Clip', sectionKey: '1', durationMs, partId: 1001, file: `/data/movies/Clip${ext}`, mediaPath: media });
double.addItem({
  ratingKey: '201',
  type: 'episode',
  title: 'Pilot',
  grandparentTitle: 'Test Show',
  parentIndex: 1,
  index: 1,
  sectionKey: '2',
  durationMs,
  partId: 2001,
  file: `/data/tv/Test Show/Season 01/Test Show - s01e01${ext}`,
  mediaPath: media,
});

console.log(double.url);
console.error(`plex-double: movie 101 at ${double.partUrl('101')}, episode 201 at ${double.partUrl('201')}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void double.stop().then(() => process.exit(0)));
}

function probeDurationMs(path: string): number {
  try {
    const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], { encoding: 'utf8' });
    const seconds = Number(out.trim());
    if (Number.isFinite(seconds) && seconds > 0) return Math.round(seconds * 1000);
  } catch {
    // No ffprobe or not a media file: fall through to the placeholder.
  }
  return 60_000;
}
