// Which known key a misspelled one most likely meant, so a config error can say "did you mean".
// A slip is a letter or two wrong, missing or extra; a key further than that from every known
// key was meant as something else, and a suggestion would only mislead.

/** Levenshtein distance: the fewest single-character insertions, deletions and substitutions from a to b. */
export function editDistance(a: string, b: string): number {
  // One row of the table at a time: the distances from a's first i characters to each prefix of b.
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known key nearest to `key`, or null when none is near enough to be a slip: at most a third
 * of the longer name (and at least one) apart. Case is ignored (`serverURL` means `serverUrl`);
 * of keys equally near, the first given wins.
 */
export function nearestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const allowed = Math.max(1, Math.floor(Math.max(key.length, candidate.length) / 3));
    // The distance is at least the difference in length: a huge key is not compared at all.
    if (Math.abs(key.length - candidate.length) > allowed) continue;
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= allowed && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
