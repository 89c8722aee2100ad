// The inference forward pass's one hot loop, `out = a · W` on Float64 rows, as a WebAssembly SIMD
// kernel (f64x2). It is assembled here, from the instruction encodings of the WebAssembly core and
// SIMD specifications, into a 1.3 kB module: no build step, no binary file, nothing downloaded.
//
// It computes exactly what the plain-JavaScript loop does, in the same order: for each row, for each
// input j whose value is not zero (±0 is skipped, NaN is not), out[c] += a[j] · W[j][c], one
// multiply and one add per element (WebAssembly has no fused multiply-add outside the
// relaxed-SIMD proposal, so every product and sum is rounded as JavaScript rounds it). The results
// are therefore bit-identical to the JavaScript loop, which stays as the fallback for runtimes
// without SIMD and as the reference in packages/gnn/test/wasm-matmul.test.ts. On this project's
// 2-core machine the kernel is about five times faster than that loop (docs/gnn.md → Speed); since
// the thirteenth pass it takes four inputs per pass over a row and four column pairs per step,
// about 1.6 times faster than the plain SIMD loop it replaced.

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: readonly (readonly number[])[]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: readonly number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

// Instructions (core: local.get/set/tee, i32.const, i32.add/mul, i32.ge_u/gt_u, br/br_if, block,
// loop, if, end, f64.load/store/const/ne/add/mul; SIMD, prefix 0xfd: v128.load 0, v128.store 11,
// f64x2.splat 20, f64x2.add 240, f64x2.mul 242).
const get = (i: number): number[] => [0x20, ...uleb(i)];
const set = (i: number): number[] => [0x21, ...uleb(i)];
const tee = (i: number): number[] => [0x22, ...uleb(i)];
const i32 = (v: number): number[] => [0x41, ...sleb(v)];
const ADD = 0x6a;
const MUL = 0x6c;
const GE_U = 0x4f;
const GT_U = 0x4b;
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const IF = [0x04, 0x40];
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const F64_LOAD = [0x2b, 3, 0];
const F64_STORE = [0x39, 3, 0];
const F64_ZERO = [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
const F64_NE = 0x62;
const F64_ADD = 0xa0;
const F64_MUL = 0xa2;

/** `for (local = 0; local < limit; local += step) body` (the body sees `local`). */
function forLoop(local: number, limit: readonly number[], step: number, body: readonly number[]): number[] {
  return [...i32(0), ...set(local), ...BLOCK, ...LOOP, ...get(local), ...limit, GE_U, BR_IF, 1, ...body, ...get(local), ...i32(step), ADD, ...set(local), BR, 0, END, END];
}

/** v128.load / v128.store with a constant byte offset (memarg: alignment 2^4, offset). */
const v128Load = (offset: number): number[] => [...simd(0), 4, ...uleb(offset)];
const v128Store = (offset: number): number[] => [...simd(11), 4, ...uleb(offset)];
/** i32.load with a constant byte offset (memarg: alignment 2^2, offset). */
const i32Load = (offset: number): number[] => [0x28, 2, ...uleb(offset)];
const I32_STORE = [0x36, 2, 0];
const LT_U = 0x49;

/** Columns (f64 pairs) per step of the unrolled loop: four pairs, one bound check and one address computation. */
const UNROLL = 4;
/** Inputs taken at a time: `out`'s row is loaded and stored once per four products. */
const GROUP = 4;

/**
 * matmul(a, n, k, w, o, out, idx): byte addresses of a [n × k], W [k × o], out [n × o] (Float64,
 * row-major) and idx, room for k Int32 (a row's non-zero inputs). Parameters 0–6; locals: 7 i,
 * 8 j, 9 c (a byte offset in the row), 10 a's row, 11 out's row, 12 o·8, 13 the row's count of
 * non-zero inputs, 14 p (the next of them), 15 out's row + c; then, per input at hand, its W row,
 * its W row + c, its value (f64) and its value splatted (f64x2).
 *
 * Each row first lists its non-zero inputs, then takes them four at a time (the last one to three
 * one at a time): out[c..c+1] is loaded once, has v₁·W[j₁][c..c+1] added, then v₂·W[j₂][c..c+1],
 * and so on, and is stored once. Every element still sees the same multiplies and adds in the same
 * order (j ascending) as the JavaScript loop, so the result is bit-identical; `out` is only loaded
 * and stored a quarter as often.
 */
function matmulBody(): number[] {
  const [A, N, K, W, O, OUT, IDX] = [0, 1, 2, 3, 4, 5, 6];
  const [i, j, c, aRow, outRow, rowBytes, count, p, outAt] = [7, 8, 9, 10, 11, 12, 13, 14, 15];
  // Per input at hand q < GROUP: its W row, its W row + c (i32), its value (f64), the value splatted (f64x2).
  const wRow = (q: number): number => 16 + q;
  const wAt = (q: number): number => 16 + GROUP + q;
  const val = (q: number): number => 16 + 2 * GROUP + q;
  const splat = (q: number): number => 16 + 3 * GROUP + q;
  const at = (base: number): number[] => [...get(base), ...get(c), ADD];
  const range = (m: number): number[] => Array.from({ length: m }, (_, q) => q);
  // out[c..c+1] (+)= v_q·W[j_q][c..c+1] for the m inputs at hand, at byte offset `off` from the step's addresses.
  const pair = (m: number, off: number): number[] => [
    ...get(outAt), ...get(outAt), ...v128Load(off),
    ...range(m).flatMap((q) => [...get(splat(q)), ...get(wAt(q)), ...v128Load(off), ...simd(242), ...simd(240)]),
    ...v128Store(off),
  ];
  const steps = (m: number, pairsPerStep: number): number[] => [
    ...BLOCK, ...LOOP,
    ...get(c), ...i32(16 * pairsPerStep), ADD, ...get(rowBytes), GT_U, BR_IF, 1,
    ...at(outRow), ...set(outAt), ...range(m).flatMap((q) => [...at(wRow(q)), ...set(wAt(q))]),
    ...range(pairsPerStep).flatMap((q) => pair(m, 16 * q)),
    ...get(c), ...i32(16 * pairsPerStep), ADD, ...set(c), BR, 0,
    END, END,
  ];
  const columns = (m: number): number[] => [
    ...i32(0), ...set(c),
    ...steps(m, UNROLL),
    ...steps(m, 1),
    ...get(c), ...get(rowBytes), LT_U, ...IF,
    ...at(outRow), ...at(outRow), ...F64_LOAD,
    ...range(m).flatMap((q) => [...get(val(q)), ...at(wRow(q)), ...F64_LOAD, F64_MUL, F64_ADD]),
    ...F64_STORE,
    END,
  ];
  const take = (q: number): number[] => [
    ...get(IDX), ...get(p), ...i32(4), MUL, ADD, ...i32Load(4 * q), ...set(j),
    ...get(aRow), ...get(j), ...i32(8), MUL, ADD, ...F64_LOAD, ...tee(val(q)), ...simd(20), ...set(splat(q)),
    ...get(W), ...get(j), ...get(rowBytes), MUL, ADD, ...set(wRow(q)),
  ];
  // While at least m inputs are left: take m of them.
  const groups = (m: number): number[] => [
    ...BLOCK, ...LOOP,
    ...get(p), ...i32(m), ADD, ...get(count), GT_U, BR_IF, 1,
    ...range(m).flatMap(take),
    ...columns(m),
    ...get(p), ...i32(m), ADD, ...set(p), BR, 0,
    END, END,
  ];
  const row = [
    ...get(A), ...get(i), ...get(K), MUL, ...i32(8), MUL, ADD, ...set(aRow),
    ...get(OUT), ...get(i), ...get(rowBytes), MUL, ADD, ...set(outRow),
    ...forLoop(c, get(rowBytes), 8, [...at(outRow), ...F64_ZERO, ...F64_STORE]),
    ...i32(0), ...set(count),
    ...forLoop(j, get(K), 1, [
      ...get(aRow), ...get(j), ...i32(8), MUL, ADD, ...F64_LOAD, ...F64_ZERO, F64_NE, ...IF,
      ...get(IDX), ...get(count), ...i32(4), MUL, ADD, ...get(j), ...I32_STORE,
      ...get(count), ...i32(1), ADD, ...set(count),
      END,
    ]),
    ...i32(0), ...set(p),
    ...groups(GROUP),
    ...groups(1),
  ];
  const body = [...get(O), ...i32(8), MUL, ...set(rowBytes), ...forLoop(i, get(N), 1, row), END];
  const locals = vec([[...uleb(9 + 2 * GROUP), I32], [...uleb(GROUP), F64], [...uleb(GROUP), V128]]);
  return [...locals, ...body];
}

/** The module's bytes: one function `matmul` and its memory, both exported. */
export function matmulModuleBytes(): Uint8Array<ArrayBuffer> {
  const code = matmulBody();
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec([[0x60, ...vec([I32, I32, I32, I32, I32, I32, I32].map((t) => [t])), 0]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(7, vec([[...name('matmul'), 0x00, 0], [...name('memory'), 0x02, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface Kernel {
  readonly matmul: (a: number, n: number, k: number, w: number, o: number, out: number, idx: number) => void;
  readonly memory: WasmMemory;
}

/** The part of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
}

let kernel: Kernel | null | undefined;

/** The compiled kernel, or null where the runtime lacks WebAssembly SIMD (or WebAssembly). */
function wasmKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    const bytes = matmulModuleBytes();
    if (wasm === undefined || !wasm.validate(bytes)) return (kernel = null);
    kernel = new wasm.Instance(new wasm.Module(bytes)).exports as Kernel;
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Whether `matmul` runs the WebAssembly kernel here (else the JavaScript loop). */
export function wasmMatmulAvailable(): boolean {
  return wasmKernel() !== null;
}

/** out[n × o] = a[n × k] · w[k × o] in plain JavaScript: the reference and the fallback. */
export function matmulJs(a: Float64Array, n: number, k: number, w: Float64Array, o: number, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const ai = i * k;
    const oi = i * o;
    out.fill(0, oi, oi + o);
    for (let j = 0; j < k; j++) {
      const v = a[ai + j]!;
      if (v === 0) continue;
      const wj = j * o;
      let c = 0;
      for (; c + 4 <= o; c += 4) {
        out[oi + c]! += v * w[wj + c]!;
        out[oi + c + 1]! += v * w[wj + c + 1]!;
        out[oi + c + 2]! += v * w[wj + c + 2]!;
        out[oi + c + 3]! += v * w[wj + c + 3]!;
      }
      for (; c < o; c++) out[oi + c]! += v * w[wj + c]!;
    }
  }
  return out;
}

/**
 * out[n × o] = a[n × k] · w[k × o] (Float64, row-major), by the WebAssembly kernel where it runs:
 * a and w are copied into its memory (O(n·k + k·o), against the product's O(n·k·o)) and the result
 * copied back. Bit-identical to `matmulJs`.
 */
export function matmul(a: Float64Array, n: number, k: number, w: Float64Array, o: number, out: Float64Array): Float64Array {
  const kern = wasmKernel();
  // A single row is not worth the copies.
  if (kern === null || n < 2) return matmulJs(a, n, k, w, o, out);
  const aAt = 0;
  const wAt = 8 * n * k;
  const outAt = wAt + 8 * k * o;
  const idxAt = outAt + 8 * n * o;
  const bytes = idxAt + 4 * k;
  const have = kern.memory.buffer.byteLength;
  if (bytes > have) kern.memory.grow(Math.ceil((bytes - have) / 65536));
  const buffer = kern.memory.buffer;
  new Float64Array(buffer, aAt, n * k).set(a.subarray(0, n * k));
  new Float64Array(buffer, wAt, k * o).set(w.subarray(0, k * o));
  kern.matmul(aAt, n, k, wAt, o, outAt, idxAt);
  out.set(new Float64Array(buffer, outAt, n * o));
  return out;
}
