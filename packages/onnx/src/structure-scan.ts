// Reading a model's structure before its weights: walks ModelProto → GraphProto → initializer
// TensorProto with small positioned reads, reading every byte except the payloads of large
// `raw_data` fields, which it leaves as holes for the background reader to fill (and hash, in file
// order) while the structure is decoded and analysed. Anything unexpected ends the scan with the
// rest of the file read here, so a malformed file reaches the decoder, and its typed errors, whole.

import { readSync } from 'node:fs';

/** `raw_data` payloads at least this large are left for the background reader. */
export const HOLE_MIN_BYTES = 1 << 20;
/** Read-ahead of each positioned read: structure comes in many small fields. */
const WINDOW = 16 << 10;

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;

/** Ranges [start, end) of the file that were read into `bytes`, sorted and disjoint. */
export type Regions = Array<[number, number]>;

class Malformed extends Error {}

/** The file ended before its size (it shrank while it was read). */
export class ShortRead extends Error {}

/**
 * Read the structure of the model open at `fd` (of `bytes.length` bytes) into `bytes`, at the
 * same offsets. Returns the ranges read; the rest (large raw_data payloads) is not read.
 */
export function scanStructure(fd: number, bytes: Uint8Array): Regions {
  const size = bytes.length;
  const regions: Regions = [];
  const readRange = (a: number, b: number): void => {
    for (let p = a; p < b;) {
      const n = readSync(fd, bytes, p, b - p, p);
      if (n === 0) throw new ShortRead(`the file ended at ${p} bytes of ${size} while it was read`);
      p += n;
    }
  };
  // Make [a, b) present (b ≤ size); positions only move forward, so one open region at a time.
  const ensure = (a: number, b: number): void => {
    const last = regions[regions.length - 1];
    if (last !== undefined && a >= last[0] && b <= last[1]) return;
    const from = last !== undefined && a <= last[1] ? last[1] : a;
    const to = Math.min(size, Math.max(b, from + WINDOW));
    readRange(from, to);
    if (last !== undefined && from === last[1]) last[1] = to;
    else regions.push([from, to]);
  };
  const varint = (pos: number, end: number): [number, number] => {
    ensure(pos, Math.min(end, pos + 10));
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10 && pos < end; i++) {
      const b = bytes[pos++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return [value, pos];
      scale *= 128;
    }
    throw new Malformed('varint');
  };
  // Walk the fields of a message in [start, end); `inner(field, bodyStart, bodyEnd)` returns true
  // when it took care of a length-delimited field, otherwise the field is read here.
  const fields = (start: number, end: number, inner: (field: number, a: number, b: number) => boolean): void => {
    let pos = start;
    while (pos < end) {
      const [tag, p] = varint(pos, end);
      const field = Math.floor(tag / 8);
      switch (tag & 7) {
        case 0: pos = varint(p, end)[1]; break;
        case 1: pos = p + 8; if (pos <= end) ensure(p, pos); break;
        case 5: pos = p + 4; if (pos <= end) ensure(p, pos); break;
        case 2: {
          const [len, body] = varint(p, end);
          pos = body + len;
          if (pos > end) throw new Malformed('length');
          if (!inner(field, body, pos)) ensure(body, pos);
          break;
        }
        default: throw new Malformed('wire type');
      }
      if (pos > end) throw new Malformed('length');
    }
  };
  try {
    fields(0, size, (f, a, b) => {
      if (f !== MODEL_GRAPH) return false;
      fields(a, b, (g, ga, gb) => {
        if (g !== GRAPH_INITIALIZER) return false;
        // Large raw_data stays a hole: not ensured.
        fields(ga, gb, (t, ta, tb) => t === TENSOR_RAW_DATA && tb - ta >= HOLE_MIN_BYTES);
        return true;
      });
      return true;
    });
  } catch (e) {
    if (!(e instanceof Malformed)) throw e;
    // Not the shape we expected: read everything here and let the decoder say what is wrong.
    for (const [a, b] of holesOf(regions, size)) readRange(a, b);
    return size === 0 ? [] : [[0, size]];
  }
  return regions;
}

/** The ranges of [0, size) not in `regions`. */
export function holesOf(regions: Regions, size: number): Regions {
  const holes: Regions = [];
  let at = 0;
  for (const [a, b] of regions) {
    if (a > at) holes.push([at, a]);
    at = Math.max(at, b);
  }
  if (at < size) holes.push([at, size]);
  return holes;
}

/** Whether [a, b) lies inside one of `regions` (binary search). */
export function within(regions: Regions, a: number, b: number): boolean {
  let lo = 0;
  let hi = regions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [s, e] = regions[mid]!;
    if (a < s) hi = mid - 1;
    else if (a >= e) lo = mid + 1;
    else return b <= e;
  }
  return a === b;
}
