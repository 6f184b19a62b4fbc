// `install` run from a path with a space (issue 9): the options file must name that very CLI,
// quoted, and the real mpv, loading the installed script by itself, must start the helper from
// it and get the watch counted.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HELPER_NODE_FLAGS } from '../../src/install/installer.js';
import { splitCommand } from '../../src/protocol/helper-command.js';
import { createWorld, helpersGone, osdLines, readHelperLog, ROOT, withToken, type World } from '../support/session.js';

const FLAGS = HELPER_NODE_FLAGS.join(' ');

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

/** A copy of the built package under a dir whose name holds a space; node_modules is shared. */
function packageCopy(): string {
  const root = join(world.dir, 'my apps', 'mpv-plex-sync');
  mkdirSync(root, { recursive: true });
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(ROOT, part), join(root, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return root;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      setTimeout(() => resolve({ code, output }), 50);
    });
  });
}

describe('install from a path with a space', () => {
  it('writes the helper path quoted, and mpv starts that helper from it and the watch counts once', async () => {
    const root = packageCopy();
    const cli = join(root, 'bin', 'mpv-plex-sync.js');
    const install = await run(process.execPath, [cli, 'install'], world.env);
    expect(install.code).toBe(0);
    const optionsFile = join(world.env['XDG_CONFIG_HOME']!, 'mpv', 'script-opts', 'plex-sync.conf');
    const line = readFileSync(optionsFile, 'utf8').split('\n').find((l) => l.startsWith('helper='));
    expect(line).toBe(`helper=${process.execPath} ${FLAGS} "${cli}"`);
    expect(splitCommand(line!.slice('helper='.length))).toEqual([process.execPath, ...HELPER_NODE_FLAGS, cli]);

    const doctor = await run(process.execPath, [cli, 'doctor'], world.env);
    expect(doctor.output).toContain(`mpv starts the helper with: ${process.execPath} ${FLAGS} "${cli}"`);

    // Not --no-config and no helper option: mpv loads the installed script and its options file.
    const url = world.addMovie('101');
    const mpv = await run('mpv', ['--vo=null', '--ao=null', '--idle=no', '--speed=10', '--msg-level=all=info,cplayer=trace,plex_sync=v', withToken(url)], world.env);
    await helpersGone(world);
    expect(mpv.code).toBe(0);
    expect(mpv.output).toContain(`starting the helper (script loaded): ${process.execPath} ${FLAGS} ${cli} attach`);
    expect(osdLines(mpv.output).filter((text) => /not responding|not found/.test(text))).toEqual([]);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(readHelperLog(world).match(/playing a Plex item/g)).toHaveLength(1);
  });
});
