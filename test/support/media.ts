// Generated media for end-to-end tests: real files made by ffmpeg, cached per run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CACHE_DIR = join(tmpdir(), 'mpv-plex-sync-test-media');

/** A clip of `seconds` with video and audio; mpv at --speed=10 plays 20 s in about 2 s. */
export function makeClip(seconds = 20): string {
  mkdirSync(CACHE_DIR, { recursive: true });
  const file = join(CACHE_DIR, `clip-${seconds}s.mkv`);
  if (existsSync(file)) return file;
  const partial = `${file}.part-${process.pid}.mkv`;
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=64x48:rate=5`,
    '-f', 'lavfi', '-i', `sine=duration=${seconds}:sample_rate=8000`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '5', '-c:a', 'aac', '-b:a', '16k', '-shortest',
    partial,
  ]);
  execFileSync('mv', [partial, file]);
  return file;
}
