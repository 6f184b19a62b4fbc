// The marks pressed and not yet taken by a helper (its ack names the mark id). They are sent
// again whenever a helper names the playback's item, since a helper that attached after a crash
// knows nothing of them, and given up at their time, when the person is told they were not sent.
// Pure (no `mp`): the caller passes the time.

import type { MarkPayload } from '../../src/protocol/messages.js';

interface Pending {
  readonly mark: MarkPayload;
  /** mp.get_time() when the script gives up and says so. */
  readonly giveUpAt: number;
}

export class PendingMarks {
  /** In the order they were pressed: a resend keeps that order, as Plex must get it. */
  private marks: Pending[] = [];

  add(mark: MarkPayload, giveUpAt: number): void {
    this.marks.push({ mark: mark, giveUpAt: giveUpAt });
  }

  /** The helper took it: forgotten, and handed back (null when not waiting, e.g. a late ack). */
  acked(markId: string): MarkPayload | null {
    for (let i = 0; i < this.marks.length; i++) {
      const pending = this.marks[i] as Pending;
      if (pending.mark.markId === markId) {
        this.marks.splice(i, 1);
        return pending.mark;
      }
    }
    return null;
  }

  /** The marks of this playback still waiting, to send again. */
  toResend(playbackId: string): MarkPayload[] {
    const out: MarkPayload[] = [];
    for (let i = 0; i < this.marks.length; i++) {
      const pending = this.marks[i] as Pending;
      if (pending.mark.playbackId === playbackId) out.push(pending.mark);
    }
    return out;
  }

  /** The marks whose time has come: forgotten, and handed back once for the OSD. */
  expired(now: number): MarkPayload[] {
    const out: MarkPayload[] = [];
    const kept: Pending[] = [];
    for (let i = 0; i < this.marks.length; i++) {
      const pending = this.marks[i] as Pending;
      if (now >= pending.giveUpAt) out.push(pending.mark);
      else kept.push(pending);
    }
    this.marks = kept;
    return out;
  }

  /** Every mark of a playback, forgotten (mpv quits: nothing will resend them). */
  takeAll(playbackId: string): MarkPayload[] {
    const out = this.toResend(playbackId);
    const kept: Pending[] = [];
    for (let i = 0; i < this.marks.length; i++) {
      const pending = this.marks[i] as Pending;
      if (pending.mark.playbackId !== playbackId) kept.push(pending);
    }
    this.marks = kept;
    return out;
  }
}
