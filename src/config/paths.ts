// Every place on disk the helper uses, in one module. XDG on Linux; env-paths gives each
// platform's own places elsewhere (DESIGN.md: cross-platform by design, tested on Linux).
import envPaths from 'env-paths';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { ATTACH_REQUESTS_DIR_NAME, CONTROL_SOCKET_NAME } from '../protocol/messages.js';
import { helperRuntimeDir } from '../protocol/runtime-dir.js';

const APP_NAME = 'mpv-plex-sync';

export interface AppPaths {
  /** Holds config.json (with the token, mode 0600). */
  readonly configDir: string;
  readonly configFile: string;
  /** Outbox, item index, client identifier, spool files and the log. */
  readonly stateDir: string;
  readonly outboxFile: string;
  readonly spoolDir: string;
  readonly logFile: string;
  readonly clientIdFile: string;
  readonly indexCacheFile: string;
  /** Private (0700) dir for sockets: mpv's IPC sockets and the helper's control socket. */
  readonly runtimeDir: string;
  /**
   * The dir that runtimeDir would have been, had its socket paths not been too long; null when
   * it is used. The mpv script makes the same choice (protocol/runtime-dir.ts).
   */
  readonly runtimeDirTooLong: string | null;
  readonly controlSocket: string;
  /** Where scripts ask the running helper to attach (protocol/messages.ts). */
  readonly attachRequestsDir: string;
}

/** Reads the environment at call time, so tests and child processes can point it elsewhere. */
export function appPaths(env: NodeJS.ProcessEnv = process.env): AppPaths {
  // env-paths reads process.env itself; the overrides below keep one source of truth in tests.
  const base = envPaths(APP_NAME, { suffix: '' });
  const configDir = env['XDG_CONFIG_HOME'] ? join(env['XDG_CONFIG_HOME'], APP_NAME) : base.config;
  // env-paths calls the XDG state dir "log" on Linux ($XDG_STATE_HOME/<name>).
  const stateDir = env['XDG_STATE_HOME'] ? join(env['XDG_STATE_HOME'], APP_NAME) : base.log;
  const runtime = helperRuntimeDir((name) => env[name]);
  const runtimeDir = runtime.dir;
  return {
    configDir,
    configFile: join(configDir, 'config.json'),
    stateDir,
    outboxFile: join(stateDir, 'outbox.json'),
    spoolDir: join(stateDir, 'spool'),
    logFile: join(stateDir, 'mpv-plex-sync.log'),
    clientIdFile: join(stateDir, 'client-id'),
    indexCacheFile: join(stateDir, 'part-index.json'),
    runtimeDir,
    runtimeDirTooLong: runtime.tooLong,
    controlSocket: process.platform === 'win32' ? `\\\\.\\pipe\\${APP_NAME}-${userInfo().username}` : join(runtimeDir, CONTROL_SOCKET_NAME),
    attachRequestsDir: join(runtimeDir, ATTACH_REQUESTS_DIR_NAME),
  };
}
