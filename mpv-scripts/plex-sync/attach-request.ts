// Asks a helper that is already running to attach to this mpv, without starting a process.
// Every process mpv starts is a fork of mpv, and after a fork each page of mpv's memory is
// copy-on-write: mpv then pays a page fault for each page it writes, most of them while it frees
// everything at quit (BENCHMARKS.md). An empty file in the helper's request directory costs none
// of that (src/helper/attach-requests.ts takes it).

import { attachRequestsDir, controlSocketPath, utf8Length } from './paths.js';

/** NAME_MAX on Linux. */
const MAX_FILE_NAME_BYTES = 255;

/**
 * Leaves the request when a helper seems to run (its control socket is there); returns whether
 * it did. A helper killed without cleanup leaves its socket behind, so a true answer is only a
 * hope: the caller starts the helper after all if none answers soon.
 */
export function requestAttach(helperRuntimeDir: string, socketPath: string): boolean {
  if (!mp.utils.file_info(controlSocketPath(helperRuntimeDir))) return false;
  const dir = attachRequestsDir(helperRuntimeDir);
  const info = mp.utils.file_info(dir);
  if (!info || !info.is_dir) return false;
  const name = encodeURIComponent(socketPath);
  if (utf8Length(name) > MAX_FILE_NAME_BYTES) return false;
  try {
    mp.utils.write_file('file://' + dir + '/' + name, '');
  } catch (error) {
    mp.msg.verbose('could not ask the running helper: ' + String(error));
    return false;
  }
  return true;
}
