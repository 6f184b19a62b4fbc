import { describe, expect, it } from 'vitest';
import { isScriptAttach } from '../../src/cli/script-attach.js';

describe("the script's attach", () => {
  it("takes the script's own form of attach straight to the attach command", () => {
    expect(isScriptAttach(['node', 'bin', 'attach', '/run/mpv.sock'])).toBe(true);
  });

  it('leaves every other form to the parser (its usage errors and help)', () => {
    expect(isScriptAttach(['node', 'bin', 'attach'])).toBe(false);
    expect(isScriptAttach(['node', 'bin', 'attach', '--help'])).toBe(false);
    expect(isScriptAttach(['node', 'bin', 'attach', ''])).toBe(false);
    expect(isScriptAttach(['node', 'bin', '-v', 'attach', '/run/mpv.sock'])).toBe(false);
    expect(isScriptAttach(['node', 'bin', 'attach', '/run/mpv.sock', 'extra'])).toBe(false);
    expect(isScriptAttach(['node', 'bin', 'play', '101'])).toBe(false);
  });
});
