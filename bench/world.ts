// Private XDG dirs and a config for one Plex server, where a bench's mpv and its helper run: the
// same for every bench, so that none of them reads the person's own config or state.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchWorld {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
}

export function makeBenchWorld(serverUrl: string, token: string, extraEnv: NodeJS.ProcessEnv = {}): BenchWorld {
  const dir = mkdtempSync(join(tmpdir(), 'mps-bench-'));
  const env = {
    PATH: process.env['PATH'],
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_STATE_HOME: join(dir, 'state'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
    MPV_PLEX_SYNC_NO_DESKTOP_NOTIFY: '1',
    ...extraEnv,
  };
  mkdirSync(join(dir, 'config', 'mpv-plex-sync'), { recursive: true });
  mkdirSync(join(dir, 'run'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'config', 'mpv-plex-sync', 'config.json'), JSON.stringify({ serverUrl, token }), { mode: 0o600 });
  return { dir, env };
}
