// Waiting for work with a deadline: mpv's quit waits for a playback's last sends until then, and
// not a moment longer, whatever Plex or a lookup does.

/** True when `work` settles by `deadline` (epoch ms), false when the deadline comes first. */
export async function settlesBy(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
    timer.unref();
  });
  try {
    // A failure of `work` is its caller's to hear, as before there was a deadline.
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
