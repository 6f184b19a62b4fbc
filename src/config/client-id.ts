// X-Plex-Client-Identifier: stable per installation (Plex ignores timeline reports without one),
// kept in the state dir.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function loadClientIdentifier(file: string): string {
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9-]{8,64}$/.test(existing)) return existing;
  } catch {
    // First run: make one below.
  }
  const created = `mpv-plex-sync-${randomUUID()}`;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${created}\n`, { mode: 0o600 });
  return created;
}
