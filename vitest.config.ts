import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The end-to-end files that take longest, longest first (seconds per file from
 * a full run, issues 19 to 22). They start first so that no long file is left running
 * alone at the end; on a clean clone vitest has no timings of its own to order by.
 */
const LONGEST_FIRST = [
  'frozen-helper',
  'play',
  'resume',
  'login',
  'script-load',
  'watch',
  'faults',
  'helper-crash',
  'skip',
  'keys',
  'told',
  'robustness',
  'mark-after-crash',
  'play-newcomer',
  'menu',
  'cli-queue',
  'play-find',
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
    // spent waiting (playback at speed 1 to 10, quit holds, request timeouts): with three workers
    // the whole suite used under 0.8 of this machine's two cores (user + sys 4m17 in a 5m25 run).
    // Four took it from 325 s to 272 s (issue 19, both runs green on a quiet machine), stretching
    // the sum of the files' own times by 8 % only.
    maxWorkers: 4,
    // Threads start much faster than forks (the unit files take 20 s instead of 31 s), and every
    // end-to-end process is a child process of its own either way.
    pool: 'threads',
    testTimeout: 60_000,
    hookTimeout: 30_000,
    sequence: { sequencer: LongestFirst },
  },
});
