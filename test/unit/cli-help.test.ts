// Every command's --help ends with examples, and an argument error is one line with a hint, not
// the whole usage again (issue 20's QA pass). main() runs here as bin/mpv-plex-sync.js runs it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appPaths } from '../../src/config/paths.js';
import { EXIT_USAGE } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';

let stdout: string;
let stderr: string;
beforeEach(() => {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs the CLI with these words; resolves with the exit code it set. */
async function cli(...words: string[]): Promise<number> {
  process.exitCode = undefined;
  await main(['node', 'mpv-plex-sync', ...words]);
  return Number(process.exitCode ?? 0);
}

/** The names a help text lists under Commands: (help itself left out). */
function commandsOf(help: string): string[] {
  const listed = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  return [...listed.matchAll(/^ {2}([a-z]+)/gm)].map((match) => match[1]!).filter((name) => name !== 'help');
}

/** Every command, with the subcommands of those that have some (`queue list`). */
async function everyCommand(): Promise<string[][]> {
  await cli('--help');
  const all: string[][] = [];
  for (const name of commandsOf(stdout)) {
    stdout = '';
    await cli(name, '--help');
    const subcommands = commandsOf(stdout);
    all.push([name], ...subcommands.map((sub) => [name, sub]));
  }
  return all;
}

describe('--help of every command', () => {
  it('has an Examples section of two to four examples of that command', async () => {
    const commands = await everyCommand();
    expect(commands.map((words) => words.join(' '))).toEqual(expect.arrayContaining(['continue', 'status', 'queue', 'queue list', 'queue retry', 'queue drop', 'server', 'users', 'user', 'install', 'uninstall', 'doctor', 'sync', 'demo', 'serve', 'attach']));
    for (const words of commands) {
      stdout = '';
      expect(await cli(...words, '--help')).toBe(0);
      const examples = stdout.split('\nExamples:\n')[1];
      expect(examples, words.join(' ')).toBeDefined();
      // An example is indented by two; what it does, when on a line of its own, by more.
      const lines = examples!.split('\n\n')[0]!.split('\n').filter((line) => /^ {2}\S/.test(line));
      expect(lines.length, words.join(' ')).toBeGreaterThanOrEqual(2);
      if (words[0] !== 'play') expect(lines.length, words.join(' ')).toBeLessThanOrEqual(4);
      expect(lines.some((line) => line.startsWith(`  mpv-plex-sync ${words.join(' ')}`)), words.join(' ')).toBe(true);
    }
  });

  it("login's names the file the login is saved to, as the main help does", async () => {
    await cli('login', '--help');
    expect(stdout).toContain(appPaths().configFile);
  });

  it("play's examples work against the Plex double: --next on an episode, --versions on 102", async () => {
    await cli('play', '--help');
    expect(stdout).not.toContain('play 101 --next');
    expect(stdout).not.toContain('play 101 --versions');
    expect(stdout).toContain('mpv-plex-sync play 511 --next 2');
    expect(stdout).toContain('mpv-plex-sync play 102 --versions');
  });
});

describe('an argument error', () => {
  it('is one line and a hint, with the usage exit code', async () => {
    expect(await cli('play', '--rating-key', 'abc', 'x.mkv')).toBe(EXIT_USAGE);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual([
      "error: option '--rating-key <key>' argument 'abc' is invalid. --rating-key takes a Plex ratingKey, a whole number such as 101; got 'abc'",
      "(see 'mpv-plex-sync play --help')",
    ]);
  });

  it('is so for every command: an unknown option, a missing argument, an unknown command', async () => {
    for (const words of await everyCommand()) {
      stderr = '';
      expect(await cli(...words, '--no-such-option')).toBe(EXIT_USAGE);
      expect(stderr.trimEnd().split('\n'), words.join(' ')).toEqual(["error: unknown option '--no-such-option'", `(see 'mpv-plex-sync ${words.join(' ')} --help')`]);
    }
    stderr = '';
    expect(await cli('queue', 'drop')).toBe(EXIT_USAGE);
    expect(stderr.trimEnd().split('\n')).toEqual(["error: missing required argument 'id'", "(see 'mpv-plex-sync queue drop --help')"]);
    stderr = '';
    expect(await cli('bogus')).toBe(EXIT_USAGE);
    expect(stderr.trimEnd().split('\n')).toEqual(["error: unknown command 'bogus'", "(see 'mpv-plex-sync --help')"]);
  });
});
