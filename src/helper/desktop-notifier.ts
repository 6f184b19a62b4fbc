// Failures that happen after mpv has closed: the log always, and a desktop notification where
// one can be shown (notify-send); skipped quietly where there is none.
import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import { redact } from '../log/redact.js';
import type { OfflineNotifier } from '../sync/ports.js';

export function desktopNotifier(log: Logger, env: NodeJS.ProcessEnv = process.env): OfflineNotifier {
  const hasDisplay = Boolean(env['DISPLAY'] || env['WAYLAND_DISPLAY'] || env['DBUS_SESSION_BUS_ADDRESS']);
  return {
    notify(title, body) {
      const text = redact(body);
      log.warn({ notification: text }, title);
      if (!hasDisplay || env['MPV_PLEX_SYNC_NO_DESKTOP_NOTIFY']) return;
      try {
        const child = spawn('notify-send', ['--app-name=mpv-plex-sync', title, text], { stdio: 'ignore', detached: true });
        child.on('error', () => undefined); // no notify-send here: the log has it
        child.unref();
      } catch {
        // Same: the log has it.
      }
    },
  };
}
