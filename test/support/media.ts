// Generated media for end-to-end tests and the demo: real files, cached per machine. ffmpeg
// makes them; on a machine with only Node and mpv (an installed package's demo) mpv does.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * A clip with two audio tracks (English at ff-index 1, German at 2, the English one the
 * default) and one English subtitle track (ff-index 3, not default, so mpv starts without
 * subtitles). Needs ffmpeg.
 */
export function makeClipWithStreams(seconds = 20): string {
  mkdirSync(CACHE_DIR, { recursive: true });
  const file = join(CACHE_DIR, `clip-streams-${seconds}s.mkv`);
  if (existsSync(file)) return file;
  const subtitles = join(CACHE_DIR, `embedded-${process.pid}.srt`);
  writeFileSync(subtitles, subtitleText('embedded subtitle', seconds));
  const partial = `${file}.part-${process.pid}.mkv`;
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=64x48:rate=5`,
    '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}:sample_rate=8000`,
    '-f', 'lavfi', '-i', `sine=frequency=880:duration=${seconds}:sample_rate=8000`,
    '-i', subtitles,
    '-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:s',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '5', '-c:a', 'aac', '-b:a', '16k', '-c:s', 'srt',
    '-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=ger', '-metadata:s:s:0', 'language=eng',
    '-disposition:a:0', 'default', '-disposition:a:1', '0', '-disposition:s:0', '0',
    '-t', String(seconds), partial,
  ]);
  rmSync(subtitles, { force: true });
  renameSync(partial, file);
  return file;
}

/** An SRT subtitle file, as Plex serves a separate subtitle (`/library/streams/<id>`). */
export function makeSubtitleFile(text = 'external subtitle', seconds = 20): string {
  mkdirSync(CACHE_DIR, { recursive: true });
  const file = join(CACHE_DIR, `external-${seconds}s.srt`);
  if (!existsSync(file)) writeFileSync(file, subtitleText(text, seconds));
  return file;
}

function subtitleText(text: string, seconds: number): string {
  const end = new Date(seconds * 1000).toISOString().slice(11, 19);
  return `1\n00:00:00,000 --> ${end},000\n${text}\n`;
}
