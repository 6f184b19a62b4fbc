// The systemd user unit install --service writes: the helper command run as `serve`, each word
// quoted for systemd, the dirs of the shell carried, and never a token.
import { describe, expect, it } from 'vitest';
import { quoteForSystemd, serviceUnit, serviceUnitPath } from '../../src/install/service-unit.js';

describe('serviceUnit', () => {
  it('runs the helper as serve, with the node flags, and restarts it only after a failure', () => {
    const unit = serviceUnit('/usr/bin/node', '/opt/mps/bin/mpv-plex-sync.js', { HOME: '/home/me' });
    expect(unit).toContain('ExecStart="/usr/bin/node" "--max-semi-space-size=1" "/opt/mps/bin/mpv-plex-sync.js" "serve"\n');
    expect(unit).toContain('Restart=on-failure\nRestartSec=5\n');
    expect(unit).toContain('[Install]\nWantedBy=default.target\n');
    expect(unit).not.toContain('Environment=');
  });

  it("carries the shell's config, state and mpv dirs, and no token", () => {
    const unit = serviceUnit('/usr/bin/node', '/b.js', { XDG_CONFIG_HOME: '/home/me/cfg', XDG_STATE_HOME: '/home/me/st', PLEX_TOKEN: 'tok-secret-123', PLEX_URL: 'http://h:32400' });
    expect(unit).toContain('Environment="XDG_CONFIG_HOME=/home/me/cfg"\nEnvironment="XDG_STATE_HOME=/home/me/st"\n');
    expect(unit).not.toContain('tok-secret-123');
    expect(unit).not.toContain('PLEX_URL');
  });

  it('quotes a word so that systemd expands nothing in it', () => {
    expect(quoteForSystemd('/home/a b/"x"\\y%h$HOME')).toBe('"/home/a b/\\"x\\"\\\\y%%h$$HOME"');
    expect(() => quoteForSystemd('a\nb')).toThrow(TypeError);
  });

  it('goes where systemd looks for user units', () => {
    expect(serviceUnitPath({ HOME: '/home/me' })).toBe('/home/me/.config/systemd/user/mpv-plex-sync.service');
    expect(serviceUnitPath({ HOME: '/home/me', XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/systemd/user/mpv-plex-sync.service');
  });
});
