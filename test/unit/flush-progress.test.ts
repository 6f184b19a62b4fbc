// Progress on stderr: a flush's spinner only on a terminal and only for a long enough flush, and a
// login's wait, plain off a terminal.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { approvalProgress, flushProgress, PROGRESS_MIN_ENTRIES } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const through = new PassThrough();
  let text = '';
  through.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  Object.assign(through, { isTTY, columns: 80, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream: through as unknown as NodeJS.WriteStream, text: () => text };
}

async function flush(total: number, isTTY: boolean): Promise<string> {
  const { stream, text } = fakeStream(isTTY);
  const progress = await flushProgress(stream);
  for (let done = 0; done <= total; done += 1) progress.update(done, total);
  progress.stop();
  return text();
}

describe('flushProgress', () => {
  it('draws the count on a terminal for a flush of more than the minimum entries', async () => {
    expect(await flush(PROGRESS_MIN_ENTRIES + 3, true)).toContain(`${PROGRESS_MIN_ENTRIES + 3}/${PROGRESS_MIN_ENTRIES + 3}`);
  });

  it('draws nothing for a short flush', async () => {
    expect(await flush(PROGRESS_MIN_ENTRIES, true)).toBe('');
  });

  it('draws nothing when the stream is not a terminal', async () => {
    expect(await flush(PROGRESS_MIN_ENTRIES + 3, false)).toBe('');
  });
});

describe('approvalProgress', () => {
  it('prints the wait as plain lines, with no escape code, when the stream is not a terminal', async () => {
    const { stream, text } = fakeStream(false);
    const progress = (await approvalProgress(stream))(120_000);
    progress.update(60_000);
    progress.succeed('approved');
    progress.stop();
    expect(text()).toBe('Waiting for approval (120 s left)...\nApproved.\n');
  });

  it('draws a spinner with the time left on a terminal, and leaves the outcome on its line', async () => {
    const { stream, text } = fakeStream(true);
    const progress = (await approvalProgress(stream))(120_000);
    progress.succeed('approved');
    progress.stop();
    expect(text()).toContain('Waiting for approval (120 s left)');
    expect(text()).toMatch(/approved\n$/);
  });
});
