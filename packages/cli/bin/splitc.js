#!/usr/bin/env node
// Launcher committed in source form so that npm can link the `splitc` bin before the build runs.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('error: splitc is not built in this checkout; run `npm run build` first\n');
  process.exit(70);
}
await import(entry.href);
