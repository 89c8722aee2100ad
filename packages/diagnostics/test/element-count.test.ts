// One elementCount: defined in @splitc/diagnostics (which even the light runtime loads), re-exported
// by @splitc/onnx and @splitc/ir, and not written again in any package's source.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { elementCount } from '@splitc/diagnostics';
import { elementCount as fromIr } from '@splitc/ir';
import { elementCount as fromOnnx } from '@splitc/onnx';
import { packageSourceLines } from '@splitc/test-support';

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
    for (const line of packageSourceLines(ROOT)) if (PRODUCT.test(line.text)) copies.push(line.where);
    expect(copies).toEqual([]);
  });
});
