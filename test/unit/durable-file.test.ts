// The durable-file layer on a real disk: every JSON file the project writes goes through it.
// Faults are injected at each step of a write (the tests may run as root, whom permissions do
// not stop), and real writer processes are run side by side and killed in the middle.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeFileDurable, writeFileDurableSync, type Options } from '../../src/storage/durable-file.js';
import { seededRandom } from '../support/random.js';

type Step = 'open' | 'write' | 'chmod' | 'sync' | 'rename' | 'sync-dir';

/** The step to fail (with `code`), and the steps seen, in order. */
const fault = vi.hoisted(() => ({ step: null as string | null, code: 'EIO', events: [] as string[], renamedFrom: [] as string[] }));

function step(name: string): void {
  fault.events.push(name);
  if (fault.step === name) throw Object.assign(new Error(`${fault.code}: injected failure at ${name}`), { code: fault.code });
}

vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>();
  const methodSteps: Record<string, string> = { writeFile: 'write', write: 'write', chmod: 'chmod', sync: 'sync', datasync: 'sync' };
  return {
    ...fs,
    open: async (path: string, flags?: string, mode?: number) => {
      const isDir = !String(path).endsWith('.tmp');
      if (!isDir) step('open');
      const handle = await fs.open(path, flags, mode);
      return new Proxy(handle, {
        get(target, prop) {
          const value: unknown = Reflect.get(target, prop, target);
          if (typeof value !== 'function') return value;
          const name = typeof prop === 'string' ? methodSteps[prop] : undefined;
          return async (...args: unknown[]) => {
            if (name) step(isDir && name === 'sync' ? 'sync-dir' : name);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    },
    rename: async (from: string, to: string) => {
      fault.renamedFrom.push(from);
      step('rename');
      return fs.rename(from, to);
    },
  };
});

vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>();
  const kinds = new Map<number, 'file' | 'dir'>();
  return {
    ...fs,
    openSync: (path: string, flags?: string, mode?: number) => {
      const isDir = !String(path).endsWith('.tmp');
      if (!isDir) step('open');
      const fd = fs.openSync(path, flags ?? 'r', mode);
      kinds.set(fd, isDir ? 'dir' : 'file');
      return fd;
    },
    writeFileSync: (target: number | string, data: string | Uint8Array, options?: unknown) => {
      if (typeof target === 'number' && kinds.has(target)) step('write');
      return fs.writeFileSync(target, data, options as never);
    },
    writeSync: (fd: number, ...rest: unknown[]) => {
      if (kinds.has(fd)) step('write');
      return (fs.writeSync as (...a: unknown[]) => number)(fd, ...rest);
    },
    fchmodSync: (fd: number, mode: number) => {
      if (kinds.has(fd)) step('chmod');
      return fs.fchmodSync(fd, mode);
    },
    fsyncSync: (fd: number) => {
      const kind = kinds.get(fd);
      if (kind) step(kind === 'dir' ? 'sync-dir' : 'sync');
      return fs.fsyncSync(fd);
    },
    fdatasyncSync: (fd: number) => {
      if (kinds.get(fd) === 'file') step('sync');
      return fs.fdatasyncSync(fd);
    },
    closeSync: (fd: number) => {
      kinds.delete(fd);
      return fs.closeSync(fd);
    },
    renameSync: (from: string, to: string) => {
      fault.renamedFrom.push(from);
      step('rename');
      return fs.renameSync(from, to);
    },
  };
});

const forms = [
  ['writeFileDurable', (file: string, data: string | Uint8Array, options?: Options) => writeFileDurable(file, data, options)],
  ['writeFileDurableSync', async (file: string, data: string | Uint8Array, options?: Options) => writeFileDurableSync(file, data, options)],
] as const;

