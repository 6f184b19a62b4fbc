import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The end-to-end files that take longest, longest first (seconds per file from
 * `vitest --reporter=json`, issue 17). They start first so that no long file is left running
 * alone at the end; on a clean clone vitest has no timings of its own to order by.
 */
const LONGEST_FIRST = [
  'frozen-helper',
  'resume',
  'login',
  'helper-crash',
  'play',
  'faults',
  'script-load',
  'skip',
  'watch-rule',
  'watch',
  'keys',
  'told',
  'robustness',
  'redaction',
].map((name) => `/test/e2e/${name}.test.ts`);

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const known = LONGEST_FIRST.findIndex((suffix) => file.moduleId.endsWith(suffix));
      if (known >= 0) return known;
      // The other end-to-end files next, and the unit tests (seconds in all) last, to fill the gaps.
      return file.moduleId.includes('/test/e2e/') ? LONGEST_FIRST.length : LONGEST_FIRST.length + 1;
    };
    // Within a rank, vitest's own order (its cached timings, or file size).
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests run real mpv processes and time real playback. Most of their time is
    // spent waiting (playback at speed 1 to 10, quit holds, request timeouts): on two cores the
    // whole suite used under half a core with two workers. Three keep both cores busy without
    // stretching the timings the tests assert.
    maxWorkers: 3,
    // Threads start much faster than forks (the unit files take 20 s instead of 31 s), and every
    // end-to-end process is a child process of its own either way.
    pool: 'threads',
    testTimeout: 60_000,
    hookTimeout: 30_000,
    sequence: { sequencer: LongestFirst },
  },
});
