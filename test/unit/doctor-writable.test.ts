// doctor says when a dir the helper or the script writes cannot be written (issue 18, point 7):
// before, a read-only state dir passed every check and the watch was lost.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkWritableDir } from '../../src/doctor/checks.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'doctor-writable-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Mounts a small tmpfs at `dir` (root only); false when this machine does not let us. */
function mountTmpfs(dir: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('checkWritableDir', () => {
  it('passes a writable dir, and leaves nothing behind', () => {
    expect(checkWritableDir('state-dir', 'state dir', root)).toMatchObject({ level: 'ok' });
    expect(readdirSync(root)).toEqual([]);
  });

  it('tries a dir not made yet at its nearest parent', () => {
    expect(checkWritableDir('state-dir', 'state dir', join(root, 'a', 'b'))).toMatchObject({ level: 'ok', text: `state dir ${join(root, 'a', 'b')} is writable` });
  });

  it('fails a dir under a file, where nothing can be made, and says what to do', () => {
    writeFileSync(join(root, 'file'), '');
    const result = checkWritableDir('spool-dir', 'spool dir', join(root, 'file', 'spool'));
    expect(result).toMatchObject({ id: 'spool-dir', level: 'fail' });
    expect(result.fix).toMatch(/writable/);
  });

  it('fails a read-only mount and a full disk (a small tmpfs; skipped where mount is not allowed)', (context) => {
    const readOnly = join(root, 'ro');
    const full = join(root, 'full');
    execFileSync('mkdir', [readOnly, full]);
    if (!mountTmpfs(readOnly, 'size=64k,ro') || !mountTmpfs(full, 'size=64k')) {
      console.log('skipped: cannot mount a tmpfs here (not root)');
      context.skip();
    }
    try {
      writeFileSync(join(full, 'fill'), Buffer.alloc(64 * 1024 - 1));
    } catch {
      // Filled up to the last block, as meant.
    }
    try {
      expect(checkWritableDir('state-dir', 'state dir', join(readOnly, 'state'))).toMatchObject({ level: 'fail', text: expect.stringContaining('EROFS') });
      expect(checkWritableDir('state-dir', 'state dir', full)).toMatchObject({ level: 'fail', text: expect.stringContaining('ENOSPC') });
    } finally {
      execFileSync('umount', [readOnly]);
      execFileSync('umount', [full]);
    }
  });
});
