// Builds both halves of the product:
// - the helper and its tools (src/, test/plex-double/, demo/, bench/) with tsc into dist/;
// - the command line (bin/mpv-plex-sync.js runs it) bundled by esbuild from dist/src/cli/main.js
//   into dist/cli/, one chunk per subcommand: Node 20 loads one file much faster than the
//   hundreds of modules it is made of;
// - the mpv script's attach, which mpv's first file may wait for, as two CommonJS files in
//   dist/helper/ (src/cli/script-attach.ts): start.cjs, which bin/mpv-plex-sync.js requires
//   without Node's ES module loader, and attach.cjs, the helper, which start.cjs runs through
//   V8's code cache (src/cli/code-cache.ts): Node 20 caches no ES module's code;
// - the mpv script (mpv-scripts/plex-sync/) into one ES5 file, dist/mpv/plex-sync.js.
//
// esbuild bundles the script, but it cannot lower let/const/classes to ES5, and mpv's
// JavaScript (mujs) is ES5 only. So esbuild bundles at ES2015, TypeScript's transpiler
// lowers the bundle to ES5, and a last esbuild pass with target es5 acts as a gate: it
// fails the build if any newer syntax survived.
import { build, transform } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scriptOut = join(root, 'dist', 'mpv', 'plex-sync.js');

execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});

/** What every bundle of the helper's side shares: Node 20, and the packages as they are found. */
const NODE_BUNDLE = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  // The ES module build where a package has one: jsonc-parser's UMD build require()s its own
  // files by computed names, which a bundle cannot hold.
  mainFields: ['module', 'main'],
  // ws tries these optional native add-ons with require() and goes on without them.
  external: ['bufferutil', 'utf-8-validate'],
  legalComments: 'none',
  logLevel: 'warning',
};

// Chunk names carry a hash: the chunks of an earlier build would stay beside the new ones.
rmSync(join(root, 'dist', 'cli'), { recursive: true, force: true });
await build({
  ...NODE_BUNDLE,
  entryPoints: [join(root, 'dist', 'src', 'cli', 'main.js')],
  outdir: join(root, 'dist', 'cli'),
  splitting: true,
  format: 'esm',
  // CommonJS dependencies (commander, proper-lockfile, ...) call require().
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
console.log('built dist/cli/main.js');

for (const [source, out] of [
  [join(root, 'dist', 'src', 'cli', 'script-attach.js'), join(root, 'dist', 'helper', 'start.cjs')],
  [join(root, 'dist', 'src', 'cli', 'helper-build.js'), join(root, 'dist', 'helper', 'attach.cjs')],
]) {
  await build({
    ...NODE_BUNDLE,
    entryPoints: [source],
    outfile: `${out}.tmp`,
    format: 'cjs',
    // CommonJS has no import.meta: the uses (each file finding its neighbours, the package's
    // root) get this file's own URL.
    define: { 'import.meta.url': '__fileUrl' },
    banner: { js: "const __fileUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  // Renamed into place: a helper starting meanwhile reads the old file or the new one, whole.
  renameSync(`${out}.tmp`, out);
  console.log(`built ${out.slice(root.length + 1)}`);
}

const bundled = await build({
  entryPoints: [join(root, 'mpv-scripts', 'plex-sync', 'main.ts')],
  bundle: true,
  format: 'iife',
  target: 'es2015',
  platform: 'neutral',
  write: false,
  legalComments: 'none',
  logLevel: 'warning',
});
const es2015 = bundled.outputFiles[0].text;
const lowered = ts.transpileModule(es2015, {
  compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.None, removeComments: false },
  reportDiagnostics: false,
}).outputText;
// The gate: throws on any syntax newer than ES5.
await transform(lowered, { target: 'es5', loader: 'js' });

mkdirSync(dirname(scriptOut), { recursive: true });
// Written beside and renamed, so a running mpv or test never reads half a script.
writeFileSync(`${scriptOut}.tmp`, `// mpv-plex-sync mpv script (built; edit mpv-scripts/plex-sync/ instead)\n${lowered}`);
renameSync(`${scriptOut}.tmp`, scriptOut);
console.log(`built ${scriptOut.slice(root.length + 1)}`);
