// `mpv-plex-sync play <target> [-- mpv options]`: plays a Plex item (a ratingKey, a Plex URL or
// a file) in mpv with the script and socket set up, and attaches the helper. The token never
// goes on mpv's command line: the file is loaded over IPC with the token as an HTTP header.
import { spawn } from 'node:child_process';
import { requireServer } from '../../config/config.js';
import { mpvScriptDirs } from '../../config/mpv-dir.js';
import { HELPER_NODE_FLAGS, helperCommandFor } from '../../install/installer.js';
import { installedScriptIn } from '../../install/script-file.js';
import { loadClientIdentifier } from '../../config/client-id.js';
import { ensurePrivateDir } from '../../config/private-dir.js';
import { askHelper } from '../../helper/control.js';
import { launchMpv } from '../../mpv/launcher.js';
import { MpvIpcClient } from '../../mpv/ipc-client.js';
import { PlexClient } from '../../plex/client.js';
import { playSocketPath } from '../../protocol/runtime-dir.js';
import { isConfiguredOrigin } from '../../plex/origins.js';
import { binPath, bundledScriptPath, commandContext, type CommandContext } from '../context.js';

export interface PlayOptions {
  readonly ratingKey?: string;
  readonly verbose?: boolean;
}

export async function playCommand(target: string, mpvArgs: readonly string[], options: PlayOptions): Promise<number> {
  const context = commandContext({ verbose: options.verbose ?? false });
  const source = await playSource(context, target, options.ratingKey ?? null);
  ensurePrivateDir(context.paths.runtimeDir);
  const socketPath = playSocketPath(context.paths.runtimeDir, process.pid);
  const scriptOpts = [`plex-sync-helper=${helperCommand()}`];
  if (source.ratingKey) scriptOpts.push(`plex-sync-rating_key=${source.ratingKey}`);
  // The script once: mpv loads an installed one by itself. A second copy would stay silent
  // (mpv-scripts/plex-sync/election.ts), but it would still cost a load.
  const installed = installedScriptIn(mpvScriptDirs(mpvArgs));
  if (installed) context.log.debug({ script: installed }, 'mpv loads the installed script');
  const args = [...(installed ? [] : [`--script=${bundledScriptPath()}`]), ...scriptOpts.map((opt) => `--script-opts-append=${opt}`), ...mpvArgs];
  const mpv = await launchMpv({ socketPath, args, binary: process.env['MPV_BINARY'] ?? null });
  await ensureHelper(context, socketPath);
  const control = new MpvIpcClient({ socketPath });
  await control.connect();
  // mpv (FFmpeg's http) sends its header fields again to wherever a redirect points, and has no
  // rule for staying on one origin: with the token in a header, it follows no redirect at all.
  // Plex serves a part itself, so a redirect there is not expected.
  const fileOptions = source.header ? ['replace', `http-header-fields=${source.header},stream-lavf-o-append=max_redirects=0`] : ['replace'];
  await control.command(['loadfile', source.url, ...fileOptions]);
  // node-mpv's --idle kept mpv open until the load; from here it should quit after the file as
  // usual (set after loadfile: an idle mpv with nothing loaded would quit at once).
  await control.command(['set_property', 'idle', 'no']).catch(() => undefined);
  control.close();
  return mpv.exited;
}

interface PlaySource {
  readonly url: string;
  readonly ratingKey: string | null;
  /** An HTTP header for mpv's requests (the token), kept off every command line. */
  readonly header: string | null;
}

async function playSource(context: CommandContext, target: string, ratingKey: string | null): Promise<PlaySource> {
  if (/^\d+$/.test(target)) {
    const { serverUrl, token } = requireServer(context.config);
    const client = new PlexClient({ serverUrl, token, clientIdentifier: loadClientIdentifier(context.paths.clientIdFile) });
    const meta = await client.metadata(target);
    const partKey = meta.Media[0]?.Part[0]?.key;
    if (!partKey) throw new Error(`Plex item ${target} has no playable part`);
    return { url: `${serverUrl}${partKey}`, ratingKey: meta.ratingKey, header: `X-Plex-Token: ${token}` };
  }
  if (/^https?:\/\//i.test(target)) {
    const url = new URL(target);
    // The configured token goes only to the configured server's origins (origins.ts); a URL on
    // any other origin plays with its own token, or none.
    const token = url.searchParams.get('X-Plex-Token') ?? (isConfiguredOrigin(context.config, url.href) ? context.config.token : null);
    url.searchParams.delete('X-Plex-Token');
    return { url: url.toString(), ratingKey, header: token ? `X-Plex-Token: ${token}` : null };
  }
  return { url: target, ratingKey, header: null };
}

/** The command the script uses to restart the helper: this very install, quoted as the script reads it. */
function helperCommand(): string {
  return helperCommandFor(process.execPath, binPath()).command;
}

async function ensureHelper(context: CommandContext, socketPath: string): Promise<void> {
  const reply = await askHelper(context.paths.controlSocket, { op: 'attach', socket: socketPath });
  if (reply.ok) return;
  const child = spawn(process.execPath, [...HELPER_NODE_FLAGS, binPath(), 'attach', socketPath], { detached: true, stdio: 'ignore' });
  child.unref();
}
