// One elementCount: defined in @splitc/diagnostics (which even the light runtime loads), re-exported
// by @splitc/onnx and @splitc/ir, and not written again in any package's source.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { elementCount } from '@splitc/diagnostics';
import { elementCount as fromIr } from '@splitc/ir';
import { elementCount as fromOnnx } from '@splitc/onnx';

const ROOT = path.resolve(__dirname, '../../..');
/** A product of a shape's dims written out: `dims.reduce((a, b) => a * b, 1)` and its variants. */
const PRODUCT = /\.reduce\(\(\s*(\w+)\s*,\s*(\w+)\s*\)\s*=>\s*\1\s*\*\s*\2\s*,\s*1\s*\)/;

describe('elementCount', () => {
  it('is the product of the dims, 1 for a scalar, and the same function everywhere', () => {
    expect([elementCount([]), elementCount([3]), elementCount([1, 3, 224, 224]), elementCount([2, 0, 5])]).toEqual([1, 3, 150528, 0]);
    expect(fromIr).toBe(elementCount);
    expect(fromOnnx).toBe(elementCount);
  });

  it('is not written again in any package source', () => {
    const copies: string[] = [];
    for (const pkg of readdirSync(path.join(ROOT, 'packages'), { withFileTypes: true })) {
      if (!pkg.isDirectory()) continue;
      const src = path.join(ROOT, 'packages', pkg.name, 'src');
      let files: string[];
      try {
        files = readdirSync(src, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
      } catch {
        continue;
      }
      for (const f of files) {
        readFileSync(path.join(src, f), 'utf8').split('\n').forEach((line, i) => {
          if (PRODUCT.test(line)) copies.push(`packages/${pkg.name}/src/${f}:${i + 1}`);
        });
      }
    }
    expect(copies).toEqual([]);
  });
});
