// The `mpv-plex-sync` command line. One file per subcommand in commands/.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { appPaths } from '../config/paths.js';
import { redact } from '../log/redact.js';
import { EXIT_FAILED, EXIT_USAGE, packageVersion } from './context.js';
import { examplesText, type Example } from './examples.js';

/**
 * Each subcommand, registered by a function that loads its module only when called. Only the
 * subcommand named on the command line is registered (all of them for help or an unknown name):
 * each module a command loads costs its start time. (The script's own `attach <socket>` does not
 * come here at all: script-attach.ts.)
 */
const SUBCOMMANDS: Readonly<Record<string, (program: Command) => Promise<void>>> = {
  attach: async (program) => {
    program
      .command('attach')
      .description('attach the helper to an mpv IPC socket (the mpv script runs this)')
      .argument('<socket>', "mpv's input-ipc-server path")
      .addHelpText(
        'after',
        examplesText([
          ['mpv --input-ipc-server=/tmp/mpv.sock film.mkv', 'an mpv without the script, and then'],
          ['mpv-plex-sync attach /tmp/mpv.sock', 'sync what it plays, as the script would'],
        ]),
      )
      .action(async (socket: string) => {
        const { attachCommand } = await import('./commands/attach.js');
        process.exitCode = await attachCommand(socket, program.opts());
      });
  },
  play: async (program) => {
    program
      .command('play')
      .description('play a Plex item in mpv (a title, a ratingKey, a Plex URL, or a file) and sync it')
      .argument('[target]', 'title to search for, ratingKey, Plex URL or local file')
      .argument('[mpvArgs...]', 'options for mpv, after --')
      .option('--rating-key <key>', 'the Plex ratingKey of a file or URL that does not say (checked on the server before mpv starts)', ratingKey)
      // Not `--version`: commander reads the program's own --version after a subcommand too.
      .option('--use-version <n>', "play the item's n-th version (1 is the first; see --versions)", positiveInteger('--use-version'))
      .option('--versions', "list the item's versions and exit")
      .option('--next <n>', 'queue the n episodes after this one, on into the next season', wholeNumber('--next'), 0)
      .option('--server <name>', 'the saved server a ratingKey or a title is on (see mpv-plex-sync server); default: the default server (a title: every saved server)')
      .option('--first', 'a title with several matches: play the best one, without asking')
      .option('--from-start', 'a show or a season: start at its first episode, not at the next one to watch')
      .option('--continue [n]', "play the n-th item of Continue Watching (see mpv-plex-sync continue); default: the first", positiveInteger('--continue'))
      .option('--json', 'print what is played (or the matches of a title when none is clear) as JSON; asks nothing')
      .addHelpText('after', PLAY_TARGETS)
      .addHelpText('after', examplesText(PLAY_EXAMPLES))
      .action(
        async (
          target: string | undefined,
          mpvArgs: string[],
          options: { ratingKey?: string; useVersion?: number; versions?: boolean; next?: number; server?: string; first?: boolean; fromStart?: boolean; continue?: number | true; json?: boolean },
        ) => {
          const { playCommand } = await import('./commands/play.js');
          // `play --continue -- --fs`: commander hands the first word after -- to [target].
          const [given, args] = options.continue !== undefined && target !== undefined && afterDoubleDash(argvOf(program), target) ? [undefined, [target, ...mpvArgs]] : [target, mpvArgs];
          process.exitCode = await playCommand(given, args, { ...options, ...program.opts() });
        },
      );
  },
  continue: async (program) => (await import('./commands/continue.js')).registerContinue(program),
  sync: async (program) => {
    program
      .command('sync')
      .description('send the queued syncs now')
      .option('--json', 'print the summary as JSON')
      .addHelpText(
        'after',
        examplesText([
          ['mpv-plex-sync sync', 'send what waits now, not at its next retry'],
          ['mpv-plex-sync sync --json', 'what was sent and what still waits, as JSON'],
        ]),
      )
      .action(async (options: { json?: boolean }) => {
        const { syncCommand } = await import('./commands/sync.js');
        process.exitCode = await syncCommand({ ...options, ...program.opts() });
      });
  },
  login: async (program) => (await import('./commands/login.js')).registerLogin(program),
  server: async (program) => (await import('./commands/server.js')).registerServer(program),
  serve: async (program) => (await import('./commands/serve.js')).registerServe(program),
  install: async (program) => (await import('./commands/install.js')).registerInstall(program),
  doctor: async (program) => (await import('./commands/doctor.js')).registerDoctor(program),
  demo: async (program) => (await import('./commands/demo.js')).registerDemo(program),
  status: async (program) => (await import('./commands/status.js')).registerStatus(program),
  queue: async (program) => (await import('./commands/queue.js')).registerQueue(program),
  users: async (program) => (await import('./commands/users.js')).registerUsers(program),
  user: async (program) => (await import('./commands/user.js')).registerUser(program),
};

/** Whether `word` is first found after a `--` of the command line. */
function afterDoubleDash(argv: readonly string[], word: string): boolean {
  const dash = argv.indexOf('--');
  return dash >= 0 && argv.indexOf(word) > dash;
}

