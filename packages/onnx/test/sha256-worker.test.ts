// The worker-thread SHA-256 hasher and hashing while loading: the digests are exactly those of
// node:crypto on the same bytes, however the bytes are cut, shared or interleaved.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '@splitc/diagnostics';
import { BACKGROUND_HASH_MIN_BYTES, inlineHasher, loadModel, sha256Hasher, sha256HasherFor, type Sha256Hasher } from '@splitc/onnx';
import { twoBranchModel } from '@splitc/test-support';

const hex = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** Deterministic pseudo-random bytes (xorshift), `shared` in a SharedArrayBuffer or not. */
function bytes(n: number, seed: number, shared: boolean): Uint8Array {
  const out = new Uint8Array(shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const open: Sha256Hasher[] = [];
const hasher = (background: boolean): Sha256Hasher => {
  const h = background ? sha256Hasher({ background: true }) : inlineHasher();
  open.push(h);
  return h;
};
afterEach(() => {
  for (const h of open.splice(0)) h.close();
});

describe.each([true, false])('sha256 hasher (background: %s)', (background) => {
  it('runs where it says', () => {
    expect(hasher(background).background).toBe(background);
  });

  it('hashes a shared buffer fed in chunks across several batches', () => {
    const h = hasher(background);
    const data = bytes(13 << 20, 1, true);
    const job = h.job();
    for (let o = 0; o < data.length; o += 3 << 20) job.update(data.subarray(o, o + (3 << 20)));
    expect(job.digest()).toBe(hex(data));
    expect(h.progress()).toEqual({ hashed: data.length, submitted: data.length });
  });

  it('hashes thousands of small unshared pieces between shared views, and a large unshared piece', () => {
    const h = hasher(background);
    const shared = bytes(1 << 20, 2, true);
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < 5000; i++) {
      pieces.push(bytes(1 + (i % 37), i + 3, false));
      if (i % 50 === 0) pieces.push(shared.subarray(i * 100, i * 100 + 4096));
    }
    // Views into a larger unshared buffer: only the viewed bytes count.
    const big = bytes(6 << 20, 9, false);
    pieces.push(big.subarray(17, big.length - 5), new Uint8Array(0), shared);
    const job = h.job();
    for (const p of pieces) job.update(p);
    expect(job.digest()).toBe(hex(...pieces));
  });

  it('keeps interleaved jobs apart and answers them in any order', () => {
    const h = hasher(background);
    const a = bytes(5 << 20, 4, true);
    const b = bytes(3 << 20, 5, false);
    const ja = h.job();
    const jb = h.job();
    const empty = h.job();
    for (let i = 0; i < 8; i++) {
      ja.update(a.subarray((i * a.length) / 8, ((i + 1) * a.length) / 8));
      jb.update(b.subarray((i * b.length) / 8, ((i + 1) * b.length) / 8));
    }
    ja.end();
    jb.end();
    empty.end();
    expect(empty.digest()).toBe(hex());
    expect(jb.digest()).toBe(hex(b));
    expect(ja.digest()).toBe(hex(a));
    // Asking again gives the same answer.
    expect(ja.digest()).toBe(hex(a));
  });
});

describe('hashing while loading', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'splitc-hash-'));
  // ~20 MiB: a 3x3 conv weight of 768 x 768 channels.
  const file = path.join(dir, 'big.onnx');
  writeFileSync(file, twoBranchModel(768, 2, (i) => Math.sin(i)));
  const source = readFileSync(file);

  it('reads the file once into shared memory and hashes it on the worker', () => {
    expect(source.length).toBeGreaterThanOrEqual(BACKGROUND_HASH_MIN_BYTES);
    const h = sha256HasherFor(file);
    open.push(h);
    expect(h.background).toBe(true);
    const events: ProgressEvent[] = [];
    const m = loadModel(file, { hasher: h, onProgress: (e) => events.push(e) });
    expect(m.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.from(m.bytes).equals(source)).toBe(true);
    expect(m.sha256()).toBe(hex(source));
    // Weights are views into the one read of the file.
    const w = m.model.graph.initializers[0]!;
    expect(m.tensorBytes(w).buffer).toBe(m.bytes.buffer);
    // One 'read model' event per chunk, ending at the file size.
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((e) => e.phase === 'read model' && e.total === source.length && e.unit === 'bytes')).toBe(true);
    expect(events.map((e) => e.done)).toEqual([...events.map((e) => e.done)].sort((x, y) => x - y));
    expect(events.at(-1)!.done).toBe(source.length);
    expect(h.progress().hashed).toBe(source.length);
  });

  it('gives the same digest inline, hashing lazily without a hasher, and picks inline for small files', () => {
    const inline = inlineHasher();
    expect(loadModel(file, { hasher: inline }).sha256()).toBe(hex(source));
    const lazy = loadModel(file);
    expect(lazy.bytes.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(lazy.sha256()).toBe(hex(source));
    const small = path.join(dir, 'small.onnx');
    writeFileSync(small, twoBranchModel(4, 2, (i) => i));
    const h = sha256HasherFor(small);
    open.push(h);
    expect(h.background).toBe(false);
    expect(loadModel(small, { hasher: h }).sha256()).toBe(hex(readFileSync(small)));
  });
});
