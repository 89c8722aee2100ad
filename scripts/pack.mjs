#!/usr/bin/env node
// Packs splitc as ONE installable tarball, splitc-<version>.tgz: the `splitc` package (CLI + API)
// with every @splitc/* workspace it needs bundled inside it (they are not published on their own),
// and their third-party dependencies declared, so that `npm install ./splitc-<version>.tgz` works in
// any directory with only the npm registry.
//
//   npm run build && node scripts/pack.mjs [--out DIR]      (default DIR: the current directory)
//
// Prints the tarball's path. Deterministic: npm pack normalises timestamps and modes.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCOPE = '@splitc/';

function fail(message) {
  process.stderr.write(`pack: ${message}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const outDir = path.resolve(outIndex >= 0 ? (args[outIndex + 1] ?? fail('--out needs a directory')) : process.cwd());

const readJson = (f) => JSON.parse(readFileSync(f, 'utf8'));
const workspaceDir = (name) => path.join(ROOT, 'packages', name.slice(SCOPE.length));
const cli = readJson(path.join(ROOT, 'packages/cli/package.json'));
const rootPkg = readJson(path.join(ROOT, 'package.json'));

// The @splitc/* closure of the CLI and the union of their third-party dependencies.
const bundled = [];
const thirdParty = {};
const peers = {};
const peersMeta = {};
const visit = (pkg) => {
  for (const [dep, range] of Object.entries(pkg.dependencies ?? {})) {
    if (dep.startsWith(SCOPE)) {
      if (bundled.includes(dep)) continue;
      bundled.push(dep);
      visit(readJson(path.join(workspaceDir(dep), 'package.json')));
    } else if (thirdParty[dep] !== undefined && thirdParty[dep] !== range) {
      fail(`${dep} is asked for as ${thirdParty[dep]} and ${range}: make the workspaces agree`);
    } else {
      thirdParty[dep] = range;
    }
  }
  Object.assign(peers, pkg.peerDependencies ?? {});
  Object.assign(peersMeta, pkg.peerDependenciesMeta ?? {});
};
visit(cli);
bundled.sort();

/** Copies a workspace's published files (its `files` list), without source maps or build info. */
function copyPublished(fromDir, toDir, files) {
  mkdirSync(toDir, { recursive: true });
  for (const f of files) {
    const from = path.join(fromDir, f);
    if (!existsSync(from)) fail(`${path.relative(ROOT, from)} is missing: run npm run build first`);
    cpSync(from, path.join(toDir, f), { recursive: true, filter: (src) => !/\.(map|tsbuildinfo)$/.test(src) });
  }
}

// The installed `splitc` bin runs dist/bundle/ (bin/splitc.js): it must be the bundle of this build.
const bundleEntry = path.join(ROOT, 'packages/cli/dist/bundle/splitc.mjs');
if (!existsSync(bundleEntry)) fail('packages/cli/dist/bundle/ is missing: run npm run build first');
const bundledAt = statSync(bundleEntry).mtimeMs;
for (const name of readdirSync(path.join(ROOT, 'packages'))) {
  const info = path.join(ROOT, 'packages', name, 'tsconfig.tsbuildinfo');
  if (existsSync(info) && statSync(info).mtimeMs > bundledAt) fail(`packages/${name} was rebuilt after the bundle: run npm run build first`);
}

const stage = mkdtempSync(path.join(os.tmpdir(), 'splitc-pack-'));
try {
  copyPublished(path.join(ROOT, 'packages/cli'), stage, [...cli.files, 'README.md']);
  for (const dep of bundled) {
    const dir = workspaceDir(dep);
    const pkg = readJson(path.join(dir, 'package.json'));
    const to = path.join(stage, 'node_modules', dep);
    copyPublished(dir, to, pkg.files ?? ['dist']);
    writeFileSync(path.join(to, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  }
  const manifest = {
    name: cli.name,
    version: cli.version,
    description: cli.description,
    keywords: ['onnx', 'compiler', 'dpu', 'vitis-ai', 'tensorrt', 'split-inference'],
    license: cli.license,
    type: 'module',
    engines: rootPkg.engines,
    main: cli.main,
    types: cli.types,
    exports: cli.exports,
    bin: cli.bin,
    files: [...cli.files, 'README.md'],
    dependencies: { ...Object.fromEntries(Object.entries(thirdParty).sort()), ...Object.fromEntries(bundled.map((d) => [d, readJson(path.join(workspaceDir(d), 'package.json')).version])) },
    ...(Object.keys(peers).length > 0 ? { peerDependencies: peers, peerDependenciesMeta: peersMeta } : {}),
    bundleDependencies: bundled,
  };
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  mkdirSync(outDir, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', outDir], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const [{ filename }] = JSON.parse(out);
  process.stdout.write(`${path.join(outDir, filename)}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
