// Frames for `splitc run`: seeded pseudo-random frames (reproducible anywhere), or a directory of
// .npy files (float32, the model input's shape, with or without the batch dimension of 1).

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { elementCount, SplitcError } from '@splitc/diagnostics';

/** mulberry32: a small, fast, seeded 32-bit generator. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Frame `index` of the seeded stream, for an NCHW input (`shape` = [1, C, H, W]): per channel an
 * offset plus a few plane waves of random low spatial frequency, direction and phase, plus a little
 * noise — smooth structure like a normalised photo, so that different frames give clearly different
 * outputs (pure noise frames pool to nearly the same logits and could not tell frames apart).
 * Other shapes get standard normal values.
 */
export function seededFrame(seed: number, index: number, shape: readonly number[]): Float32Array {
  const next = mulberry32((seed * 0x9e3779b1 + index * 0x85ebca6b) >>> 0);
  const normal = (): number => Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next());
  const n = elementCount(shape);
  const out = new Float32Array(n);
  if (shape.length !== 4 || shape[2]! < 2 || shape[3]! < 2) {
    for (let i = 0; i < n; i++) out[i] = normal();
    return out;
  }
  const [, c, h, w] = shape as [number, number, number, number];
  for (let ch = 0; ch < c; ch++) {
    const offset = 0.7 * normal();
    const waves = Array.from({ length: 4 }, () => {
      const cycles = 0.5 + 6 * next();
      const angle = 2 * Math.PI * next();
      return { fy: (cycles * Math.sin(angle)) / h, fx: (cycles * Math.cos(angle)) / w, phase: 2 * Math.PI * next(), amp: 0.3 + 0.6 * next() };
    });
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let v = offset + 0.1 * normal();
        for (const k of waves) v += k.amp * Math.sin(2 * Math.PI * (k.fy * y + k.fx * x) + k.phase);
        out[(ch * h + y) * w + x] = v;
      }
    }
  }
  return out;
}

/** Parse a .npy file holding float32 values of `shape` (a leading 1 may be left out). */
export function readNpy(file: string, shape: readonly number[]): Float32Array {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new SplitcError('BadFrames', (e as Error).message.split('\n')[0] ?? String(e), { file });
  }
  const bad = (what: string): never => { throw new SplitcError('BadFrames', what, { file }); };
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') bad('not a .npy file');
  const major = buf[6]!;
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + hlen;
  if (start > buf.length) bad('truncated .npy header');
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const dims = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1]?.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (descr !== '<f4') bad(`dtype ${descr ?? '?'} is not little-endian float32 ('<f4')`);
  if (fortran) bad('Fortran order is not supported; save C-order arrays');
  const want = shape[0] === 1 ? shape.slice(1) : shape;
  const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
  if (dims === undefined || !(same(dims, shape) || same(dims, want))) bad(`shape (${dims?.join(', ') ?? '?'}) is not the model input's (${shape.join(', ')})`);
  const n = elementCount(shape);
  if (buf.length - start !== n * 4) bad(`holds ${buf.length - start} data bytes, expected ${n * 4}`);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readFloatLE(start + i * 4);
  return out;
}

/** The .npy files of a directory, sorted by name. */
export function listNpy(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new SplitcError('BadFrames', (e as Error).message.split('\n')[0] ?? String(e), { file: dir });
  }
  const files = names.filter((f) => f.endsWith('.npy')).sort().map((f) => path.join(dir, f));
  if (files.length === 0) throw new SplitcError('BadFrames', 'no .npy files', { file: dir });
  return files;
}
