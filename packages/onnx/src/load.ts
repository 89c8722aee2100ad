// Loading a model file: read once, decode, validate every external reference up front, and give
// tensor bytes on demand (zero-copy views for in-file data, one read per external range).

import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { SplitcError, type ProgressSink } from '@splitc/diagnostics';
import { decodeModel, MAX_MODEL_BYTES } from './decode.js';
import { readExternal, resolveExternal, type ResolvedExternal } from './external-data.js';
import type { OnnxGraph, OnnxModel, OnnxTensor } from './proto.js';
import type { BackgroundFill, Sha256Hasher, Sha256Job } from './sha256-worker.js';
import { holesOf, scanStructure, ShortRead } from './structure-scan.js';

export interface LoadedModel {
  /** The path as given by the user (used in messages). */
  readonly file: string;
  readonly dir: string;
  /** The whole file; raw tensors are views into it. With a background read, waits until every byte is present. */
  readonly bytes: Uint8Array;
  /**
   * The same buffer without waiting: with a background read (a hasher that fills), the payloads
   * of large weights may still be arriving. Views into it may be taken at once, but their bytes
   * may be read only once `ensurePresent(view)` has returned.
   */
  readonly pendingBytes: Uint8Array;
  /** Block until the bytes of `view` are present, when it is a view into this model's buffer (at once otherwise). */
  ensurePresent(view: Uint8Array): void;
  readonly model: OnnxModel;
  /** Element bytes of a tensor of this model (initializer or attribute tensor). */
  tensorBytes(t: OnnxTensor): Uint8Array;
  /** Where an external tensor's bytes live, or undefined for in-file tensors. */
  externalOf(t: OnnxTensor): ResolvedExternal | undefined;
  /** sha256 of the model file's bytes, hex (computed once: while reading, or on first use). */
  sha256(): string;
}

export interface LoadOptions {
  /**
   * Hash the file while it is read: each chunk goes to this hasher as soon as it has landed, so
   * a background hasher overlaps hashing with reading (and with decoding, for the last chunks).
   * Without it the digest is computed inline on first use of `sha256()` (never, for inspect).
   */
  readonly hasher?: Sha256Hasher;
  /** Reports `{ phase: 'read model', unit: 'bytes' }` after each chunk. */
  readonly onProgress?: ProgressSink;
  /**
   * Read the structure only (every byte but the payloads of raw_data fields of 1 MiB or more);
   * a weight is read when `tensorBytes` asks for it, all of them when `bytes` is used. For
   * commands that never look at large weights (inspect). Ignored with a hasher.
   */
  readonly lazyWeights?: boolean;
}

/** Bytes per read() when hashing while reading. */
const READ_CHUNK = 4 << 20;

export function loadModel(file: string, options: LoadOptions = {}): LoadedModel {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new SplitcError('FileNotFound', 'not a regular file', { file });
    size = st.size;
  } catch (e) {
    if (e instanceof SplitcError) throw e;
    throw new SplitcError('FileNotFound', describeFsError(e), { file });
  }
  if (size > MAX_MODEL_BYTES) {
    throw new SplitcError('ModelTooLarge', `${size} bytes exceeds the 2 GiB protobuf limit; store weights as external data`, { file });
  }
  if (options.hasher?.fill !== undefined) {
    const { bytes, fill } = readStructureFirst(file, size, options.hasher, options.onProgress);
    return loadModelFromBytes(bytes, file, fill.job, fill);
  }
  if (options.hasher !== undefined) {
    const { bytes, job } = readHashing(file, size, options.hasher, options.onProgress);
    return loadModelFromBytes(bytes, file, job);
  }
  if (options.lazyWeights === true) {
    const { bytes, onDemand } = readStructureOnly(file, size);
    return loadModelFromBytes(bytes, file, undefined, onDemand);
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new SplitcError('FileNotFound', describeFsError(e), { file });
  }
  options.onProgress?.({ phase: 'read model', done: bytes.length, total: bytes.length, unit: 'bytes' });
  return loadModelFromBytes(bytes, file);
}

/**
 * Read the structure now and the weights in the background: this thread reads every byte but
 * the payloads of large raw_data fields (a few percent of a weighted model) and decodes and
 * analyses the model, while the hasher's worker reads those payloads into the same shared buffer
 * and hashes the whole file in order. Each byte is read once, by one of the two.
 */
