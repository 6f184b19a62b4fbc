// `mpv-plex-sync demo`: the whole product against the bundled Plex test double (see demo/demo.ts).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { packageRoot } from '../context.js';
import { examplesText } from '../examples.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('play a generated clip in mpv against a bundled Plex test double, and show what Plex recorded')
    .addHelpText(
      'after',
      examplesText([
        ['mpv-plex-sync demo', 'with a window when there is a display'],
        ['DISPLAY= WAYLAND_DISPLAY= mpv-plex-sync demo', 'headless, with no window'],
      ]),
    )
    .action(async () => {
      // The demo sets process.exitCode itself. Loaded from dist/demo, outside the CLI's bundle.
      await import(pathToFileURL(join(packageRoot, 'dist', 'demo', 'demo.js')).href);
    });
}
