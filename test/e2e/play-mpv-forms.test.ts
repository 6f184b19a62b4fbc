// Review (issue 11): play talks to mpv over IPC, and mpv 0.38 changed loadfile (an `index`
// argument before the options). A stand-in mpv (a small Node program speaking mpv's JSON IPC)
// plays the newer mpv here, since the machine has mpv 0.35: it answers command-list as mpv 0.38
// does, records each loadfile, and refuses one whose options are in the index slot.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, runCli, TOKEN, type World } from '../support/session.js';
import { addShow } from '../support/shows.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

/**
 * A stand-in for mpv: `mode` 'mpv038' takes loadfile with an index, 'refuse' takes none, and
 * 'refuse-second' refuses the second loadfile only (and quits once a third is in).
 */
function fakeMpv(mode: 'mpv038' | 'refuse' | 'refuse-second'): { binary: string; log: string } {
  const binary = join(world.dir, `fake-mpv-${mode}`);
  const log = join(world.dir, `fake-mpv-${mode}.log`);
  writeFileSync(
    binary,
    `#!${process.execPath}
const net = require('node:net');
const fs = require('node:fs');
const socketPath = process.argv.find((arg) => arg.startsWith('--input-ipc-server=')).slice('--input-ipc-server='.length);
const log = (line) => fs.appendFileSync(${JSON.stringify(log)}, line + '\\n');
const loadfileArgs = ['url', 'flags', 'index', 'options'].map((name) => ({ name, type: 'String', optional: name !== 'url' }));
let loadfiles = 0;
const server = net.createServer((socket) => {
  let buffer = '';
  socket.on('data', (chunk) => {
    buffer += chunk;
    let at;
    while ((at = buffer.indexOf('\\n')) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      let message;
      try { message = JSON.parse(line); } catch { continue; }
      const command = Array.isArray(message.command) ? message.command : [];
      const answer = (error, data) => socket.write(JSON.stringify({ request_id: message.request_id, error, data }) + '\\n');
      if (command[0] === 'get_property' && command[1] === 'command-list') answer('success', [{ name: 'loadfile', args: loadfileArgs, vararg: false }]);
      else if (command[0] === 'loadfile') {
        log(JSON.stringify(command));
        loadfiles += 1;
        if (${JSON.stringify(mode)} === 'refuse-second') {
          answer(loadfiles === 2 ? 'invalid parameter' : 'success', loadfiles === 2 ? undefined : { playlist_entry_id: loadfiles });
          if (loadfiles === 3) setTimeout(() => process.exit(0), 300);
        } else if (${JSON.stringify(mode)} === 'mpv038' && command.length === 5 && /^-?\\d+$/.test(command[3])) {
          answer('success', { playlist_entry_id: 1 });
          setTimeout(() => process.exit(0), 300);
        } else answer('invalid parameter');
      } else if (command[0] === 'quit') {
        answer('success', null);
        setTimeout(() => process.exit(Number(command[1] ?? 0)), 50);
      } else answer('success', null);
    }
  });
  socket.on('error', () => undefined);
});
server.listen(socketPath);
// A real mpv with --idle=once and nothing loaded waits for ever; this one gives up after 20 s.
setTimeout(() => { log('idle timeout'); process.exit(99); }, 20000).unref();
`,
  );
  chmodSync(binary, 0o755);
  return { binary, log };
}

describe('play with the loadfile of mpv 0.38', () => {
  it('puts the entry options after the index, so the item loads', async () => {
    world.addMovie('101');
    const mpv = fakeMpv('mpv038');
    const run = await runCli(world, ['play', '101'], { MPV_BINARY: mpv.binary });
    await helpersGone(world);
    const loads = readFileSync(mpv.log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[]);
    expect(run.code).toBe(0);
    expect(loads).toHaveLength(1);
    expect(loads[0]?.[1]).toMatch(/\/library\/parts\/\d+\/\d+\/[^/]+$/);
    expect(loads[0]?.[2]).toBe('append-play');
    expect(loads[0]?.[3]).toBe('-1');
    expect(loads[0]?.[4]).toMatch(/^force-media-title=/);
  });

  it('says so and exits 1 when mpv takes no entry, instead of leaving an idle mpv waiting', async () => {
    world.addMovie('101');
    const mpv = fakeMpv('refuse');
    const started = Date.now();
    const run = await runCli(world, ['play', '101'], { MPV_BINARY: mpv.binary });
    await helpersGone(world);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('mpv-plex-sync: mpv did not take the item: invalid parameter');
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('says on one line which entry of a --next list mpv refused, and still loads the ones after it', async () => {
    addShow(world);
    const mpv = fakeMpv('refuse-second');
    const run = await runCli(world, ['play', '511', '--next', '2'], { MPV_BINARY: mpv.binary });
    await helpersGone(world);
    const loads = readFileSync(mpv.log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[]);
    expect(loads.map((load) => /\/library\/parts\/(\d+)\//.exec(load[1] ?? '')?.[1])).toEqual(['5110', '5120', '5210']);
    expect(run.stderr).toContain("mpv-plex-sync: mpv did not take 1 of 3 entries, left out: item 512 'The Show · S01E02 · Part 2, the start' (invalid parameter)\n");
    expect(run.stderr.split('\n').filter((line) => line.includes('did not take'))).toHaveLength(1);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });
});
