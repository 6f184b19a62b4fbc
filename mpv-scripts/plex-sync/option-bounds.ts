// The bounds of the script's numeric options. Pure (no `mp`): options.ts reads the options and
// logs what this says, and unit tests call it directly.

/**
 * Numbers that must be positive, with the largest value that still makes sense. `cut`: a value
 * above it is cut to it (and said so) rather than replaced by the default. Both load holds are
 * cut: mpv cannot be used while one is up, and a quit ends it at once (load-hold.ts) but nothing
 * else does. resume_timeout: a helper started cold (node, the config, the part index) answers
 * within a few seconds even on a busy two-core machine, and 15 s is what the end-to-end tests
 * need under load; a helper that has not answered by then is not coming. ask_timeout: 30 s is
 * ample to read one line and press a key.
 */
export const NUMBER_BOUNDS: { readonly [key: string]: { readonly max: number; readonly cut: boolean } } = {
  quit_timeout: { max: 60, cut: false },
  report_interval: { max: 3600, cut: false },
  helper_timeout: { max: 600, cut: false },
  resume_timeout: { max: 15, cut: true },
  ask_timeout: { max: 30, cut: true },
};

/** The value an option takes, and the line that says why it is not the one given (null: it is). */
export function boundedNumber(key: string, value: number, fallback: number): { readonly value: number; readonly complaint: string | null } {
  const bound = NUMBER_BOUNDS[key];
  if (bound === undefined || (value > 0 && value <= bound.max)) return { value: value, complaint: null };
  if (bound.cut && value > bound.max) {
    return { value: bound.max, complaint: 'option ' + key + '=' + value + ' is above its bound of ' + bound.max + ' s; using ' + bound.max };
  }
  return { value: fallback, complaint: 'option ' + key + '=' + value + ' must be above 0 and at most ' + bound.max + '; using ' + fallback };
}
