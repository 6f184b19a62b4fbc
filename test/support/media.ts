// Generated media for end-to-end tests and the demo: real files, cached per machine. ffmpeg
// makes them; on a machine with only Node and mpv (an installed package's demo) mpv does.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CACHE_DIR = join(tmpdir(), 'mpv-plex-sync-test-media');

/** A clip of `seconds` with video and audio; mpv at --speed=10 plays 20 s in about 2 s. */
export function makeClip(seconds = 20): string {
  mkdirSync(CACHE_DIR, { recursive: true });
  const file = join(CACHE_DIR, `clip-${seconds}s.mkv`);
  if (existsSync(file)) return file;
  const partial = `${file}.part-${process.pid}.mkv`;
  if (hasCommand('ffmpeg')) encodeWithFfmpeg(partial, seconds);
  else encodeWithMpv(partial, seconds);
  renameSync(partial, file);
  return file;
}

function hasCommand(name: string): boolean {
  try {
    execFileSync(name, ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function encodeWithFfmpeg(out: string, seconds: number): void {
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=64x48:rate=5`,
    '-f', 'lavfi', '-i', `sine=duration=${seconds}:sample_rate=8000`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '5', '-c:a', 'aac', '-b:a', '16k', '-shortest',
    out,
  ]);
}

function encodeWithMpv(out: string, seconds: number): void {
  execFileSync('mpv', [
    '--no-config', '--really-quiet',
    `av://lavfi:testsrc=duration=${seconds}:size=64x48:rate=5`,
    `--audio-file=av://lavfi:sine=duration=${seconds}:sample_rate=8000`,
    `--o=${out}`, '--of=matroska', '--ovc=libx264', '--oac=aac',
  ]);
}
