// The resident helper's memory (issue 20 point 2): `mpv-plex-sync serve`, as the systemd unit
// runs it, serving BENCH_RUNS (default 30) real mpv playbacks one after another (ten items, each
// played past its mark), then BENCH_RSS_SETTLE_S (default 5) s of quiet: its VmRSS must stay under
// the footprint bench's 80 MB, since it never exits. Its peak (VmHWM) is printed beside it.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { HELPER_NODE_FLAGS, helperCommandFor } from '../src/install/installer.js';
import { startPlexDouble } from '../test/plex-double/index.js';
import { makeClip } from '../test/support/media.js';
import { BIN, SCRIPT } from '../test/support/session.js';
import { report } from './report.js';
import { makeBenchWorld } from './world.js';

const TOKEN = 'bench-token-service';
const RUNS = Number(process.env['BENCH_RUNS'] ?? 30);
const SETTLE_SECONDS = Number(process.env['BENCH_RSS_SETTLE_S'] ?? 5);
const RSS_TARGET_MB = 80;
const ITEMS = 10;

function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rssMb: mb('VmRSS'), peakMb: mb('VmHWM') };
}

async function main(): Promise<void> {
  const clip = makeClip(20);
  const double = await startPlexDouble({ token: TOKEN, latencyMs: 5 });
  double.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data'] });
  for (let i = 0; i < ITEMS; i += 1) {
    double.addItem({ ratingKey: String(101 + i), type: 'movie', title: `Clip ${i}`, sectionKey: '1', durationMs: 20_000, partId: 1010 + i * 10, file: `/data/c${i}.mkv`, mediaPath: clip });
  }
  const { dir, env } = makeBenchWorld(double.url, TOKEN);
  // As the unit starts it: node with the helper's flags, the CLI, `serve`.
  const served = spawn(process.execPath, [...HELPER_NODE_FLAGS, BIN, 'serve'], { env, stdio: 'ignore' });
  const pid = served.pid ?? 0;
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const started = memoryOf(pid);
    const helper = helperCommandFor(process.execPath, BIN).command;
    for (let run = 0; run < RUNS; run += 1) {
      const url = `${double.partUrl(String(101 + (run % ITEMS)))}?X-Plex-Token=${TOKEN}`;
      await new Promise((resolve) => {
        const mpv = spawn('mpv', ['--no-config', '--vo=null', '--ao=null', '--speed=20', '--start=15', `--script=${SCRIPT}`, `--script-opts=plex-sync-helper=${helper}`, url], { env, stdio: 'ignore' });
        mpv.on('exit', resolve);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
    const after = memoryOf(pid);
    const counted = Array.from({ length: ITEMS }, (_, i) => double.item(String(101 + i)).viewCount).reduce((sum, count) => sum + count, 0);
    const mb = (value: number) => `${value.toFixed(1)} MB`;
    report(`the resident helper (serve) over ${RUNS} playbacks`, [
      { figure: `serve RSS after ${RUNS} playbacks and ${SETTLE_SECONDS} s of quiet`, target: `< ${RSS_TARGET_MB} MB`, result: `${mb(after.rssMb)} (peak ${mb(after.peakMb)})`, pass: after.rssMb < RSS_TARGET_MB },
      { figure: '    RSS right after it started', target: '—', result: mb(started.rssMb), pass: null },
      { figure: '    watches counted (one per playback)', target: `${RUNS}`, result: String(counted), pass: counted === RUNS },
      { figure: '    still running (no idle exit)', target: 'yes', result: served.exitCode === null ? 'yes' : 'no', pass: served.exitCode === null },
    ]);
  } finally {
    served.kill('SIGTERM');
    await double.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
