#!/usr/bin/env node
// Launcher committed in source form so that npm can link the `splitc` bin before the build runs.
// It runs the bundle (dist/bundle/, made by `npm run build`: one module to load instead of ~250)
// when it is current, and the compiled modules (dist/bin.js) otherwise.
import { existsSync, readdirSync, statSync } from 'node:fs';

const entry = new URL('../dist/bin.js', import.meta.url);
const bundle = new URL('../dist/bundle/splitc.mjs', import.meta.url);

/**
 * In this repository (a tsconfig.json beside this package), tsc rewrites a workspace's
 * tsconfig.tsbuildinfo whenever it rebuilds it: a bundle older than any of them is stale, so a
 * plain `tsc -b` never runs old code. An installed package has no build info: its bundle is current.
 */
function bundleIsCurrent() {
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  if (!existsSync(new URL('../tsconfig.json', import.meta.url))) return true;
  const packages = new URL('../../', import.meta.url);
  for (const name of readdirSync(packages)) {
    try {
      if (statSync(new URL(`${name}/tsconfig.tsbuildinfo`, packages)).mtimeMs > built) return false;
    } catch {
      // not a workspace, or never built
    }
  }
  return true;
}

if (bundleIsCurrent()) {
  await import(bundle.href);
} else {
  if (!existsSync(entry)) {
    process.stderr.write('error: splitc is not built in this checkout; run `npm run build` first\n');
    process.exit(70);
  }
  await import(entry.href);
}
