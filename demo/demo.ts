// The demo: the whole product against the bundled Plex test double, with the real mpv.
// It makes a clip with ffmpeg, serves it the way Plex does, plays it to the end (and a second
// item to half) through `mpv-plex-sync play`, and prints what Plex recorded.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveConfig } from '../src/config/config.js';
import { startPlexDouble } from '../test/plex-double/index.js';
import { makeClip } from '../test/support/media.js';
import { BIN } from '../test/support/session.js';

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function waitForHelperExit(env: NodeJS.ProcessEnv): Promise<void> {
  // The helper exits by itself once no mpv is left and nothing is queued; give it a moment.
  const { existsSync } = await import('node:fs');
  const socket = join(env['XDG_RUNTIME_DIR']!, 'mpv-plex-sync', 'helper.sock');
  for (let tries = 0; tries < 100 && existsSync(socket); tries += 1) await new Promise((resolve) => setTimeout(resolve, 100));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mpv-plex-sync-demo-'));
  const token = randomBytes(12).toString('hex');
  console.log('mpv-plex-sync demo: a Plex test double on 127.0.0.1, the real mpv, a generated clip.\n');
  const clip = makeClip(20);
  const plex = await startPlexDouble({ token, latencyMs: 20 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_STATE_HOME: join(dir, 'state'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
    MPV_PLEX_SYNC_IDLE_EXIT_MS: '300',
  };
  delete env['PLEX_URL'];
  delete env['PLEX_TOKEN'];
  mkdirSync(env['XDG_RUNTIME_DIR']!, { recursive: true, mode: 0o700 });
  try {
    plex.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
    plex.addSection({ key: '2', type: 'show', title: 'TV Shows', locations: ['/data/tv'] });
    plex.addItem({ ratingKey: '101', type: 'movie', title: 'Demo Movie', sectionKey: '1', durationMs: 20_000, partId: 1001, file: '/data/movies/Demo Movie.mkv', mediaPath: clip });
    plex.addItem({ ratingKey: '201', type: 'episode', title: 'Pilot', grandparentTitle: 'Demo Show', parentIndex: 1, index: 1, sectionKey: '2', durationMs: 20_000, partId: 2001, file: '/data/tv/Demo Show/S01E01.mkv', mediaPath: clip });
    saveConfig(join(env['XDG_CONFIG_HOME']!, 'mpv-plex-sync', 'config.json'), { serverUrl: plex.url, token });

    const headless = !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY'];
    // mpv's own terminal output (play passes it through) would bury what the demo shows.
    const mpvArgs = ['--no-config', '--ao=null', '--speed=10', '--really-quiet', ...(headless ? ['--vo=null'] : [])];
    console.log(`▶ playing 'Demo Movie' to the end${headless ? ' (headless: no display)' : ''} …`);
    await run(process.execPath, [BIN, 'play', '101', '--', ...mpvArgs], env);
    await waitForHelperExit(env);
    console.log("▶ playing 'Demo Show · S01E01 · Pilot' and stopping at half …");
    await run(process.execPath, [BIN, 'play', '201', '--', ...mpvArgs, '--end=50%'], env);
    await waitForHelperExit(env);

    console.log('\nWhat Plex recorded:');
    for (const ratingKey of ['101', '201']) {
      const item = plex.item(ratingKey);
      const offset = item.viewOffset === undefined ? '—' : `${(item.viewOffset / 1000).toFixed(1)} s`;
      const name = item.type === 'episode' ? `${item.grandparentTitle} · S01E01 · ${item.title}` : item.title;
      console.log(`  ${name.padEnd(28)} watched: ${item.viewCount > 0 ? 'yes' : 'no '}  viewCount: ${item.viewCount}  resume at: ${offset}`);
    }
    const counts = (path: string) => plex.requests.filter((request) => request.path === path).length;
    console.log(`\n  requests: ${counts('/:/timeline')} timeline reports, ${counts('/:/scrobble')} scrobbles; watches counted: ${plex.history.length}`);
    const ok = plex.item('101').viewCount === 1 && plex.item('201').viewCount === 0 && (plex.item('201').viewOffset ?? 0) > 0;
    console.log(ok ? '\n✔ Demo Movie counted watched once; the episode kept its resume point.' : '\n✘ Plex did not record what it should have.');
    process.exitCode = ok ? 0 : 1;
  } finally {
    await plex.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
