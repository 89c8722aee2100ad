#!/usr/bin/env node
// Bundles the `splitc` executable into packages/cli/dist/bundle/ with esbuild: the CLI, every
// @splitc workspace and the pure-JS dependencies (yargs, zod, protobufjs, graphlib) as one entry
// module plus the chunks that only some commands load (the GNN, the runtime). Node then compiles
// one file instead of resolving and linking ~250 ES modules, which was a third of a small
// command's time (see docs/benchmarks.md). Run by `npm run build` after `tsc -b`.
//
//   node scripts/bundle.mjs
//
// Left outside the bundle: native or heavy optional packages loaded on demand
// (onnxruntime-node, @tensorflow/*). Two modules find data next to their package
// (targets' profiles/, gnn's weights/) from import.meta.url; in the bundle that URL would be
// the bundle's, so those two references are rewritten to the installed package's location,
// resolved at run time (the same in this repository and in the packed tarball).
// bin/splitc.js uses the bundle only while it is newer than every workspace's build.

import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'packages/cli/dist/bundle');

/** dist modules that locate package data from import.meta.url → the package they belong to. */
const PACKAGE_DATA = new Map([
  [path.join(ROOT, 'packages/targets/dist/registry.js'), '@splitc/targets'],
  [path.join(ROOT, 'packages/gnn/dist/weights.js'), '@splitc/gnn'],
]);

const packageData = {
  name: 'splitc-package-data',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/](registry|weights)\.js$/ }, (args) => {
      const pkg = PACKAGE_DATA.get(args.path);
      if (pkg === undefined) return undefined;
      const source = readFileSync(args.path, 'utf8');
      const rel = path.relative(path.dirname(path.dirname(args.path)), args.path).split(path.sep).join('/');
      if (!source.includes('import.meta.url')) throw new Error(`${args.path} no longer uses import.meta.url: update scripts/bundle.mjs`);
      // The module's own URL, as if it had not been bundled: <package dir>/<dist/…>.
      return { contents: source.replaceAll('import.meta.url', `__splitcModuleUrl(${JSON.stringify(pkg)}, ${JSON.stringify(rel)})`), loader: 'js' };
    });
  },
};

// zod re-exports all of its ~60 message locales (`z.locales`) and sets English itself: splitc
// uses no other, and evaluating them all cost every command ~300 KiB of code to load. Only `en`
// is bundled; a workspace that starts to use zod's locales fails the build here.
const ZOD_LOCALES = /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/;
const englishOnly = {
  name: 'splitc-zod-english-only',
  setup(b) {
    b.onLoad({ filter: ZOD_LOCALES }, (args) => {
      for (const name of readdirSync(path.join(ROOT, 'packages'))) {
        const dist = path.join(ROOT, 'packages', name, 'dist');
        if (!existsSync(dist)) continue;
        for (const f of readdirSync(dist, { recursive: true })) {
          if (String(f).endsWith('.js') && /\blocales\b/.test(readFileSync(path.join(dist, String(f)), 'utf8'))) {
            throw new Error(`packages/${name}/dist/${f} mentions zod's locales: bundle them all again (scripts/bundle.mjs)`);
          }
        }
      }
      return { contents: 'export { default as en } from "./en.js";\n', loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

// Names with a prefix of ours, so that nothing bundled can collide with them.
const banner = [
  "import { createRequire as __splitcCreateRequire } from 'node:module';",
  "import { pathToFileURL as __splitcPathToFileURL } from 'node:url';",
  "import { dirname as __splitcDirname, join as __splitcJoin } from 'node:path';",
  'const require = __splitcCreateRequire(import.meta.url);',
  // A package's main module is <package>/dist/index.js: its directory's parent is the package.
  'const __splitcModuleUrl = (pkg, rel) => __splitcPathToFileURL(__splitcJoin(__splitcDirname(require.resolve(pkg)), "..", rel)).href;',
].join('\n');

rmSync(OUT, { recursive: true, force: true });
const result = await build({
  entryPoints: { splitc: path.join(ROOT, 'packages/cli/dist/bin.js') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: OUT,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  external: ['onnxruntime-node', '@tensorflow/*'],
  banner: { js: banner },
  plugins: [packageData, englishOnly],
  legalComments: 'eof',
  logLevel: 'warning',
  metafile: true,
});
const files = Object.keys(result.metafile.outputs).map((f) => path.relative(ROOT, f));
writeFileSync(path.join(OUT, 'files.json'), `${JSON.stringify(files.sort(), null, 2)}\n`);
const entryBytes = result.metafile.outputs[path.relative(process.cwd(), path.join(OUT, 'splitc.mjs'))]?.bytes;
process.stdout.write(`bundle: ${files.length} files in ${path.relative(ROOT, OUT)}/${entryBytes === undefined ? '' : ` (entry ${(entryBytes / 1024).toFixed(0)} KiB)`}\n`);
