#!/usr/bin/env node
// Regenerates the golden emitter outputs under fixtures/golden/<model>/: the text files that
// `splitc compile` writes for two weighted fixtures (default target, planner's split). Review the
// diff like any code change. Run from anywhere: `npm run golden`.
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'splitc';

export const GOLDEN_MODELS = ['lenet5-weights', 'mobilenetv2-weights'];
/** Emitted text files; partitions and the report are covered by their own tests. */
export const GOLDEN_FILE = /(\.py|\.sh|README\.md|manifest\.json|config\.pbtxt)$/;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
for (const name of GOLDEN_MODELS) {
  const tmp = mkdtempSync(path.join(tmpdir(), 'splitc-golden-'));
  const out = path.join(tmp, 'out');
  compile(`fixtures/models/${name}.onnx`, { output: out });
  const dest = path.join(root, 'fixtures/golden', name);
  rmSync(dest, { recursive: true, force: true });
  const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? walk(path.join(dir, f)) : [path.join(dir, f)]));
  for (const f of walk(out)) {
    const rel = path.relative(out, f);
    if (GOLDEN_FILE.test(rel)) cpSync(f, path.join(dest, rel));
  }
  rmSync(tmp, { recursive: true, force: true });
  console.log(`wrote fixtures/golden/${name}/`);
}
