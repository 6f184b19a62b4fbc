// Makes docs/images/plex-menu.png: the real mpv under Xvfb (xvfb-run, --vo=x11) with the built
// script and helper against the Plex test double, the Plex menu open on the playing show's
// episodes. Run after `npm run build`:
//
//   node scripts/menu-screenshot.mjs
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, ROOT, SCRIPT, createWorld, waitFor, withToken } from '../dist/test/support/session.js';
import { MpvIpc } from '../dist/test/support/mpv-ipc.js';
import { addShow } from '../dist/test/support/shows.js';
import { helperCommandFor } from '../dist/src/install/installer.js';

const out = join(ROOT, 'docs', 'images', 'plex-menu.png');
const world = await createWorld();
let mpv = null;
try {
  world.addMovie('102', { title: 'Big Buck Bunny', year: 2008, viewOffset: 6_000, lastViewedAt: 1_700_000_000 });
  addShow(world, { episodeTitles: { '511': 'Pilot', '512': 'The Long Way Round', '521': 'Homecoming', '522': 'Night Shift', '523': 'Finale' } });
  world.plex.markWatchedElsewhere('511');
  world.plex.reportFromOtherDevice('512', 8_000);
  const socket = join(world.dir, 'shot.sock');
  const helper = helperCommandFor(process.execPath, BIN).command;
  let log = '';
  mpv = spawn(
    'xvfb-run',
    [
      '-a', '-s', '-screen 0 1280x720x24',
      'mpv', '--no-config', '--vo=gpu', '--gpu-context=x11egl', '--ao=null', '--geometry=1280x720', '--keep-open=yes', '--pause',
      `--script=${SCRIPT}`, `--script-opts=plex-sync-helper=${helper}`, `--input-ipc-server=${socket}`,
      '--msg-level=all=info,plex_sync=debug',
      withToken(world.plex.partUrl('521')),
    ],
    // A group of its own: xvfb-run, Xvfb and mpv end together if this script fails.
    { env: world.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  mpv.stdout.on('data', (chunk) => (log += chunk));
  mpv.stderr.on('data', (chunk) => (log += chunk));
  process.on('exit', () => mpv.exitCode === null && process.kill(-mpv.pid, 'SIGKILL'));
  const step = (what, check, ms) => waitFor(what, check, ms).catch((error) => {
    console.error(log.split('\n').slice(-30).join('\n'));
    throw error;
  });
  await step('the script to know the item', () => log.includes(' is plex'), 30_000);
  // The helper's "Plex: <title>" line passes first: the picture is of the menu alone.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const ipc = await MpvIpc.open(socket);
  await ipc.command('seek', '6', 'absolute');
  await ipc.command('script-binding', 'plex_sync/menu');
  await step('Continue Watching', () => log.includes('menu: continue page'), 10_000);
  await ipc.command('keypress', 'RIGHT');
  await step('the episodes', () => log.includes('menu: episodes page'), 10_000);
  await ipc.command('keypress', 'DOWN');
  // A moment for the window to show the last drawing.
  await new Promise((resolve) => setTimeout(resolve, 700));
  await ipc.command('screenshot-to-file', out, 'window');
  console.log(`wrote ${out}`);
  await ipc.command('quit');
  ipc.close();
  await new Promise((resolve) => (mpv.exitCode === null ? mpv.on('exit', resolve) : resolve()));
} finally {
  await world.cleanup();
}
