// Structure first, weights in the background: the scan reads everything but large raw_data
// payloads, the worker reads exactly the rest, and what the model gives is the file's bytes.
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataType, decodeModel, encodeModel, HOLE_MIN_BYTES, holesOf, loadModel, scanStructure, sha256Hasher } from '@splitc/onnx';

const dir = mkdtempSync(path.join(tmpdir(), 'splitc-scan-'));

/** Conv weights of several sizes around the hole threshold, and a small int64 shape constant. */
function weighted(): Uint8Array {
  const sizes = [8, 300_000, 40, 700_000, 5]; // elements: 32 B … 2.8 MB
  const initializers = sizes.map((n, i) => ({ name: `w${i}`, dataType: DataType.FLOAT, dims: [n], data: new Uint8Array(Float32Array.from({ length: n }, (_, k) => Math.sin(k + i)).buffer) }));
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'splitc-tests',
    graph: {
      name: 'g',
      nodes: sizes.map((_, i) => ({ name: `add${i}`, opType: 'Add', inputs: [i === 0 ? 'x' : `y${i - 1}`, `w${i}`], outputs: [`y${i}`] })),
      initializers,
      inputs: [{ name: 'x', elemType: DataType.FLOAT, shape: [1] }],
      outputs: [{ name: `y${sizes.length - 1}`, elemType: DataType.FLOAT, shape: [1] }],
    },
  });
}

function scan(bytes: Uint8Array) {
  const file = path.join(dir, `m${Math.random().toString(36).slice(2)}.onnx`);
  writeFileSync(file, bytes);
  const into = new Uint8Array(bytes.length);
  const fd = openSync(file, 'r');
  try {
    return { file, into, regions: scanStructure(fd, into) };
  } finally {
    closeSync(fd);
  }
}

describe('scanStructure', () => {
  it('reads all but the large raw_data payloads, which become the holes', () => {
    const bytes = weighted();
    const { into, regions } = scan(bytes);
    const holes = holesOf(regions, bytes.length);
    // Everything read is the file's bytes; the holes are inside the two payloads of >= 1 MiB.
    for (const [a, b] of regions) expect(Buffer.from(into.subarray(a, b)).equals(Buffer.from(bytes.subarray(a, b)))).toBe(true);
    const m = decodeModel(bytes);
    const big = m.graph.initializers.filter((t) => t.data.length >= HOLE_MIN_BYTES).map((t) => [t.data.byteOffset - bytes.byteOffset, t.data.byteOffset - bytes.byteOffset + t.data.length]);
    expect(big).toHaveLength(2);
    expect(holes).toHaveLength(2);
    holes.forEach(([a, b], i) => {
      expect(a).toBeGreaterThanOrEqual(big[i]![0]!);
      expect(b).toBe(big[i]![1]);
      expect(b - a).toBeGreaterThan(big[i]![1]! - big[i]![0]! - (64 << 10));
    });
    // The structure decodes from what was read (the holes are zeros until filled).
    expect(decodeModel(into).graph.initializers.map((t) => t.name)).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
  });

  it('reads a file it cannot walk whole, for the decoder to judge', () => {
    const bytes = weighted();
    const cut = bytes.subarray(0, bytes.length - 100_000); // a payload runs past the end
    const { into, regions } = scan(cut);
    expect(regions).toEqual([[0, cut.length]]);
    expect(Buffer.from(into).equals(Buffer.from(cut))).toBe(true);
    const noise = Uint8Array.from({ length: 3000 }, (_, i) => (i * 97 + 13) & 0xff);
    expect(scan(noise).regions).toEqual([[0, noise.length]]);
  });
});

describe('loading structure first, weights on the worker', () => {
  it('gives every tensor its bytes, the whole buffer and the digest of the file', () => {
    const bytes = weighted();
    const file = path.join(dir, 'weighted.onnx');
    writeFileSync(file, bytes);
    const h = sha256Hasher({ background: true });
    try {
      const m = loadModel(file, { hasher: h });
      for (const t of m.model.graph.initializers) {
        const start = t.data.byteOffset;
        expect(Buffer.from(m.tensorBytes(t)).equals(Buffer.from(bytes.subarray(start, start + t.data.length))), t.name).toBe(true);
      }
      expect(Buffer.from(m.bytes).equals(Buffer.from(readFileSync(file)))).toBe(true);
      expect(m.sha256()).toBe(createHash('sha256').update(bytes).digest('hex'));
    } finally {
      h.close();
    }
  });

  it('a file that fails to read in the background gives a typed error, not a hang', () => {
    const bytes = weighted();
    const file = path.join(dir, 'shrinks.onnx');
    writeFileSync(file, bytes);
    const h = sha256Hasher({ background: true });
    try {
      const m = loadModel(file, { hasher: h });
      // Shrink it under the reader (before the worker has necessarily reached the end).
      writeFileSync(file, bytes.subarray(0, 1000));
      let error: unknown;
      try {
        m.sha256();
      } catch (e) {
        error = e;
      }
      // Either the worker had already read everything (then the digest is right) or it failed cleanly.
      if (error === undefined) expect(m.sha256()).toBe(createHash('sha256').update(bytes).digest('hex'));
      else expect(String(error)).toMatch(/SPLITC|ended/);
    } finally {
      h.close();
    }
  });
});
