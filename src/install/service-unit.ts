// The systemd user unit that keeps one helper running (`install --service`), so that every mpv
// finds a warm helper and asks it by file (attach-requests.ts) instead of starting one. Pure: the
// unit's path and text; src/install/systemd.ts runs systemctl.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HELPER_NODE_FLAGS } from './installer.js';

export const SERVICE_NAME = 'mpv-plex-sync.service';

/** Where systemd looks for a user's own units: $XDG_CONFIG_HOME/systemd/user, else ~/.config/systemd/user. */
export function serviceUnitPath(env: NodeJS.ProcessEnv = process.env): string {
  const config = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return join(config, 'systemd', 'user', SERVICE_NAME);
}

/**
 * The environment the unit carries: the dirs that say where this user's config, state and
 * sockets are, when the shell set them (a user manager may not have them). Never a token: the
 * unit file is world-readable, and the helper reads its token from config.json.
 */
const CARRIED = ['XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'MPV_HOME'] as const;

export function serviceUnit(nodePath: string, binPath: string, env: NodeJS.ProcessEnv = process.env): string {
  const command = [nodePath, ...HELPER_NODE_FLAGS, binPath, 'serve'].map(quoteForSystemd).join(' ');
  const carried = CARRIED.filter((name) => env[name]).map((name) => `Environment=${quoteForSystemd(`${name}=${env[name] ?? ''}`)}`);
  return [
    '# Written by mpv-plex-sync install --service; removed by mpv-plex-sync uninstall.',
    '[Unit]',
    'Description=mpv-plex-sync helper: tells Plex what mpv plays',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${command}`,
    ...carried,
    // A helper an mpv started before the service may hold the place: serve waits for it, and
    // a crash is restarted after a pause that keeps systemd's start limit far away.
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

/**
 * One word of a systemd command line: in double quotes, with `\` and `"` escaped, and `%` and `$`
 * doubled, since systemd expands specifiers and variables even inside quotes (systemd.service(5),
 * "Command lines"; systemd.unit(5), "Specifiers").
 */
export function quoteForSystemd(word: string): string {
  if (/[\r\n]/.test(word)) throw new TypeError('a line break cannot be part of a systemd command line');
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}
