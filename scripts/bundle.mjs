#!/usr/bin/env node
// Bundles the `splitc` executable into packages/cli/dist/bundle/ with esbuild: the CLI, every
// @splitc workspace and the pure-JS dependencies (yargs, zod, protobufjs, graphlib) as one
// CommonJS script (splitc.cjs; the GNN and the runtime are evaluated only by the commands that
// use them), V8's code cache for it (splitc.cjs.cache) and the loader that runs it with that
// cache (splitc.mjs). Node then compiles one file, mostly from the cache, instead of resolving
// and linking ~250 ES modules, which was a third of a small command's time (see
// docs/benchmarks.md). Run by `npm run build` after `tsc -b`.
//
//   node scripts/bundle.mjs
//
// Left outside the bundle: native or heavy optional packages loaded on demand
// (onnxruntime-node, @tensorflow/*). Three modules find files next to their package
// (targets' profiles/, gnn's weights/ and the ensemble trainer's child entry) from
// import.meta.url; in the bundle that URL would be the bundle's, so those references are
// rewritten to the installed package's location, resolved at run time (the same in this repository and in the packed tarball).
// bin/splitc.js uses the bundle only while it is newer than every workspace's build.

import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'packages/cli/dist/bundle');

/** dist modules that locate package data from import.meta.url → the package they belong to. */
const PACKAGE_DATA = new Map([
  [path.join(ROOT, 'packages/targets/dist/registry.js'), '@splitc/targets'],
  [path.join(ROOT, 'packages/gnn/dist/weights.js'), '@splitc/gnn'],
  // The ensemble trainer forks dist/train-member.js of the installed package.
  [path.join(ROOT, 'packages/gnn/dist/ensemble.js'), '@splitc/gnn'],
]);

/**
 * A dynamic import() in code that V8 restores from its code cache has lost the callback that
 * loads modules ("A dynamic import callback was not specified"): the workspaces' import() calls
 * of externals (onnxruntime-node, tfjs-node) go through __splitcImport, which the loader gives
 * the bundle — an import() of its own, resolving from the same directory. (Those of workspaces
 * are bundled: esbuild turns them into calls.)
 */
const DYNAMIC_IMPORT = /(?<![\w$.`'"])import\s*\((?!\s*['"](?:@splitc\/|\.))/g;

const packageData = {
  name: 'splitc-package-data',
  setup(b) {
    b.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]dist[\\/].*\.js$/ }, (args) => {
      const pkg = PACKAGE_DATA.get(args.path);
      let source = readFileSync(args.path, 'utf8');
      const imports = DYNAMIC_IMPORT.test(source);
      if (pkg === undefined && !imports) return undefined;
      source = source.replace(DYNAMIC_IMPORT, '__splitcImport(');
      if (pkg === undefined) return { contents: source, loader: 'js' };
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

// The CLI's entry (dist/bin.js) awaits main() at its top level, which a CommonJS bundle cannot
// hold: the loader below makes the same call. If bin.ts changes, this build says so.
const BIN = path.join(ROOT, 'packages/cli/dist/bin.js');
const BIN_CALL = `const code = await main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    stderrIsTTY: process.stderr.isTTY === true,
    ...(process.stderr.isTTY === true ? { columns: process.stderr.columns } : {}),
});
process.exitCode = code;`;
if (!readFileSync(BIN, 'utf8').includes(BIN_CALL)) throw new Error('packages/cli/src/bin.ts no longer makes the call that scripts/bundle.mjs copies into the loader: update the loader');

// Names with a prefix of ours, so that nothing bundled can collide with them. Every module's
// import.meta.url is the bundle's, as in any bundle (the two that locate package data are rewritten above).
const banner = [
  'const __splitcUrl = require("node:url");',
  'const __splitcPath = require("node:path");',
  'const __splitcImportMetaUrl = __splitcUrl.pathToFileURL(__filename).href;',
  // A package's main module is <package>/dist/index.js: its directory's parent is the package.
  'const __splitcModuleUrl = (pkg, rel) => __splitcUrl.pathToFileURL(__splitcPath.join(__splitcPath.dirname(require.resolve(pkg)), "..", rel)).href;',
].join('\n');

// The loader, dist/bundle/splitc.mjs (what bin/splitc.js runs). Node 20 keeps no compiled code
// between runs (module.enableCompileCache came with Node 22), so the bundle is one CommonJS
// script compiled through vm.Script with V8's code cache, made by this build after a run of
// `--version`: ~50 ms less start-up for every command. V8 checks the cache's V8 version and
// flags and rejects it otherwise (then the script compiles as usual); it checks only the
// source's length, so the cache starts with the sha256 of the source it was made from.
// zod compiles its object parsers with new Function on first use: not worth it for the few
// documents a command validates, so zod runs jitless (same results).
const LOADER = `// Made by scripts/bundle.mjs: runs splitc.cjs, with V8's code cache when it matches.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const file = fileURLToPath(new URL('./splitc.cjs', import.meta.url));
const cacheFile = \`\${file}.cache\`;
const bytes = readFileSync(file);
const digest = createHash('sha256').update(bytes).digest();
let cachedData;
try {
  const cache = readFileSync(cacheFile);
  if (cache.subarray(0, 32).equals(digest)) cachedData = cache.subarray(32);
} catch {
  // no cache: compile as usual
}
(globalThis.__zod_globalConfig ??= {}).jitless = true;
// The file is one function expression (esbuild's banner and footer): no copy to wrap it.
const script = new vm.Script(bytes.toString('utf8'), {
  filename: file,
  ...(cachedData !== undefined ? { cachedData } : {}),
});
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file), (specifier) => import(specifier));
const { main } = module.exports;
${BIN_CALL}
if (process.env.SPLITC_BUILD_CODE_CACHE === '1') writeFileSync(cacheFile, Buffer.concat([digest, script.createCachedData()]));
`;

