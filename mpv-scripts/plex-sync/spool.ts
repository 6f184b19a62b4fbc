// Leaves a playback's facts in <state_dir>/spool/<playbackId>.json when no helper took them,
// so the next helper can still sync it. Written to a temporary name and renamed, so a reader
// never sees half a file.

import {
  PROTOCOL_VERSION,
  type SpoolRecord,
  type StartPayload,
  type UnloadPayload,
} from '../../src/protocol/messages.js';
import { describeError } from './guard.js';
import { makePrivateDir, runSync } from './subprocess.js';

/** Returns whether the record is safely in `dir`, the spool dir; a failure is logged as one error. */
export function writeSpool(dir: string | null, start: StartPayload, last: UnloadPayload): boolean {
  if (dir === null) {
    mp.msg.error('cannot spool playback ' + start.playbackId + ': no state directory (set state_dir, or HOME)');
    return false;
  }
  if (!makePrivateDir(dir)) {
    mp.msg.error('cannot spool playback ' + start.playbackId + ': could not create ' + dir);
    return false;
  }
  const record: SpoolRecord = { v: PROTOCOL_VERSION, start: start, last: last, writtenAt: new Date().getTime() };
  const file = dir + '/' + start.playbackId + '.json';
  const partial = file + '.tmp';
  try {
    mp.utils.write_file('file://' + partial, JSON.stringify(record) + '\n');
  } catch (e) {
    mp.msg.error('cannot spool playback ' + start.playbackId + ': ' + describeError(e));
    return false;
  }
  if (!runSync(['mv', '-f', '--', partial, file])) {
    mp.msg.error('cannot spool playback ' + start.playbackId + ': could not rename ' + partial);
    return false;
  }
  mp.msg.verbose('spooled playback ' + start.playbackId + ' to ' + file);
  return true;
}
