// `mpv-plex-sync demo`: the whole product against the bundled Plex test double (see demo/demo.ts).
import type { Command } from 'commander';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('play a generated clip in mpv against a bundled Plex test double, and show what Plex recorded')
    .action(async () => {
      // The demo sets process.exitCode itself. Its path is relative to the built file.
      await import(new URL('../../../demo/demo.js', import.meta.url).href);
    });
}