/** The words the program was run with (commander keeps them; process.argv as a fallback). */
function argvOf(program: Command): readonly string[] {
  return (program as unknown as { rawArgs?: string[] }).rawArgs ?? process.argv;
}

/** What `play --help` adds first: the targets it takes, each with an example. */
const PLAY_TARGETS = `
Targets:
  title                  "the office s02e03", "alien 1979" (Plex's search: one match plays,
                         several are listed to choose from; a show plays its next episode)
  ratingKey              101 (an item on the default server; --server NAME for another)
  Plex metadata URL      http://192.168.1.10:32400/library/metadata/101
  Plex Web link          https://app.plex.tv/desktop/#!/server/<machine id>/details?key=%2Flibrary%2Fmetadata%2F101
  part URL               http://192.168.1.10:32400/library/parts/1010/1700000000/file.mkv
  local file             ~/Movies/film.mkv (found in Plex by its path; --rating-key names its item)
                         (a file: a path with a /, a media extension, or a name that exists)

Everything after -- goes to mpv unchanged; an --input-ipc-server there is the socket play uses.`;

/** Play's examples. Their titles and ratingKeys are the Plex double's (docs/commands.md), to try them there. */
const PLAY_EXAMPLES: readonly Example[] = [
  ['mpv-plex-sync play "night shift"', "the show's next episode to watch"],
  ['mpv-plex-sync play "night shift s01e02"', 'that episode'],
  ['mpv-plex-sync play --continue', 'the first item of Continue Watching'],
  ['mpv-plex-sync play 101'],
  ['mpv-plex-sync play 511 --next 2', 'the episode, then the two after it'],
  ['mpv-plex-sync play 102 --versions', 'list its versions; --use-version 2 plays the second'],
  ['mpv-plex-sync play --rating-key 101 ~/Movies/film.mkv'],
  ['mpv-plex-sync play 101 -- --fs --volume=50'],
];

/** What `mpv-plex-sync --help` adds: the first steps, where the config is, what overrides it. */
function programHelp(configFile: string): string {
  return `${examplesText([
    ['mpv-plex-sync login', 'sign in through plex.tv and save your server'],
    ['mpv-plex-sync install', 'put the script into mpv: every mpv then syncs'],
    ['mpv-plex-sync play "long night"', 'find a Plex item by its title and play it in mpv'],
    ['mpv-plex-sync continue', "what Plex's Continue Watching holds"],
    ['mpv-plex-sync status', 'the server, the queue and the last syncs'],
  ])}
Config: ${configFile}
  PLEX_URL and PLEX_TOKEN in the environment override its server and token;
  MPV_PLEX_SYNC_THRESHOLD its threshold (a percent). Run 'mpv-plex-sync <command> --help' for more.
`;
}

/**
 * After an argument error, each command names its --help in one line instead of printing its
 * whole usage: fifty lines of usage buried the one line that says what is wrong (issue 20).
 */
function hintAfterErrors(command: Command, words: string): void {
  command.showHelpAfterError(`(see '${words} --help')`);
  for (const subcommand of command.commands) hintAfterErrors(subcommand, `${words} ${subcommand.name()}`);
}

/** A commander parser for a whole number option of play, refusing anything else by name. */
function wholeNumber(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} takes a whole number, got '${value}'`);
    return Number(value);
  };
}

/**
 * A ratingKey is Plex's number for an item. Anything else would reach mpv's script, which can
 * look nothing up by it: the file would wait out the resume lookup and sync nothing.
 */
function ratingKey(value: string): string {
  if (!/^\d{1,20}$/.test(value)) throw new InvalidArgumentError(`--rating-key takes a Plex ratingKey, a whole number such as 101; got '${value}'`);
  return value;
}

function positiveInteger(name: string): (value: string) => number {
  const whole = wholeNumber(name);
  return (value) => {
    const n = whole(value);
    if (n < 1) throw new InvalidArgumentError(`${name} counts from 1, got '${value}'`);
    return n;
  };
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('mpv-plex-sync')
    .description("Plex counts what you watch in mpv: marked watched by your Plex server's own rule (or a threshold you set), exactly once, with the resume point kept.")
    .version(packageVersion())
    .option('-v, --verbose', 'log details to stderr too')
    .exitOverride()
    // A function: the config path is looked up only when help is shown.
    .addHelpText('after', () => programHelp(appPaths().configFile));

  // The first word that is not an option names the subcommand (`-v` may come before it).
  const named = argv.slice(2).find((word) => !word.startsWith('-'));
  const chosen = named !== undefined && Object.hasOwn(SUBCOMMANDS, named) ? [named] : Object.keys(SUBCOMMANDS);
  for (const name of chosen) await SUBCOMMANDS[name]!(program);
  hintAfterErrors(program, program.name());

  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    const text = redact(error instanceof Error ? error.message : String(error));
    console.error(`mpv-plex-sync: ${text}`);
    process.exitCode = EXIT_FAILED;
  }
}
