// src/address/ is the bottom of the import graph: the grammar of Plex addresses may be read by
// play, resolve and sync, and itself reads nothing above src/log/ (docs/architecture.md).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ADDRESS_DIR = join(import.meta.dirname, '..', '..', 'src', 'address');

function importsOf(file: string): string[] {
  const text = readFileSync(join(ADDRESS_DIR, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)].map((match) => match[1] ?? '');
}

describe('src/address', () => {
  it('imports only its own modules and src/log/', () => {
    const files = readdirSync(ADDRESS_DIR).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(0);
    const outside = files.flatMap((file) => importsOf(file).filter((from) => !from.startsWith('./') && !from.startsWith('../log/')).map((from) => `${file}: ${from}`));
    expect(outside).toEqual([]);
  });
});