function readStructureFirst(file: string, size: number, hasher: Sha256Hasher, onProgress: ProgressSink | undefined): { bytes: Uint8Array; fill: BackgroundFill } {
  const bytes = new Uint8Array(new SharedArrayBuffer(size));
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const present = scanStructure(fd, bytes);
    const fill = hasher.fill!(fd, bytes, holesOf(present, size), present, onProgress);
    fd = undefined; // the hasher closes it
    return { bytes, fill };
  } catch (e) {
    if (e instanceof ShortRead) throw new SplitcError('FileNotFound', e.message, { file });
    throw new SplitcError('FileNotFound', describeFsError(e), { file });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Read the structure only; large weights are read on demand, from the same file (checked to be
 * unchanged: same inode, size and modification time), at most once each.
 */
function readStructureOnly(file: string, size: number): { bytes: Uint8Array; onDemand: Pick<BackgroundFill, 'waitFor'> } {
  // Pages of the buffer that are never read into are never touched, so they cost no memory.
  const bytes = new Uint8Array(size);
  let fd: number | undefined;
  let holes: Array<[number, number]>;
  let identity: { dev: number; ino: number; size: number; mtimeMs: number };
  try {
    fd = openSync(file, 'r');
    const st = fstatSync(fd);
    identity = { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
    holes = holesOf(scanStructure(fd, bytes), size);
  } catch (e) {
    if (e instanceof ShortRead) throw new SplitcError('FileNotFound', e.message, { file });
    throw new SplitcError('FileNotFound', describeFsError(e), { file });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const waitFor = (start: number, end: number): void => {
    const need = holes.filter(([a, b]) => a < end && b > start);
    if (need.length === 0) return;
    let again: number | undefined;
    try {
      again = openSync(file, 'r');
      const st = fstatSync(again);
      if (st.dev !== identity.dev || st.ino !== identity.ino || st.size !== identity.size || st.mtimeMs !== identity.mtimeMs) {
        throw new SplitcError('FileNotFound', 'the file changed while it was being read', { file });
      }
      for (const [a, b] of need) {
        for (let p = a; p < b;) {
          const n = readSync(again, bytes, p, b - p, p);
          if (n === 0) throw new SplitcError('FileNotFound', `the file ended at ${p} bytes of ${size} while it was read`, { file });
          p += n;
        }
      }
    } catch (e) {
      if (e instanceof SplitcError) throw e;
      throw new SplitcError('FileNotFound', describeFsError(e), { file });
    } finally {
      if (again !== undefined) closeSync(again);
    }
    holes = holes.filter((h) => !need.includes(h));
  };
  return { bytes, onDemand: { waitFor } };
}

/**
 * Read the file once, in chunks, into shared memory (so a worker thread can hash the chunks
 * without a copy), handing each chunk to the hasher as soon as it has landed.
 */
function readHashing(file: string, size: number, hasher: Sha256Hasher, onProgress: ProgressSink | undefined): { bytes: Uint8Array; job: Sha256Job } {
  const bytes = new Uint8Array(hasher.background ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
  const job = hasher.job();
  let fd: number | undefined;
  let done = 0;
  try {
    fd = openSync(file, 'r');
    while (done < size) {
      const n = readSync(fd, bytes, done, Math.min(READ_CHUNK, size - done), done);
      if (n === 0) break;
      job.update(bytes.subarray(done, done + n));
      done += n;
      onProgress?.({ phase: 'read model', done, total: size, unit: 'bytes' });
    }
  } catch (e) {
    throw new SplitcError('FileNotFound', describeFsError(e), { file });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  job.end();
  // A file that shrank while it was read: decode what was read (it will not decode as a model).
  return { bytes: done === size ? bytes : bytes.subarray(0, done), job };
}

/** Decode bytes that came from `file` (external data resolves against its directory). */
export function loadModelFromBytes(bytes: Uint8Array, file: string, hashing?: Sha256Job, background?: Pick<BackgroundFill, 'waitFor'>): LoadedModel {
  let model: OnnxModel;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    if (e instanceof SplitcError) throw e.at({ file });
    throw e;
  }
  const dir = path.dirname(path.resolve(file));
  const resolved = new Map<OnnxTensor, ResolvedExternal>();
  for (const t of externalTensors(model.graph)) {
    resolved.set(t, resolveExternal(dir, t, t.external!, file));
  }
  const cache = new Map<OnnxTensor, Uint8Array>();
  let digest: string | undefined;
  // With a background read, weights may still be arriving: wait for the bytes asked for.
  const present = (start: number, end: number): void => {
    if (background === undefined) return;
    try {
      background.waitFor(start, end);
    } catch (e) {
      if (e instanceof SplitcError) throw e;
      throw new SplitcError('FileNotFound', (e as Error).message.replace(/^sha256 worker failed: /, ''), { file });
    }
  };
  return {
    sha256: () => {
      if (digest === undefined) {
        present(0, bytes.length);
        digest = hashing !== undefined ? hashing.digest() : createHash('sha256').update(bytes).digest('hex');
      }
      return digest;
    },
    file,
    dir,
    get bytes() {
      present(0, bytes.length);
      return bytes;
    },
    pendingBytes: bytes,
    ensurePresent(view) {
      if (view.buffer === bytes.buffer && view.length > 0) present(view.byteOffset - bytes.byteOffset, view.byteOffset - bytes.byteOffset + view.length);
    },
    model,
    externalOf: (t) => resolved.get(t),
    tensorBytes(t) {
      if (t.storage !== 'external') {
        if (t.data.buffer === bytes.buffer) present(t.data.byteOffset - bytes.byteOffset, t.data.byteOffset - bytes.byteOffset + t.data.length);
        return t.data;
      }
      const hit = cache.get(t);
      if (hit !== undefined) return hit;
      const ext = resolved.get(t);
      if (ext === undefined) {
        throw new SplitcError('ExternalDataMissing', 'tensor is not part of this model', { file, field: `tensor ${JSON.stringify(t.name)}` });
      }
      const data = readExternal(ext, file, t.name);
      cache.set(t, data);
      return data;
    },
  };
}

function* externalTensors(g: OnnxGraph): Generator<OnnxTensor> {
  for (const t of g.initializers) if (t.storage === 'external') yield t;
  for (const n of g.nodes) {
    for (const a of n.attributes) {
      if (a.t?.storage === 'external') yield a.t;
      for (const t of a.tensors ?? []) if (t.storage === 'external') yield t;
      if (a.g !== undefined) yield* externalTensors(a.g);
      for (const sub of a.graphs ?? []) yield* externalTensors(sub);
    }
  }
}

function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    default: return err.message ?? String(e);
  }
}
