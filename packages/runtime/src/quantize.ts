// The DPU's fixed-point arithmetic at the seam: power-of-two quantization of the DPU's inputs and
// outputs (q = clip(round(x * 2^fp), -128, 127), x = q * 2^-fp), the NCHW <-> NHWC layouts, and the
// calibration that picks each tensor's fix_point from calibration frames.

/** Round half to even, as numpy's `np.round` (used by the emitted Python workers). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const clip8 = (v: number): number => (v > 127 ? 127 : v < -128 ? -128 : v);

/**
 * Quantize one frame (float, NCHW when `chw` has 3 dims, else flat) to int8 at `fixPoint`, writing
 * it NHWC (channels last) into `dst` at `offset`.
 */
export function quantizeToNhwc(src: Float32Array, chw: readonly number[], fixPoint: number, dst: Int8Array, offset: number): void {
  const s = 2 ** fixPoint;
  if (chw.length !== 3) {
    for (let i = 0; i < src.length; i++) dst[offset + i] = clip8(roundHalfEven(src[i]! * s));
    return;
  }
  const [c, h, w] = chw as [number, number, number];
  const hw = h * w;
  for (let ch = 0; ch < c; ch++) {
    const base = ch * hw;
    for (let p = 0; p < hw; p++) dst[offset + p * c + ch] = clip8(roundHalfEven(src[base + p]! * s));
  }
}

/** The seam on the GPU side: int8 NHWC at `fixPoint` → float NCHW (flat when `chw` is not 3 dims). */
export function dequantizeFromNhwc(src: Int8Array, offset: number, chw: readonly number[], fixPoint: number, dst: Float32Array): void {
  const s = 2 ** -fixPoint;
  if (chw.length !== 3) {
    for (let i = 0; i < dst.length; i++) dst[i] = src[offset + i]! * s;
    return;
  }
  const [c, h, w] = chw as [number, number, number];
  const hw = h * w;
  for (let ch = 0; ch < c; ch++) {
    const base = ch * hw;
    for (let p = 0; p < hw; p++) dst[base + p] = src[offset + p * c + ch]! * s;
  }
}

/** Quantize then dequantize in place (what the DPU does to a float tensor it takes in), NCHW kept. */
export function fakeQuantize(x: Float32Array, fixPoint: number): Float32Array {
  const s = 2 ** fixPoint;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = clip8(roundHalfEven(x[i]! * s)) / s;
  return out;
}

/**
 * The fix_point calibration would pick for a tensor from its values over the calibration frames:
 * the power-of-two scale with the least squared quantization error, searched from the largest
 * scale that does not clip the largest magnitude (max-min) up to four steps finer (which clip the
 * outliers). Modelled on vai_q_pytorch's activation calibration (a search over power-of-two
 * positions for the least error); its exact candidate range is not checked against its source here.
 */
export function chooseFixPoint(samples: readonly Float32Array[]): number {
  let maxAbs = 0;
  for (const x of samples) for (let i = 0; i < x.length; i++) { const a = Math.abs(x[i]!); if (a > maxAbs) maxAbs = a; }
  if (maxAbs === 0 || !Number.isFinite(maxAbs)) return 0;
  const base = Math.floor(Math.log2(127 / maxAbs));
  let best = base;
  let bestErr = Infinity;
  for (let fp = base; fp <= base + 4; fp++) {
    const s = 2 ** fp;
    let err = 0;
    for (const x of samples) {
      for (let i = 0; i < x.length; i++) {
        const d = clip8(roundHalfEven(x[i]! * s)) / s - x[i]!;
        err += d * d;
      }
    }
    if (err < bestErr) { bestErr = err; best = fp; }
  }
  return best;
}