rmSync(OUT, { recursive: true, force: true });
const result = await build({
  stdin: { contents: "export { main } from './main.js';\n", resolveDir: path.dirname(BIN), sourcefile: 'splitc-entry.js', loader: 'js' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile: path.join(OUT, 'splitc.cjs'),
  external: ['onnxruntime-node', '@tensorflow/*'],
  define: { 'import.meta.url': '__splitcImportMetaUrl' },
  banner: { js: `(function (exports, require, module, __filename, __dirname, __splitcImport) {\n${banner}` },
  footer: { js: '})' },
  plugins: [packageData, englishOnly],
  legalComments: 'eof',
  logLevel: 'warning',
  metafile: true,
});
const leftover = DYNAMIC_IMPORT.exec(readFileSync(path.join(OUT, 'splitc.cjs'), 'utf8').replace(/\/\/.*$/gm, ''));
if (leftover !== null) throw new Error(`a dynamic import() outside the workspaces reached the bundle (at ${leftover.index}): route it through __splitcImport`);
writeFileSync(path.join(OUT, 'splitc.mjs'), LOADER);
const made = spawnSync(process.execPath, [path.join(OUT, 'splitc.mjs'), '--version'], { env: { ...process.env, SPLITC_BUILD_CODE_CACHE: '1' }, encoding: 'utf8' });
if (made.status !== 0) throw new Error(`the bundle does not run: ${made.stderr}`);
const files = [...Object.keys(result.metafile.outputs).map((f) => path.relative(ROOT, path.resolve(f))), ...['splitc.mjs', 'splitc.cjs.cache'].map((f) => path.relative(ROOT, path.join(OUT, f)))];
writeFileSync(path.join(OUT, 'files.json'), `${JSON.stringify(files.sort(), null, 2)}\n`);
const bytes = (f) => statSync(path.join(OUT, f)).size;
process.stdout.write(`bundle: ${path.relative(ROOT, OUT)}/splitc.cjs (${(bytes('splitc.cjs') / 1024).toFixed(0)} KiB), its code cache (${(bytes('splitc.cjs.cache') / 1024).toFixed(0)} KiB) and loader\n`);
