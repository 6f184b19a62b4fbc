// Times as commands show them: short and relative ("3 min ago", "in 2 h"), since what matters
// about a queued sync is how long it has waited and how soon it is tried again.

/** A duration in the largest unit that keeps it short: `45 s`, `12 min`, `5 h`, `3 d`. */
function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

/** How long ago `at` was. */
export function formatAgo(at: number, now = Date.now()): string {
  return `${formatDuration(now - at)} ago`;
}

/** When something due at `at` happens: `in 4 min`, or `now` when it is due already. */
export function formatDue(at: number, now = Date.now()): string {
  return at <= now ? 'now' : `in ${formatDuration(at - now)}`;
}

/** Local date and time to the second, for lists: `2026-01-02 13:04:05`. */
export function formatClock(at: number): string {
  const date = new Date(at);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
