// A config.json that does not parse, with the token in it: the problem reaches the user by line
// and column, and no part of the token reaches the OSD, mpv's terminal, the helper's log, or
// what `status` and `doctor` print.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createWorld, helpersGone, readHelperLog, runCli, runMpv, withToken, type World } from '../support/session.js';

/** The broken file's token; shares no 6 characters with the double's token in the played URL. */
const CONFIG_TOKEN = 'Zq81xPQ7vLm2wK9rHc4B';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

function expectNoPartOfToken(text: string, where: string): void {
  for (let i = 0; i + 6 <= CONFIG_TOKEN.length; i++) expect(text, where).not.toContain(CONFIG_TOKEN.slice(i, i + 6));
}

it('names the line and column of a broken config and shows no part of the token anywhere', async () => {
  const file = join(world.env['XDG_CONFIG_HOME']!, 'mpv-plex-sync', 'config.json');
  // Single quotes, as a hand edit leaves them: JSON.parse would quote the text around them.
  writeFileSync(file, `{\n  "serverUrl": "${world.plex.url}",\n  "token": '${CONFIG_TOKEN}'\n}\n`, { mode: 0o600 });
  const url = world.addMovie('101');
  const run = await runMpv(world, [withToken(url)], { scriptOpts: { quit_timeout: '1' } });
  await helpersGone(world);
  expect(run.code).toBe(0);
  const where = 'is not valid JSON: unexpected character at line 3, column 12';
  expect(run.osd.some((line) => line.includes(where)), run.osd.join(' / ')).toBe(true);
  expect(run.log).toContain(where);
  expectNoPartOfToken(run.log, 'mpv log');
  for (const line of run.osd) expectNoPartOfToken(line, 'OSD');
  expectNoPartOfToken(readHelperLog(world), 'helper log');

  for (const args of [['status'], ['status', '--json'], ['doctor'], ['doctor', '--json']]) {
    const result = await runCli(world, args);
    expect(result.code, args.join(' ')).toBe(1);
    expect(result.stdout + result.stderr, args.join(' ')).toContain('line 3, column 12');
    expectNoPartOfToken(result.stdout + result.stderr, args.join(' '));
  }
});
