// Leaves a playback's facts in <state_dir>/spool/<playbackId>.json when no helper took them,
// so the next helper can still sync it. Written to a temporary name and renamed, so a reader
// never sees half a file. mp.utils.write_file buffers and does not report an error at close (a
// full disk leaves an empty file behind a write that "worked"), so a record counts as saved only
// once it is read back whole; one that is not is left as <playbackId>.json.unsaved, which the
// helper reports once it runs.

import {
  PROTOCOL_VERSION,
  type SpoolRecord,
  type StartPayload,
  type UnloadPayload,
} from '../../src/protocol/messages.js';
import { describeError } from './guard.js';
import { makePrivateDir, runSync } from './subprocess.js';

/** Where a record went: saved (read back whole), or why not. */
export type SpoolWrite = { readonly saved: true } | { readonly saved: false; readonly why: string };

/** Puts the record in `dir`, the spool dir; a failure is logged as one error and its reason returned. */
export function writeSpool(dir: string | null, start: StartPayload, last: UnloadPayload): SpoolWrite {
  const fail = (why: string): SpoolWrite => {
    mp.msg.error('cannot spool playback ' + start.playbackId + ': ' + why);
    return { saved: false, why: why };
  };
  if (dir === null) return fail('no state directory (set state_dir, or HOME)');
  if (!makePrivateDir(dir)) return fail('could not create ' + dir);
  const record: SpoolRecord = { v: PROTOCOL_VERSION, start: start, last: last, writtenAt: new Date().getTime() };
  const text = JSON.stringify(record) + '\n';
  const file = dir + '/' + start.playbackId + '.json';
  const partial = file + '.tmp';
  try {
    mp.utils.write_file('file://' + partial, text);
  } catch (e) {
    return fail(describeError(e));
  }
  if (readBack(partial) !== text) {
    // Left under a name the helper looks for, so it can say so again once it runs.
    runSync(['mv', '-f', '--', partial, file + '.unsaved']);
    return fail('the disk is full or failing: the file was not written whole');
  }
  if (!runSync(['mv', '-f', '--', partial, file])) return fail('could not rename ' + partial);
  mp.msg.verbose('spooled playback ' + start.playbackId + ' to ' + file);
  return { saved: true };
}

function readBack(path: string): string | null {
  try {
    return mp.utils.read_file(path);
  } catch (e) {
    return null;
  }
}
