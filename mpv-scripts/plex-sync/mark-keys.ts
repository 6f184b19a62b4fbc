// What a press of mark-watched or mark-unwatched does: the message for the helper, or the reason
// on the OSD why there is nothing to mark. Pure (no `mp`): main.ts binds the keys and acts on
// the answer, and unit tests call it directly. The helper confirms a mark on the OSD once Plex
// has it (or says it is queued), so the script says nothing when it sends.

import type { MarkPayload } from '../../src/protocol/messages.js';
import type { Playback } from './playback.js';

/** The binding names: `script-binding plex_sync/mark-watched`, and in input.conf. */
export const MARK_WATCHED = 'mark-watched';
export const MARK_UNWATCHED = 'mark-unwatched';

export type MarkAction = { readonly send: MarkPayload } | { readonly osd: string };

/**
 * @param pb the playing file, or null between files.
 * @param helperGone the helper does not answer (HelperLink.isGone): a mark sent now would be lost.
 */
export function markAction(pb: Playback | null, watched: boolean, helperGone: boolean): MarkAction {
  if (!pb) return { osd: 'Plex sync: nothing is playing — nothing to mark' };
  if (pb.status === 'ignored') return { osd: 'Not a Plex item: nothing to mark' };
  if (pb.status !== 'plex') return { osd: 'Plex sync: the item is not known to Plex yet — nothing marked' };
  if (helperGone) return { osd: 'Plex sync: the helper is not responding — nothing marked' };
  return { send: { playbackId: pb.id, watched: watched } };
}

/** The OSD line for a mark no helper took in time: plain that Plex does not have it. */
export function markNotSentLine(watched: boolean, why: string): string {
  return 'Plex sync: ' + why + ' — mark ' + (watched ? 'watched' : 'unwatched') + ' was NOT sent to Plex; press it again later';
}
