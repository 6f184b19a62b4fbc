// X-Plex-Client-Identifier: stable per installation (Plex ignores timeline reports without one),
// kept in the state dir.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileDurableSync } from '../storage/durable-file.js';

/**
 * The installation's client identifier, made and saved on first use. A state dir that cannot be
 * written (a full disk, a read-only mount) must not stop the helper from sending a watch: the id
 * made now serves this process, `onUnsaved` hears why it was not kept, and the next run tries again.
 */
export function loadClientIdentifier(file: string, onUnsaved: (problem: string) => void = () => undefined): string {
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9-]{8,64}$/.test(existing)) return existing;
  } catch {
    // First run: make one below.
  }
  const created = `mpv-plex-sync-${randomUUID()}`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileDurableSync(file, `${created}\n`, { mode: 0o600 });
  } catch (error) {
    onUnsaved(`could not save the client id in ${file} (${error instanceof Error ? error.message : String(error)}); using one for this run`);
  }
  return created;
}