let root: string;
let file: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mps-durable-'));
  file = join(root, 'config.json');
  fault.step = null;
  fault.code = 'EIO';
  fault.events = [];
  fault.renamedFrom = [];
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** What the dir holds besides the file: a lingering temp file would show here. */
function others(dir = root): string[] {
  return readdirSync(dir).filter((name) => name !== basename(file));
}

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

describe.each(forms)('%s', (_name, write) => {
  it('writes the whole text, replacing the old file', async () => {
    writeFileSync(file, 'old text that is longer than the new one');
    await write(file, '{"a":1}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n');
    expect(others()).toEqual([]);
  });

  it('writes bytes as they are given', async () => {
    const bytes = Uint8Array.from([0, 1, 2, 250, 255]);
    await write(file, bytes);
    expect(new Uint8Array(readFileSync(file))).toEqual(bytes);
  });

  it('makes a file private (0600) when no mode is given', async () => {
    await write(file, 'x');
    expect(modeOf(file)).toBe(0o600);
  });

  it('gives the file exactly the mode asked for, also bits the umask would clear', async () => {
    await write(file, 'x', { mode: 0o664 });
    expect(modeOf(file)).toBe(0o664);
  });

  it('gives a replaced file the mode asked for, not the old one', async () => {
    writeFileSync(file, 'old', { mode: 0o644 });
    await write(file, 'new', { mode: 0o600 });
    expect(modeOf(file)).toBe(0o600);
    await write(file, 'newer', { mode: 0o644 });
    expect(modeOf(file)).toBe(0o644);
  });

  it('writes through a hidden temp file in the same dir whose name ends in .tmp', async () => {
    await write(file, 'x');
    const [temp] = fault.renamedFrom;
    expect(dirname(temp!)).toBe(root);
    expect(basename(temp!)).toMatch(/^\.config\.json\..+\.tmp$/);
  });

  it('fsyncs the temp file before the rename and the directory after it', async () => {
    await write(file, 'x');
    const at = (name: Step) => fault.events.indexOf(name);
    expect(at('write')).toBeGreaterThan(at('open'));
    expect(at('chmod')).toBeGreaterThan(at('open'));
    expect(at('sync')).toBeGreaterThan(at('write'));
    expect(at('rename')).toBeGreaterThan(at('sync'));
    expect(at('rename')).toBeGreaterThan(at('chmod'));
    expect(at('sync-dir')).toBeGreaterThan(at('rename'));
  });

  it.each(['open', 'write', 'chmod', 'sync', 'rename'] as const)('keeps the old file whole and leaves no temp file when the %s fails', async (failing) => {
    writeFileSync(file, 'the old text', { mode: 0o600 });
    fault.step = failing;
    await expect(write(file, 'the new text', { mode: 0o644 })).rejects.toMatchObject({ code: 'EIO', message: `EIO: injected failure at ${failing}` });
    expect(readFileSync(file, 'utf8')).toBe('the old text');
    expect(modeOf(file)).toBe(0o600);
    expect(others()).toEqual([]);
  });

  it('leaves no file at all when the first write of a file fails', async () => {
    fault.step = 'sync';
    await expect(write(file, 'x')).rejects.toThrow(/injected/);
    expect(readdirSync(root)).toEqual([]);
  });

  it('passes on a failure to fsync the directory, with the new file in place', async () => {
    fault.step = 'sync-dir';
    await expect(write(file, 'new')).rejects.toMatchObject({ code: 'EIO' });
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(others()).toEqual([]);
  });

  it.each(['EINVAL', 'ENOTSUP'])('accepts a file system that cannot fsync a directory (%s)', async (code) => {
    fault.step = 'sync-dir';
    fault.code = code;
    await write(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
  });

  it('fails with the file system error when the directory is missing, and creates nothing', async () => {
    const missing = join(root, 'no-such-dir', 'config.json');
    await expect(write(missing, 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(readdirSync(root)).toEqual([]);
  });

  it('fails when a directory stands where the file should be, and leaves no temp file', async () => {
    mkdirSync(join(file, 'inside'), { recursive: true });
    await expect(write(file, 'x')).rejects.toHaveProperty('code');
    expect(readdirSync(file)).toEqual(['inside']);
    expect(others()).toEqual([]);
  });

  it.each([0o1000, -1, 1.5, '600', Number.NaN])('throws a TypeError naming mode for %s', async (mode) => {
    await expect(write(file, 'x', { mode: mode as number })).rejects.toThrow(TypeError);
    await expect(write(file, 'x', { mode: mode as number })).rejects.toThrow(/`mode`/);
    expect(readdirSync(root)).toEqual([]);
  });

  it('throws a TypeError naming file when it is empty', async () => {
    await expect(write('', 'x')).rejects.toThrow(/`file`/);
  });

  it('throws a TypeError naming data when it is neither text nor bytes', async () => {
    await expect(write(file, 42 as unknown as string)).rejects.toThrow(/`data`/);
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('concurrent writers', () => {
  const SIZE = 256 * 1024;
  let writer: string;

  beforeAll(async () => {
    writer = join(mkdtempSync(join(tmpdir(), 'mps-durable-writer-')), 'writer.mjs');
    await build({ entryPoints: [join(import.meta.dirname, 'fixtures', 'durable-writer.ts')], bundle: true, platform: 'node', format: 'esm', outfile: writer, logLevel: 'silent' });
  });
  afterAll(() => {
    rmSync(dirname(writer), { recursive: true, force: true });
  });

  /** The file is one whole payload: SIZE bytes of one letter. */
  function expectWhole(text: string, letters: string): void {
    expect(text.length).toBe(SIZE);
    expect(letters).toContain(text[0]);
    expect(text === text[0]!.repeat(SIZE)).toBe(true);
  }

  function run(args: string[]): { done: Promise<number | null>; ready: Promise<void>; kill: () => void } {
    const child = spawn(process.execPath, [writer, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const done = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { done, ready, kill: () => child.kill('SIGKILL') };
  }

  it('end with one whole file when many writes in one process overlap, and a reader never sees half of one', async () => {
    const letters = 'abcdefghijklmnop';
    let writing = true;
    const reads: string[] = [];
    const reader = (async () => {
      while (writing) {
        try {
          reads.push(readFileSync(file, 'utf8'));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await Promise.all([...letters].map((letter) => writeFileDurable(file, letter.repeat(SIZE))));
    writing = false;
    await reader;
    expectWhole(readFileSync(file, 'utf8'), letters);
    for (const text of reads) expectWhole(text, letters);
    expect(others()).toEqual([]);
  });

  it('end with one whole file when several processes write at once', async () => {
    const writers = ['ab', 'cd', 'ef'].map((letters) => run([file, '40', String(SIZE), letters]));
    let reads = 0;
    let running = true;
    const all = Promise.all(writers.map((w) => w.done)).finally(() => {
      running = false;
    });
    while (running) {
      try {
        expectWhole(readFileSync(file, 'utf8'), 'abcdef');
        reads++;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(await all).toEqual([0, 0, 0]);
    expectWhole(readFileSync(file, 'utf8'), 'abcdef');
    expect(reads).toBeGreaterThan(0);
    expect(others()).toEqual([]);
  }, 30_000);

  it('leave the old file or the new one, whole, when the writer is killed in the middle', async () => {
    const random = seededRandom('durable-file kill');
    for (let round = 0; round < 6; round++) {
      const w = run([file, '0', String(SIZE), 'xy']);
      await w.ready;
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 40)));
      w.kill();
      await w.done;
      expectWhole(readFileSync(file, 'utf8'), 'xy');
    }
    // A kill between the temp file's creation and the rename leaves that temp file behind
    // (nothing runs after SIGKILL); it is hidden and never read as the file.
    for (const name of others()) expect(name).toMatch(/^\.config\.json\..+\.tmp$/);
  }, 30_000);
});
