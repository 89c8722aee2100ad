// The WebAssembly SIMD kernel of the inference forward pass must compute exactly what its
// JavaScript loop computes: the same products and sums in the same order, so bit-identical results,
// including the zero-skipping (±0 skipped, NaN not), odd column counts and memory growth.
import { describe, expect, it } from 'vitest';
import { matmul, matmulJs, matmulModuleBytes, wasmMatmulAvailable } from '@splitc/gnn';
import { Rng } from '@splitc/zoo';

/** A seeded generator (the zoo's), so a failure is reproducible. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

function values(n: number, r: () => number, special: boolean): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    if (u < 0.3) out[i] = 0;
    else if (special && u < 0.32) out[i] = -0;
    else if (special && u < 0.33) out[i] = NaN;
    else if (special && u < 0.34) out[i] = u < 0.335 ? Infinity : -Infinity;
    else out[i] = (r() - 0.5) * 10 ** Math.floor(r() * 12 - 6);
  }
  return out;
}

function sameBits(a: Float64Array, b: Float64Array): string | undefined {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `element ${i}: ${a[i]} vs ${b[i]}`;
  return undefined;
}

describe('wasm matmul kernel', () => {
  it('assembles a valid module and runs here (Node has WebAssembly SIMD)', () => {
    expect(WebAssembly.validate(matmulModuleBytes())).toBe(true);
    expect(wasmMatmulAvailable()).toBe(true);
  });

  // (n, k, o): the forward pass's shapes (361 nodes; 52 features → 108 columns; hidden 32 → 64, 32, 9, 3) and edge cases.
  const shapes: [number, number, number][] = [[2, 1, 1], [3, 5, 7], [2, 4, 2], [5, 32, 9], [7, 32, 3], [361, 52, 108], [361, 32, 64], [53, 32, 32], [4, 16, 1]];
  for (const special of [false, true]) {
    it(`is bit-identical to the JavaScript loop${special ? ' with -0, NaN and infinities' : ''}`, () => {
      const r = rng(special ? 2 : 1);
      for (const [n, k, o] of shapes) {
        const a = values(n * k, r, special);
        const w = values(k * o, r, special);
        // Stale values in `out` must not leak into the result.
        const got = matmul(a, n, k, w, o, new Float64Array(n * o).fill(7));
        const want = matmulJs(a, n, k, w, o, new Float64Array(n * o).fill(-3));
        expect(sameBits(got, want), `${n}×${k}·${k}×${o}`).toBeUndefined();
      }
    });
  }

  it('is bit-identical whatever a row\'s count of non-zero inputs (taken four at a time, the rest one at a time)', () => {
    const r = rng(4);
    const k = 13;
    for (const o of [1, 2, 7, 8, 9, 33]) {
      // Row q has exactly q non-zero inputs (q = 0..k), at scattered places.
      const n = k + 1;
      const a = new Float64Array(n * k);
      for (let q = 0; q < n; q++) for (let c = 0; c < q; c++) a[q * k + ((c * 5 + q) % k)] = (r() - 0.5) * 10 ** Math.floor(r() * 8 - 4);
      const w = values(k * o, r, false);
      const got = matmul(a, n, k, w, o, new Float64Array(n * o).fill(7));
      expect(sameBits(got, matmulJs(a, n, k, w, o, new Float64Array(n * o))), `o = ${o}`).toBeUndefined();
      expect(Array.from(got.subarray(0, o))).toEqual(new Array(o).fill(0));
    }
  });

  it('grows its memory for a large product and still serves small ones after', () => {
    const r = rng(3);
    for (const [n, k, o] of [[2000, 64, 64], [3, 4, 5]] as const) {
      const a = values(n * k, r, false);
      const w = values(k * o, r, false);
      expect(sameBits(matmul(a, n, k, w, o, new Float64Array(n * o)), matmulJs(a, n, k, w, o, new Float64Array(n * o)))).toBeUndefined();
    }
  });

  it('computes a known product', () => {
    // [[1, 2], [0, 3]] · [[1, 0, 2], [4, 5, 6]] = [[9, 10, 14], [12, 15, 18]]
    const out = matmul(Float64Array.of(1, 2, 0, 3), 2, 2, Float64Array.of(1, 0, 2, 4, 5, 6), 3, new Float64Array(6));
    expect([...out]).toEqual([9, 10, 14, 12, 15, 18]);
  });
});
