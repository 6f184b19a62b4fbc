// Every place on disk the helper uses, in one module. XDG on Linux; platform-dirs.ts gives each
// platform's own places elsewhere (DESIGN.md: cross-platform by design, tested on Linux).
// The runtime and state dirs, and what the script finds in them, follow the rules in
// src/protocol/, which the mpv script follows too.
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { platformDir } from './platform-dirs.js';
import { APP_NAME, attachRequestsDir, controlSocketPath, helperRuntimeDir } from '../protocol/runtime-dir.js';
import { spoolDir, stateDir as sharedStateDir } from '../protocol/state-dir.js';

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

/** The home dir from the user database, which the helper falls back to without $HOME. */
function userDatabaseHome(): string | null {
  try {
    return userInfo().homedir || null;
  } catch {
    return null;
  }
}

/**
 * Reads the environment at call time, so tests and child processes can point it elsewhere.
 * `platform` is there for the tests, which check the rules of every platform on one machine.
 */
export function appPaths(env: NodeJS.ProcessEnv = process.env, platform: string = process.platform): AppPaths {
  const configDir = env['XDG_CONFIG_HOME'] ? join(env['XDG_CONFIG_HOME'], APP_NAME) : platformDir('config', env, platform);
  if (configDir === null) throw new Error('no config directory: set HOME or XDG_CONFIG_HOME (this user has no home directory)');
  const getenv = (name: string): string | undefined => env[name];
  const stateDir = sharedStateDir({ configured: '', platform, getenv, homeFallback: userDatabaseHome() });
  if (stateDir === null) throw new Error('no state directory: set HOME or XDG_STATE_HOME (this user has no home directory)');
  const runtime = helperRuntimeDir(getenv);
  const runtimeDir = runtime.dir;
  return {
    configDir,
    configFile: join(configDir, 'config.json'),
    stateDir,
    outboxFile: join(stateDir, 'outbox.json'),
    spoolDir: spoolDir(stateDir, platform),
    logFile: join(stateDir, 'mpv-plex-sync.log'),
    clientIdFile: join(stateDir, 'client-id'),
    indexCacheFile: join(stateDir, 'part-index.json'),
    runtimeDir,
    runtimeDirTooLong: runtime.tooLong,
    controlSocket: platform === 'win32' ? `\\\\.\\pipe\\${APP_NAME}-${userInfo().username}` : controlSocketPath(runtimeDir),
    attachRequestsDir: attachRequestsDir(runtimeDir),
  };
}
