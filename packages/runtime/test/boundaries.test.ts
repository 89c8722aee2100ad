// @splitc/runtime reads manifests but never loads the CLI or the IR (only the IR's seam record,
// @splitc/ir/seam, which needs zod and diagnostics alone): walk the import graph of its built
// modules and check which workspace packages it reaches.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');

function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    // Static imports and re-exports only; `import type` is erased from the built JavaScript.
    for (const m of src.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('node:')) continue;
      const resolved = spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : (() => {
        try { return fileURLToPath(import.meta.resolve!(spec, pathToFileURL(file).href)); } catch { return createRequire(file).resolve(spec); }
      })();
      if (resolved.includes(`${path.sep}node_modules${path.sep}`) && !resolved.includes(`${path.sep}packages${path.sep}`)) continue;
      todo.push(resolved);
    }
  }
  return seen;
}

describe('@splitc/runtime boundaries', () => {
  it('reaches diagnostics, the manifest, the seam record and the plan and target schemas only: no compile driver, IR passes, ONNX or CLI', () => {
    const files = [...reachable(path.join(ROOT, 'packages/runtime/dist/index.js'))].map((f) => path.relative(ROOT, f)).sort();
    const packages = new Set(files.map((f) => f.split(path.sep).slice(0, 2).join('/')));
    expect([...packages].sort()).toEqual(['packages/compile', 'packages/diagnostics', 'packages/ir', 'packages/planner', 'packages/runtime', 'packages/targets']);
    expect(files.filter((f) => f.startsWith('packages/ir'))).toEqual(['packages/ir/dist/seam.js']);
    expect(files.filter((f) => f.startsWith('packages/compile'))).toEqual(['packages/compile/dist/manifest.js']);
    expect(files.filter((f) => f.startsWith('packages/planner'))).toEqual(['packages/planner/dist/plan-schema.js']);
    expect(files.filter((f) => f.startsWith('packages/targets'))).toEqual(['packages/targets/dist/schema.js']);
  });
});
