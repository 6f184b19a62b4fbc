// Makes sure mpv listens on an IPC socket, because that socket is the helper's only way in.
// A socket the user configured is used as it is; otherwise one is made in a private directory.

import { MAX_SOCKET_PATH_BYTES, socketPath, utf8Length } from './paths.js';
import { makePrivateDir } from './subprocess.js';

/** Group and other permission bits: a socket directory with any of them set is not private. */
const NOT_PRIVATE_BITS = 0x3f;

export interface IpcSocket {
  readonly path: string;
  /** True when this script set input-ipc-server, so it also removes the socket file at exit. */
  readonly ours: boolean;
}

/** Returns the socket mpv listens on, or null (logged) when there can be none. */
export function ensureIpcSocket(runtimeDir: string): IpcSocket | null {
  const configured = mp.get_property('input-ipc-server');
  if (configured) return { path: mp.utils.get_user_path(configured), ours: false };

  const path = socketPath(runtimeDir, mp.utils.getpid());
  if (utf8Length(path) > MAX_SOCKET_PATH_BYTES) {
    mp.msg.error('socket path ' + path + ' is too long for a unix socket; set runtime_dir to a shorter directory');
    return null;
  }
  if (!makePrivateDir(runtimeDir)) {
    mp.msg.error('could not create the socket directory ' + runtimeDir);
    return null;
  }
  // mkdir -m does not change a directory that already existed, perhaps someone else's.
  const info = mp.utils.file_info(runtimeDir);
  if (!info || !info.is_dir || (info.mode & NOT_PRIVATE_BITS) !== 0) {
    mp.msg.error('socket directory ' + runtimeDir + ' is not private (mode 0700); not opening a socket there');
    return null;
  }
  // mpv binds asynchronously; the helper retries its connect until the socket is there.
  if (!mp.set_property('input-ipc-server', path)) {
    mp.msg.error('could not set input-ipc-server: ' + mp.last_error());
    return null;
  }
  mp.msg.verbose('IPC socket: ' + path);
  return { path: path, ours: true };
}
