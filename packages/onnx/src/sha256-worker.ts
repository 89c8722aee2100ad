// SHA-256 on the second core: a worker thread hashes byte ranges while the caller goes on reading,
// decoding or writing. Views into a SharedArrayBuffer (the model file as loadModel reads it) reach
// the worker without a copy; other bytes are copied once into shared staging memory. The API is
// synchronous (`digest()` blocks with Atomics.wait), so synchronous callers such as compile() keep
// their shape. Below a size where a thread does not pay for its start-up, hashing stays inline.

import { createHash } from 'node:crypto';
import { closeSync, statSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { ProgressSink } from '@splitc/diagnostics';

/** One digest in progress: feed it bytes in order, end it, read the hex digest. */
export interface Sha256Job {
  /** Hash `bytes` next. The caller must not change them until `digest()` has returned. */
  update(bytes: Uint8Array): void;
  /** No more bytes follow. */
  end(): void;
  /** The hex digest (ends the job if needed); blocks until the worker has hashed everything. */
  digest(): string;
}

/** The background part of a read: the worker fills the holes of a file's buffer and hashes it. */
export interface BackgroundFill {
  /** The digest of the whole file, once it is read and hashed. */
  readonly job: Sha256Job;
  /** Block until bytes [start, end) of the buffer are present (throws if the read failed). */
  waitFor(start: number, end: number): void;
}

export interface Sha256Hasher {
  /** True when the hashing runs on a worker thread. */
  readonly background: boolean;
  job(): Sha256Job;
  /**
   * Background hashers only: read the `holes` of `bytes` (ranges [start, end) not yet read, in
   * order) from the file open at `fd`, at the same offsets, and hash all of `bytes` in file
   * order; `present` are the ranges already read. The hasher closes `fd` when it is closed.
   */
  fill?(fd: number, bytes: Uint8Array, holes: ReadonlyArray<readonly [number, number]>, present: ReadonlyArray<readonly [number, number]>, onProgress?: ProgressSink): BackgroundFill;
  /** Bytes hashed so far by all jobs, and bytes handed over. */
  progress(): { readonly hashed: number; readonly submitted: number };
  /** Stop the worker (pending digests can no longer be read). Idempotent. */
  close(): void;
}

/** Files smaller than this are hashed inline: starting a thread costs ~40 ms and ~10 MiB. */
export const BACKGROUND_HASH_MIN_BYTES = 16 << 20;
/** Bytes gathered before they are handed to the worker. */
const BATCH_BYTES = 4 << 20;
/**
 * Staging memory for bytes that are not already shared (protobuf tags and headers between the
 * weights: a few KiB per partition). Small, because the allocator may zero it page by page.
 */
const STAGE_BYTES = 64 << 10;

export interface HasherOptions {
  /** Hash on a worker thread (false: inline, on the caller's thread). */
  readonly background: boolean;
  /** Reports `{ phase: 'hash' }` while `digest()` waits for the worker. */
  readonly onProgress?: ProgressSink;
}

/** A hasher on a worker thread when `background` (falling back to inline if no thread starts). */
export function sha256Hasher(options: HasherOptions): Sha256Hasher {
  if (options.background) {
    try {
      return new WorkerHasher(options.onProgress);
    } catch {
      // No thread could be started (resource limits): the digests are the same inline.
    }
  }
  return inlineHasher();
}

/**
 * The hasher for a model file and the files made from it: on a worker thread when the file is
 * at least BACKGROUND_HASH_MIN_BYTES, inline otherwise (or when it cannot be read: the loader
 * reports that).
 */
export function sha256HasherFor(file: string, onProgress?: ProgressSink): Sha256Hasher {
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    // loadModel gives the typed error.
  }
  return sha256Hasher({ background: size >= BACKGROUND_HASH_MIN_BYTES, ...(onProgress !== undefined ? { onProgress } : {}) });
}

