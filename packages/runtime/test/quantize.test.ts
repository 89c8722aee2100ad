// The seam's arithmetic: int8 NHWC at a power-of-two fix_point and back to float NCHW, exactly,
// and the fix_point calibration picks.
import { describe, expect, it } from 'vitest';
import { chooseFixPoint, dequantizeFromNhwc, quantizeToNhwc } from '@splitc/runtime';

describe('seam arithmetic', () => {
  it('quantizes NCHW to int8 NHWC with rounding half to even and clipping, and back', () => {
    // C=2, H=1, W=3: channel 0 = [0.25, 0.375, -9], channel 1 = [100, -0.125, 0.0625]
    const x = new Float32Array([0.25, 0.375, -9, 100, -0.125, 0.0625]);
    const q = new Int8Array(8).fill(99);
    quantizeToNhwc(x, [2, 1, 3], 3, q, 1); // scale 8
    // NHWC order: (w0: c0, c1), (w1: c0, c1), (w2: c0, c1); 0.375*8 = 3, 0.0625*8 = 0.5 → 0 (half to even)
    expect(Array.from(q)).toEqual([99, 2, 127, 3, -1, -72, 0, 99]);
    const back = new Float32Array(6);
    dequantizeFromNhwc(q, 1, [2, 1, 3], 3, back);
    expect(Array.from(back)).toEqual([0.25, 0.375, -9, 127 / 8, -0.125, 0]);
    // Negative fix_points scale up.
    const q2 = new Int8Array(1);
    quantizeToNhwc(new Float32Array([1000]), [1], -3, q2, 0);
    expect(q2[0]).toBe(125);
  });

  it('picks the fix_point with the least squared error, from max-min up to four steps finer', () => {
    // All values within ±1.9: max-min gives floor(log2(127 / 1.9)) = 6 (scale 64, no clipping).
    expect(chooseFixPoint([new Float32Array([1.9, -1.2, 0.3])])).toBe(6);
    // One outlier among many small values: clipping it costs less than coarse steps for the rest.
    const many = new Float32Array(10000).map((_, i) => ((i % 200) - 100) / 1000);
    many[0] = 8;
    expect(chooseFixPoint([many])).toBeGreaterThan(Math.floor(Math.log2(127 / 8)));
    expect(chooseFixPoint([new Float32Array(4)])).toBe(0);
  });
});
