// Builds both halves of the product:
// - the helper and its tools (src/, test/plex-double/, demo/, bench/) with tsc into dist/;
// - the mpv script (mpv-scripts/plex-sync/) into one ES5 file, dist/mpv/plex-sync.js.
//
// esbuild bundles the script, but it cannot lower let/const/classes to ES5, and mpv's
// JavaScript (mujs) is ES5 only. So esbuild bundles at ES2015, TypeScript's transpiler
// lowers the bundle to ES5, and a last esbuild pass with target es5 acts as a gate: it
// fails the build if any newer syntax survived.
import { build, transform } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scriptOut = join(root, 'dist', 'mpv', 'plex-sync.js');

execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});

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