export function inlineHasher(): Sha256Hasher {
  let hashed = 0;
  return {
    background: false,
    job() {
      const h = createHash('sha256');
      let hex: string | undefined;
      return {
        update(b) { h.update(b); hashed += b.length; },
        end() { hex ??= h.digest('hex'); },
        digest() { hex ??= h.digest('hex'); return hex; },
      };
    },
    progress: () => ({ hashed, submitted: hashed }),
    close() {},
  };
}

// The worker: CommonJS evaluated from a string, so it runs the same from dist/ and under test
// runners, without a file path to resolve. Messages: { id, segs: Uint8Array[], end: boolean }, or
// { op: 'fill', id, fd, buf, holes } (read the holes of buf from fd in order — the next chunk on
// the thread pool while this one is hashed — and hash the whole buffer in file order).
// ctl[0] counts finished jobs (the main thread waits on it); hashed[0] counts bytes hashed;
// ready[0]: every byte of the filled buffer below it is present; seq[0] bumps when ready moves or
// the fill fails (failed[0] = 1).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { port, ctl: ctlBuffer } = workerData;
const ctl = new Int32Array(ctlBuffer, 0, 1);
const hashed = new Float64Array(ctlBuffer, 8, 1);
const ready = new Float64Array(ctlBuffer, 16, 1);
const seq = new Int32Array(ctlBuffer, 24, 1);
const failed = new Int32Array(ctlBuffer, 28, 1);
const jobs = new Map();
const CHUNK = 4 << 20;
const AHEAD = 8;
const bump = () => { Atomics.add(seq, 0, 1); Atomics.notify(seq, 0); };
function readFull(fd, buf, start, end) {
  return new Promise((resolve, reject) => {
    const more = (at) => {
      if (at >= end) return resolve();
      fs.read(fd, buf, at, end - at, at, (err, n) => {
        if (err) return reject(err);
        if (n === 0) return reject(new Error('the file ended at ' + at + ' bytes while it was read'));
        more(at + n);
      });
    };
    more(start);
  });
}
async function fill(m) {
  const { id, fd, buf, holes } = m;
  const h = createHash('sha256');
  const chunks = [];
  for (let i = 0; i < holes.length; i += 2) for (let a = holes[i]; a < holes[i + 1]; a += CHUNK) chunks.push([a, Math.min(a + CHUNK, holes[i + 1])]);
  let hashedTo = 0;
  const hashTo = (end) => { if (end > hashedTo) { h.update(buf.subarray(hashedTo, end)); hashed[0] += end - hashedTo; hashedTo = end; } };
  try {
    // Reads are not paced by the hashing: AHEAD chunks are always being read on the thread pool
    // (each finished read starts the next), so the main thread, which waits for bytes to write,
    // gets them at read speed. ready[0] moves as soon as a contiguous run of chunks has landed,
    // to the end of the buffer once every hole is read.
    const reads = new Array(chunks.length);
    const landed = new Array(chunks.length).fill(false);
    let contiguous = 0;
    let issued = 0;
    const start = (k) => {
      reads[k] = readFull(fd, buf, chunks[k][0], chunks[k][1]).then(() => {
        landed[k] = true;
        let moved = false;
        while (contiguous < chunks.length && landed[contiguous]) { contiguous++; moved = true; }
        if (moved) { ready[0] = contiguous === chunks.length ? buf.length : chunks[contiguous - 1][1]; bump(); }
        if (issued < chunks.length) start(issued++);
      });
      reads[k].catch(() => undefined); // awaited in order below; a failure is reported there
    };
    while (issued < Math.min(AHEAD, chunks.length)) start(issued++);
    for (let k = 0; k < chunks.length; k++) {
      await reads[k];
      hashTo(chunks[k][1]);
      // Hashing is synchronous: give the event loop a turn so finished reads are seen now.
      await new Promise((resolve) => setImmediate(resolve));
    }
    ready[0] = buf.length;
    bump();
    hashTo(buf.length);
    port.postMessage({ id, hex: h.digest('hex') });
  } catch (e) {
    failed[0] = 1;
    bump();
    port.postMessage({ id, error: String(e && e.message || e) });
  }
  Atomics.add(ctl, 0, 1);
  Atomics.notify(ctl, 0);
}
port.on('message', (m) => {
  if (m.op === 'fill') { fill(m); return; }
  let h = jobs.get(m.id);
  try {
    if (h === undefined) { h = createHash('sha256'); jobs.set(m.id, h); }
    for (const s of m.segs) { h.update(s); hashed[0] += s.length; }
    if (!m.end) return;
    jobs.delete(m.id);
    port.postMessage({ id: m.id, hex: h.digest('hex') });
  } catch (e) {
    jobs.delete(m.id);
    port.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
  Atomics.add(ctl, 0, 1);
  Atomics.notify(ctl, 0);
});
`;

class WorkerHasher implements Sha256Hasher {
  readonly background = true;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly ctl: Int32Array;
  private readonly hashed: Float64Array;
  private readonly ready: Float64Array;
  private readonly seq: Int32Array;
  private readonly failed: Int32Array;
  /** The fd of a fill, closed with the hasher; and whether the fill has finished with it. */
  private fillFd: number | undefined;
  private fillDone = (): boolean => true;
  private readonly results = new Map<number, { hex?: string; error?: string }>();
  private nextId = 0;
  private submitted = 0;
  private closed = false;

  constructor(private readonly onProgress: ProgressSink | undefined) {
    const shared = new SharedArrayBuffer(32);
    this.ctl = new Int32Array(shared, 0, 1);
    this.hashed = new Float64Array(shared, 8, 1);
    this.ready = new Float64Array(shared, 16, 1);
    this.seq = new Int32Array(shared, 24, 1);
    this.failed = new Int32Array(shared, 28, 1);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    // execArgv: [] — the parent's flags (--input-type=module, --cpu-prof…) must not change how the
    // CommonJS source above runs; a thread that failed to start could not say so to a blocked caller.
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { port: port2, ctl: shared }, transferList: [port2] });
    // Neither the thread nor its port may keep a process alive that has finished its work.
    this.worker.unref();
    this.port.unref();
  }

  job(): Sha256Job {
    const id = this.nextId++;
    let segs: Uint8Array[] = [];
    let pending = 0;
    // Non-shared bytes are copied into shared staging memory, so no message clones a whole buffer;
    // `from` is where the bytes not yet listed in `segs` begin.
    let stage: Uint8Array | undefined;
    let from = 0;
    let staged = 0;
    let ended = false;
    const flushStage = (): void => {
      if (stage !== undefined && staged > from) segs.push(stage.subarray(from, staged));
      from = staged;
    };
    const post = (end: boolean): void => {
      flushStage();
      if (this.closed) throw new Error('sha256 hasher used after close()');
      this.port.postMessage({ id, segs, end });
      segs = [];
      pending = 0;
    };
    return {
      update: (b) => {
        if (ended) throw new Error('sha256 job updated after end()');
        if (b.length === 0) return;
        this.submitted += b.length;
        if (b.buffer instanceof SharedArrayBuffer) {
          flushStage();
          segs.push(b);
        } else {
          if (stage === undefined || stage.length - staged < b.length) {
            flushStage();
            stage = new Uint8Array(new SharedArrayBuffer(Math.max(STAGE_BYTES, b.length)));
            from = 0;
            staged = 0;
          }
          stage.set(b, staged);
          staged += b.length;
        }
        pending += b.length;
        if (pending >= BATCH_BYTES) post(false);
      },
      end: () => {
        if (ended) return;
        ended = true;
        post(true);
      },
      digest: () => {
        if (!ended) { ended = true; post(true); }
        return this.wait(id);
      },
    };
  }

  fill(fd: number, bytes: Uint8Array, holes: ReadonlyArray<readonly [number, number]>, present: ReadonlyArray<readonly [number, number]>, onProgress?: ProgressSink): BackgroundFill {
    if (this.fillFd !== undefined) throw new Error('one fill per hasher');
    if (this.closed) throw new Error('sha256 hasher used after close()');
    const id = this.nextId++;
    this.fillFd = fd;
    this.ready[0] = holes.length > 0 ? holes[0]![0] : bytes.length;
    this.submitted += bytes.length;
    this.port.postMessage({ op: 'fill', id, fd, buf: bytes, holes: holes.flat() });
    let result: string | undefined;
    this.fillDone = () => result !== undefined || this.ready[0]! >= bytes.length || this.failed[0] === 1;
    const job: Sha256Job = {
      update: () => { throw new Error('a fill job takes no bytes'); },
      end: () => {},
      digest: () => (result ??= this.wait(id)),
    };
    // Bytes already read by the caller are present at once; binary search over them.
    const inPresent = (a: number, b: number): boolean => {
      let lo = 0;
      let hi = present.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const [s, e] = present[mid]!;
        if (a < s) hi = mid - 1;
        else if (a >= e) lo = mid + 1;
        else return b <= e;
      }
      return false;
    };
    const total = bytes.length;
    let reported = -1;
    const report = (done: number): void => {
      if (done <= reported) return;
      reported = done;
      onProgress?.({ phase: 'read model', done, total, unit: 'bytes' });
    };
    report(this.ready[0]!);
    const waitFor = (start: number, end: number): void => {
      if (end <= start || inPresent(start, end)) return;
      let last = { ready: -1, at: Date.now() };
      while (this.ready[0]! < end) {
        const seen = Atomics.load(this.seq, 0);
        if (this.failed[0] === 1) job.digest(); // throws the worker's error
        if (this.ready[0]! >= end) break;
        Atomics.wait(this.seq, 0, seen, 100);
        report(Math.min(this.ready[0]!, total));
        const now = Date.now();
        if (this.ready[0] !== last.ready) last = { ready: this.ready[0]!, at: now };
        else if (now - last.at > 60_000) throw new Error('background read made no progress for 60 s');
      }
      report(Math.min(this.ready[0]!, total));
    };
    return { job, waitFor };
  }

  progress(): { hashed: number; submitted: number } {
    return { hashed: this.hashed[0]!, submitted: this.submitted };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
    const fd = this.fillFd;
    if (fd !== undefined && this.fillDone()) closeQuietly(fd);
    const stopped = this.worker.terminate();
    // A fill still running reads through fd: close it only once the thread is gone.
    if (fd !== undefined && !this.fillDone()) void stopped.then(() => closeQuietly(fd), () => closeQuietly(fd));
  }

  private drain(): void {
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      const r = m.message as { id: number; hex?: string; error?: string };
      this.results.set(r.id, r);
    }
  }

  private wait(id: number): string {
    let last = { hashed: -1, at: Date.now() };
    for (;;) {
      const seen = Atomics.load(this.ctl, 0);
      this.drain();
      const r = this.results.get(id);
      if (r !== undefined) {
        if (r.hex === undefined) throw new Error(`sha256 worker failed: ${r.error ?? 'unknown error'}`);
        return r.hex;
      }
      if (this.closed) throw new Error('sha256 hasher closed before the digest was read');
      // Wake at least every 100 ms to report progress; a finished job bumps ctl[0] and notifies.
      Atomics.wait(this.ctl, 0, seen, 100);
      // A thread that died cannot notify: give up after a minute without any progress, never hang.
      const now = Date.now();
      if (this.hashed[0] !== last.hashed) last = { hashed: this.hashed[0]!, at: now };
      else if (now - last.at > 60_000 && Atomics.load(this.ctl, 0) === seen) throw new Error('sha256 worker made no progress for 60 s');
      if (this.onProgress !== undefined) this.onProgress({ phase: 'hash', done: this.hashed[0]!, total: this.submitted, unit: 'bytes' });
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}
