// The command line's entry, bundled into dist/cli/ with one chunk per subcommand: Node 20 loads
// one file much faster than the hundreds of modules it is made of. bin/mpv-plex-sync.js comes
// here for everything but the mpv script's own form of attach (script-attach.ts).
export async function run(argv: readonly string[]): Promise<void> {
  const { main } = await import('./main.js');
  return main(argv);
}
