// How found items read on a terminal: 80 columns, colour only on a terminal, NO_COLOR.
import { afterEach, describe, expect, it } from 'vitest';
import { foundItemOf } from '../../src/find/found-item.js';
import { MetadataSchema } from '../../src/plex/schemas.js';
import { clock, continueLines, foundName, progressText, searchLines } from '../../src/cli/found-lines.js';
import type { Found } from '../../src/play/found-targets.js';
import type { PlexClient } from '../../src/plex/client.js';

const server = { client: {} as PlexClient, serverName: 'Living Room' };
const found = (raw: Record<string, unknown>): Found => ({ item: foundItemOf(MetadataSchema.parse(raw)), server });
const episode = found({ ratingKey: '712', type: 'episode', title: 'Chapter 2', grandparentTitle: 'Harbour Lights', parentIndex: 1, index: 2, duration: 2_700_000, viewOffset: 900_000 });
const longMovie = found({ ratingKey: '9', type: 'movie', year: 2004, title: 'A Title So Long That It Could Never Fit On One Line Of An Eighty Column Terminal', duration: 60_000 });
const show = found({ ratingKey: '600', type: 'show', title: 'Night Shift', year: 2018, leafCount: 5, viewedLeafCount: 2 });

/** A stream that claims to be a terminal of `columns`. */
function terminal(columns: number): NodeJS.WriteStream {
  return { isTTY: true, columns } as NodeJS.WriteStream;
}
const ESC = '\u001b[';
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('found lines', () => {
  it('names movies by year, shows as shows and episodes by show and number', () => {
    expect(foundName(longMovie.item)).toMatch(/^A Title So Long .* \(2004\)$/);
    expect(foundName(show.item)).toBe('Night Shift (2018) · show');
    expect(foundName(episode.item)).toBe('Harbour Lights · S01E02 · Chapter 2');
  });

  it('says how far an item is and how long is left, or that it is not started', () => {
    expect(progressText(episode.item)).toBe('33% · 30:00 left');
    expect(progressText(longMovie.item)).toBe('not started · 1:00');
    expect(clock(3_723_000)).toBe('1:02:03');
  });

  it('keeps every line within 80 columns off a terminal, cutting a long name with …', () => {
    const lines = [...searchLines([longMovie, show, episode], { stream: { isTTY: false } as NodeJS.WriteStream }), ...continueLines([episode, longMovie], { stream: { isTTY: false } as NodeJS.WriteStream })];
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
    expect(lines[0]).toContain('…');
    expect(lines.join('\n')).not.toContain(ESC);
  });

  it('fits a narrower terminal, and paints only on a terminal without NO_COLOR', () => {
    delete process.env['NO_COLOR'];
    process.env['TERM'] = 'xterm-256color';
    const painted = continueLines([episode], { stream: terminal(60) });
    expect(painted[0]).toContain(ESC);
    expect(painted[0]?.replace(/\u001b\[[0-9;]*m/g, '').length).toBeLessThanOrEqual(60);
    process.env['NO_COLOR'] = '1';
    expect(continueLines([episode], { stream: terminal(60) })[0]).not.toContain(ESC);
  });
});
