// Makes sure mpv listens on an IPC socket, because that socket is the helper's only way in.
// A socket the user configured is used as it is; otherwise one is made in a private directory.
// mpv leaves the file behind when it exits; the helper removes it (src/helper/left-sockets.ts),
// since a process started here at quit would fork mpv at its busiest (attach-request.ts).

import { MAX_SOCKET_PATH_BYTES } from '../../src/protocol/messages.js';
import { shortRuntimeDir } from '../../src/protocol/runtime-dir.js';
import { socketPath, utf8Length } from './paths.js';
import { makePrivateDir } from './subprocess.js';

/** Group and other permission bits: a socket directory with any of them set is not private. */
const NOT_PRIVATE_BITS = 0x3f;

function getenv(name: string): string | undefined {
  return mp.utils.getenv(name);
}

/** Returns the path of the socket mpv listens on, or null (logged) when there can be none. */
export function ensureIpcSocket(runtimeDir: string): string | null {
  const configured = mp.get_property('input-ipc-server');
  if (configured) return mp.utils.get_user_path(configured);

  const path = socketPath(runtimeDir, mp.utils.getpid());
  if (mp.utils.getenv('XDG_RUNTIME_DIR') && runtimeDir === shortRuntimeDir(getenv)) {
    mp.msg.verbose('socket paths under XDG_RUNTIME_DIR (or runtime_dir) would be too long; using ' + runtimeDir);
  }
  if (utf8Length(path) > MAX_SOCKET_PATH_BYTES) {
    mp.msg.error('socket path ' + path + ' is too long for a unix socket; set runtime_dir to a shorter directory');
    return null;
  }
  // Only when it is missing: a running helper has made it, and mkdir would be a fork of mpv.
  if (!mp.utils.file_info(runtimeDir) && !makePrivateDir(runtimeDir)) {
    mp.msg.error('could not create the socket directory ' + runtimeDir);
    return null;
  }
  // mkdir -m does not change a directory that already existed, perhaps someone else's. Its owner
  // cannot be read from mpv's JS; another user's dir of mode 0700 takes no socket of ours (mpv's
  // bind fails), and the helper, which can, checks the owner too (src/config/private-dir.ts).
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
  return path;
}
