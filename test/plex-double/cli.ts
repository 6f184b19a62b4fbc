// Runs the Plex double by hand, to try mpv-plex-sync without a Plex server:
//   npm run build && npm run double -- --port 32400
// It serves the library of the e2e tests (sample-library.ts) from one media file, a generated
// clip unless --media names one, and prints the base URL on stdout (only that, so a script can
// read it); what to try goes to stderr. Node 20 runs no TypeScript: this runs as built, from dist/.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeClip } from '../support/media.js';
import { seedSampleLibrary } from './sample-library.js';
import { startPlexDouble } from './server.js';
import { writeTokenFile } from './token-file.js';

const USAGE = `Usage: npm run double -- [options]
       node dist/test/plex-double/cli.js [options]

A Plex test double on 127.0.0.1: a Plex server's HTTP API, enough for mpv-plex-sync, with the
library of the e2e tests (movies 101 and 102, the latter in two versions; "The Show", 500, in
two seasons: episodes 511, 512, 521, 522, 523; intro and credits markers). It prints its URL.

Options:
  --port <n>          the port to listen on (default: a free one)
  --media <file>      the file every item plays (default: a 60 s clip made with ffmpeg or mpv)
  --token <token>     the token it takes (default: PLEX_DOUBLE_TOKEN, else a new random one,
                      printed on stderr; it is the double's, not your Plex token)
  --token-file <file> also write the token to this file (mode 0600), for login to read
  --latency-ms <n>    a delay before every answer (default: 0)
  --name <name>       the server's friendlyName (default: plex-double)
  --machine-id <id>   the server's machineIdentifier (default: one made from --port and the
                      token, so that the same double started again is the same server)
  -h, --help          this text

Then, in another terminal:
  mpv-plex-sync login --token - --server <URL> < ~/double-token.txt
                                  (started with --token-file ~/double-token.txt)
  mpv-plex-sync play 101
  mpv-plex-sync play 511 --next 2
  mpv-plex-sync play 102 --versions
`;

/** The options, or a one-line reason (exit 2): a typo here is no crash to show a trace for. */
function readOptions(): ReturnType<typeof parse> {
  try {
    return parse();
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    process.stderr.write(`plex-double: ${why}; see --help\n`);
    process.exit(2);
  }
}

function parse() {
  return parseArgs({
    options: {
      help: { type: 'boolean', short: 'h' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      port: { type: 'string', default: '0' },
      media: { type: 'string' },
      'latency-ms': { type: 'string', default: '0' },
      name: { type: 'string', default: 'plex-double' },
      'machine-id': { type: 'string' },
    },
  }).values;
}

function wholeNumber(name: string, text: string): number {
  if (!/^\d+$/.test(text)) {
    process.stderr.write(`plex-double: --${name} takes a whole number, got '${text}'\n`);
    process.exit(2);
  }
  return Number(text);
}

/**
 * The machineIdentifier: a real Plex keeps its own, and a saved server, a Plex Web link and doctor
 * know a server by it. So the double started again with the same port and token is the same
 * server; only a hash of the token goes into it, never the token.
 */
function machineIdentifier(given: string | undefined, port: number, token: string): string {
  if (given !== undefined) {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(given)) {
      process.stderr.write(`plex-double: --machine-id takes letters, digits and '-' (at most 64), got '${given}'\n`);
      process.exit(2);
    }
    return given;
  }
  return createHash('sha256').update(`plex-double machine\0${port}\0${token}`).digest('hex').slice(0, 32);
}

function probeDurationMs(path: string): number {
  try {
    const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], { encoding: 'utf8' });
    const seconds = Number(out.trim());
    if (Number.isFinite(seconds) && seconds > 0) return Math.round(seconds * 1000);
  } catch {
    // No ffprobe, or not a media file: the length of the generated clip is a guess as good as any.
  }
  return 60_000;
}

const values = readOptions();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const port = wholeNumber('port', values.port);
const latencyMs = wholeNumber('latency-ms', values['latency-ms']);
const givenToken = values.token ?? process.env['PLEX_DOUBLE_TOKEN'];
const token = givenToken ?? randomBytes(12).toString('hex');
const machineId = machineIdentifier(values['machine-id'], port, token);
const media = values.media === undefined ? makeClip(60) : resolve(values.media);
const durationMs = values.media === undefined ? 60_000 : probeDurationMs(media);

// Before the double starts: a file that cannot be written is a usage error, not a half start.
const tokenFile = values['token-file'];
if (tokenFile !== undefined) {
  try {
    writeTokenFile(resolve(tokenFile), token);
  } catch (error) {
    process.stderr.write(`plex-double: cannot write --token-file ${tokenFile}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}
const double = await startPlexDouble({ token, port, latencyMs, friendlyName: values.name, machineIdentifier: machineId });
const library = seedSampleLibrary(double, media, durationMs);

console.log(double.url);
if (tokenFile !== undefined) console.error(`plex-double: token in ${tokenFile} (the double's own; give it to login on stdin)`);
else if (givenToken === undefined) console.error(`plex-double: token ${token} (the double's own; give it to login on stdin)`);
console.error(`plex-double: movies ${library.movie} and ${library.twoVersions} (two versions), show ${library.show} (episodes ${library.episodes.join(', ')}), playing ${media}`);
console.error(`plex-double: in progress: movie ${library.states.inProgressMovie} and show ${library.states.inProgressShow}; show ${library.states.halfWatchedShow} half watched (try 'mpv-plex-sync continue')`);
console.error(`plex-double: movie ${library.movie}'s part URL is ${double.partUrl(library.movie)}; Ctrl+C stops it`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void double.stop().then(() => process.exit(0)));
}
