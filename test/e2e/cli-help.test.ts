// --help says what a newcomer needs: examples, the forms play takes, where the config is and the
// environment that overrides it, and the watch rule as it is (the server's, unless set).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, createWorld, runCli, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld({ withConfig: false });
});
afterEach(async () => {
  await world.cleanup();
});

describe('--help', () => {
  it('names the config file, PLEX_URL and PLEX_TOKEN, and gives examples', async () => {
    const run = await runCli(world, ['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(join(world.env['XDG_CONFIG_HOME']!, 'mpv-plex-sync', 'config.json'));
    expect(run.stdout).toContain('PLEX_URL');
    expect(run.stdout).toContain('PLEX_TOKEN');
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('mpv-plex-sync login');
    expect(run.stdout).toContain('mpv-plex-sync install');
  });

  it('stops quietly when its reader has gone (--help | head), with no stack trace', async () => {
    // `true` leaves at once, long before Node has written: every write finds the pipe closed.
    const stderr = await new Promise<string>((resolve) => {
      execFile('bash', ['-c', `"${process.execPath}" "${BIN}" --help | true; echo "status \${PIPESTATUS[0]}" >&2`], { env: world.env }, (_error, _stdout, err) => resolve(err));
    });
    expect(stderr).toBe('status 0\n');
  });

  it("says the server's own rule decides a watch unless a threshold is set, not 90 percent", async () => {
    const run = await runCli(world, ['--help']);
    expect(run.stdout).not.toContain('90 percent');
    expect(run.stdout).toMatch(/Plex server's own rule/);
  });

  it('lists the forms play takes, with an example of each', async () => {
    const run = await runCli(world, ['play', '--help']);
    expect(run.code).toBe(0);
    for (const form of ['ratingKey', '/library/metadata/', 'app.plex.tv', '/library/parts/', 'local file']) expect(run.stdout).toContain(form);
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('mpv-plex-sync play 511 --next 2');
    expect(run.stdout).toContain('mpv-plex-sync play --rating-key 101 ~/Movies/film.mkv');
    expect(run.stdout).toContain('-- --fs');
  });

  it('shows how to save a server with a token of your own', async () => {
    const run = await runCli(world, ['login', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('--token - --server http://');
  });
});
