// How the outbox's file modules read a file system error: its errno code to decide, its message
// to tell, cut to one short line so that a message about a damaged file stays readable.

/** Longest reason in a message (a file system error, an entry's validation issue). */
const MAX_REASON_LENGTH = 160;

export function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One line, short. */
export function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH - 1)}…` : line;
}
