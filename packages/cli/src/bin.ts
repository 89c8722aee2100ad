#!/usr/bin/env node
// The `splitc` executable.
import { main } from './main.js';

const code = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stderrIsTTY: process.stderr.isTTY === true,
  ...(process.stderr.isTTY === true ? { columns: process.stderr.columns } : {}),
});
process.exitCode = code;
