// Seeded randomness for tests that try random moments: the seed is printed, and
// MPV_PLEX_SYNC_TEST_SEED replays a failing run exactly.

/** A small, well-known generator (mulberry32): numbers in [0, 1) from a 32-bit seed. */
export function seededRandom(label: string): (() => number) & { readonly seed: number } {
  const fromEnv = Number(process.env['MPV_PLEX_SYNC_TEST_SEED']);
  const seed = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31) + 1;
  console.log(`${label}: random seed ${seed} (replay with MPV_PLEX_SYNC_TEST_SEED=${seed})`);
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // The seed goes with the numbers, so a failure message can name it.
  return Object.assign(next, { seed });
}
