// `splitc serve` and `splitc run` as API functions: the GPU half served over KServe v2, and the
// ordered, backpressured pipeline source → DPU stage → link → GPU stage → sink with its figures.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readManifest, type Manifest } from '@splitc/compile/manifest';
import { batchedShape } from '@splitc/ir/seam';
import { elementCount, SplitcError, type ProgressSink } from '@splitc/diagnostics';
import { InferenceClient } from './client.js';
import { typedView, type WireData } from './codec.js';
import { listNpy, readNpy, seededFrame } from './frames.js';
import { Pacer } from './pace.js';
import { BoundedQueue } from './queue.js';
import { ReferenceDpu, ReferenceGpu, ReferenceModel, seamPlan, type Frame, type SeamPlan } from './reference.js';
import { startServer, type ModelSpec, type RunningServer } from './server.js';

/** Per-batch service times when a run is paced by the plan (ms). */
export interface PlanPace {
  readonly scale: number;
  /** One DPU call (a full batch, whatever the number of frames in it). */
  readonly dpuBatchMs: number;
  readonly linkFrameMs: number;
  readonly gpuFrameMs: number;
  /** The plan's predicted stream rate at this scale, frames/s. */
  readonly predictedFps: number;
}

/**
 * Stage times from the plan's estimate of the chosen split. The link and the GPU stage take their
 * per-frame times for each frame of a request. The DPU takes a whole batch per call; the plan's
 * stream period is max(DPU batch time / batch, link, GPU), so when the DPU is the slowest stage its
 * batch time is batch × streamMs exactly; otherwise the plan does not record it, and the DPU is
 * paced at batch × (dpuMs / batch) = dpuMs (a lower bound that leaves the predicted rate unchanged).
 */
export function planPace(m: Manifest, scale = 1): PlanPace {
  if (!(scale > 0)) throw new SplitcError('Usage', `pace scale ${scale} must be positive`, { field: 'paceScale' });
  const e = m.split.estimate;
  const dpuBound = e.streamMs > Math.max(e.linkMs, e.gpuMs);
  return {
    scale,
    dpuBatchMs: scale * (dpuBound ? e.streamMs * m.seam.batch : e.dpuMs),
    linkFrameMs: scale * e.linkMs,
    gpuFrameMs: scale * e.gpuMs,
    predictedFps: 1000 / (scale * e.streamMs),
  };
}

function modelSpec(seam: SeamPlan): ModelSpec {
  return {
    name: seam.model,
    inputs: seam.crossings.map((c) => ({ name: c.name, datatype: 'INT8', shape: c.wireShape })),
    outputs: seam.outputs.map((o) => ({ name: o.name, datatype: 'FP32', shape: batchedShape(o.shape, seam.batch) })),
  };
}

export interface ServeOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 'plan': each request takes exactly the plan's GPU time for its frames (times `paceScale`). */
  readonly pace?: 'plan';
  readonly paceScale?: number;
  /** Requests computed at once (GPU execution contexts). Default: the manifest's `seam.runtime.gpuContexts` (the target profile's). */
  readonly contexts?: number;
  /** onnxruntime intra-op threads. Default 1. */
  readonly threads?: number;
  /** Requests waiting for a context before new ones get 503 (as gpu/worker.py --max-waiting). Default 64. */
  readonly maxWaiting?: number;
}

export interface ServeHandle {
  readonly url: string;
  readonly port: number;
  /** The served model name: `POST {url}/v2/models/{model}/infer`. */
  readonly model: string;
  /** Milliseconds spent computing so far (the GPU stage's busy time). */
  busyMs(): number;
  close(): Promise<void>;
}

/** Serve the GPU half of a compiled split (reference backend) over KServe v2. */
export async function serve(outDir: string, options: ServeOptions = {}): Promise<ServeHandle> {
  const file = path.join(outDir, 'manifest.json');
  const m = readManifest(outDir);
  const seam = seamPlan(m, file);
  const gpu = await ReferenceGpu.create(outDir, m, seam, options.threads ?? 1);
  const pace = options.pace === 'plan' ? planPace(m, options.paceScale) : null;
  const pacer = new Pacer();
  let busy = 0;
  let server: RunningServer;
  try {
    server = await startServer({
      model: modelSpec(seam),
      contexts: options.contexts ?? m.seam.runtime.gpuContexts,
      ...(options.maxWaiting === undefined ? {} : { maxPending: options.maxWaiting }),
      execute: async (inputs, frames, arrival) => {
        const t0 = performance.now();
        const outputs = await gpu.execute(inputs, frames);
        if (pace !== null) await pacer.finish(arrival, frames * pace.gpuFrameMs);
        const ms = performance.now() - t0;
        busy += ms;
        return { outputs, computeMs: ms };
      },
    }, options.port ?? 0, options.host ?? '127.0.0.1');
  } catch (e) {
    await gpu.release();
    throw e;
  }
  return {
    url: server.url,
    port: server.port,
    model: seam.model,
    busyMs: () => busy,
    close: async () => {
      await server.close();
      await gpu.release();
    },
  };
}

export interface RunOptions {
  /** A KServe v2 server for the GPU half; by default one is started on loopback. */
  readonly gpuUrl?: string;
  /** Frames to run. Default 300 (with `input`, default all of its files). */
  readonly frames?: number;
  /** A directory of .npy frames (float32, the model input's shape), used in name order, cycling. */
  readonly input?: string;
  /** 'plan': every reference stage takes exactly the plan's estimated time (times `paceScale`). */
  readonly pace?: 'plan';
  readonly paceScale?: number;
  /** Requests in flight on the link. Default 4. */
  readonly window?: number;
  /**
   * DPU calls in flight (runner threads on the board; concurrent reference calls here), their
   * batches forwarded in order. Default: the manifest's `seam.runtime.dpuRunnerThreads` (the
   * target profile's). Paced, the DPU still finishes one batch per batch time, as the plan prices.
   */
  readonly runnerThreads?: number;
  /** Seed of the generated frames. Default 1. */
  readonly seed?: number;
  /** Frames the fix_points are calibrated on (a separate seeded stream, or the first input files). Default 32. */
  readonly calibrationFrames?: number;
  /** Compare every output with the fp32 model. Default true. */
  readonly check?: boolean;
  /** The fp32 model to check against; default the manifest's source model (its sha256 is verified). */
  readonly model?: string;
  /** onnxruntime intra-op threads per session. Default 1. */
  readonly threads?: number;
  /**
   * A request with no answer for this long fails the run (a dead server is noticed at once by its
   * closed connection; this catches a hung one). Default 30 s, and never less than twice the time
   * a full window of paced requests takes.
   */
  readonly timeoutMs?: number;
  readonly onProgress?: ProgressSink;
}

export interface RunResult {
  readonly model: string;
  readonly gpuUrl: string;
  readonly frames: number;
  /** Frames per DPU call. */
  readonly batch: number;
  /** DPU calls in flight, and the contexts of the GPU server this run started (null with `gpuUrl`). */
  readonly concurrency: { readonly runnerThreads: number; readonly gpuContexts: number | null };
  readonly wallMs: number;
  readonly fps: number;
  /** From a frame's batch entering the DPU stage to its outputs reaching the sink. */
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly check: { readonly frames: number; readonly minCosine: number; readonly meanCosine: number; readonly top1Agreement: number;
    /** Fraction of frames whose output is nearer their own fp32 output than the previous frame's. */
    readonly orderAgreement: number } | null;
  readonly pace: PlanPace | null;
  /** fps ÷ the plan's predicted stream rate (with `pace: 'plan'`). */
  readonly efficiency: number | null;
  /**
   * The same once the pipeline is full: frames after the first batch ÷ the time from the first
   * batch's outputs to the last's, ÷ the predicted rate (a short run's `efficiency` includes the
   * time to fill the pipeline).
   */
  readonly steadyEfficiency: number | null;
  readonly stages: {
    readonly dpu: { readonly busyMs: number; readonly calls: number };
    readonly link: { readonly busyMs: number; readonly requests: number };
    /** Server-side compute time when the server reports it (splitc servers do), else null. */
    readonly gpu: { readonly busyMs: number | null };
    readonly sink: { readonly busyMs: number };
  };
  readonly fixPoints: { readonly input: number; readonly crossings: Readonly<Record<string, number>> };
}

interface Batch { readonly seq: number; readonly first: number; readonly frames: Frame[] }
interface DpuDone extends Batch { readonly start: number; readonly tensors: WireData[] }
interface GpuDone extends DpuDone { readonly outputs: readonly WireData[] }

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i]! * b[i]!; aa += a[i]! * a[i]!; bb += b[i]! * b[i]!; }
  return aa === 0 && bb === 0 ? 1 : ab / Math.sqrt(aa * bb);
}

function distance2(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i]! - b[i]!) ** 2;
  return d;
}

function argmax(a: Float32Array): number {
  let k = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[k]!) k = i;
  return k;
}

/** The fp32 model the outputs are checked against: `explicit`, or the manifest's source, verified by hash. */
function referenceModelPath(m: Manifest, outDir: string, explicit: string | undefined): string {
  const candidates = explicit !== undefined ? [explicit] : [m.model.path, path.resolve(outDir, '..', m.model.path)];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new SplitcError('FileNotFound', `the fp32 model to check against is not at ${candidates.join(' or ')}; pass its path (run's model option)`, { file: candidates[0]! });
  const sha = createHash('sha256').update(readFileSync(found)).digest('hex');
  if (sha !== m.model.sha256) throw new SplitcError('BadManifest', `${found} is not the model this split was compiled from (sha256 ${sha.slice(0, 12)}…, manifest ${m.model.sha256.slice(0, 12)}…)`, { file: found, field: 'model.sha256' });
  return found;
}

/** Run the split: DPU half here (reference), GPU half on a KServe v2 server, outputs checked. */
export async function run(outDir: string, options: RunOptions = {}): Promise<RunResult> {
  const file = path.join(outDir, 'manifest.json');
  const m = readManifest(outDir);
  const seam = seamPlan(m, file);
  const threads = options.threads ?? 1;
  const window = options.window ?? 4;
  if (!Number.isInteger(window) || window < 1) throw new SplitcError('Usage', `window ${window} must be a positive integer`, { field: 'window' });
  const runnerThreads = options.runnerThreads ?? m.seam.runtime.dpuRunnerThreads;
  if (!Number.isInteger(runnerThreads) || runnerThreads < 1) throw new SplitcError('Usage', `runner threads ${runnerThreads} must be a positive integer`, { field: 'runnerThreads' });
  const dpu = await ReferenceDpu.create(outDir, m, seam, threads);
  const files = options.input !== undefined ? listNpy(options.input) : null;
  const total = options.frames ?? files?.length ?? 300;
  if (!Number.isInteger(total) || total < 1) throw new SplitcError('Usage', `frames ${total} must be a positive integer`, { field: 'frames' });
  const seed = options.seed ?? 1;
  const frameAt = (i: number): Frame => (files !== null ? readNpy(files[i % files.length]!, dpu.inputShape) : seededFrame(seed, i, dpu.inputShape));

  const nCal = Math.max(1, options.calibrationFrames ?? 32);
  const calibration = Array.from({ length: files !== null ? Math.min(nCal, files.length) : nCal }, (_, i) => (files !== null ? frameAt(i) : seededFrame(seed + 1, i, dpu.inputShape)));
  await dpu.calibrate(calibration);

  const check = options.check !== false;
  const reference = check ? await ReferenceModel.create(referenceModelPath(m, outDir, options.model), seam.input.name, dpu.inputShape, threads) : null;
  const pace = options.pace === 'plan' ? planPace(m, options.paceScale) : null;

  let local: ServeHandle | null = null;
  const cleanup = async (): Promise<void> => {
    await dpu.release();
    await reference?.release();
    await local?.close();
  };
  let client: InferenceClient;
  try {
    if (options.gpuUrl === undefined) local = await serve(outDir, { threads, ...(pace !== null ? { pace: 'plan' as const, paceScale: pace.scale } : {}) });
    const url = options.gpuUrl ?? local!.url;
    const spec = modelSpec(seam);
    const maxResponse = 65536 + spec.outputs.reduce((n, o) => n + elementCount(o.shape) * 4, 0);
    const paced = pace === null ? 0 : 2 * window * seam.batch * Math.max(pace.gpuFrameMs, pace.linkFrameMs, pace.dpuBatchMs / seam.batch);
    client = new InferenceClient(url, seam.model, { maxResponseBytes: maxResponse, window, timeoutMs: Math.max(options.timeoutMs ?? 30_000, paced) });
    // The server must serve this model with exactly the seam's tensors.
    const meta = await client.metadata();
    for (const s of spec.inputs) {
      const got = meta.inputs?.find((i) => i.name === s.name);
      if (got === undefined || got.datatype !== s.datatype || got.shape.length !== s.shape.length || got.shape.some((d, i) => i > 0 && d !== s.shape[i])) {
        throw new SplitcError('RemoteFailed', `${url} serves ${seam.model} without input ${s.name} as ${s.datatype} [-1,${s.shape.slice(1).join(',')}]`);
      }
    }
  } catch (e) {
    await cleanup();
    throw e;
  }

  const batches = new BoundedQueue<Batch>(2);
  const toLink = new BoundedQueue<DpuDone>(2);
  const toSink = new BoundedQueue<GpuDone>(2);
  const queues: { fail(e: unknown): void }[] = [batches, toLink, toSink];
  let completed = 0;
  const latencies: number[] = [];
  const cosines: number[] = [];
  let agree = 0;
  const ordered: boolean[] = [];
  let previous: Record<string, Float32Array> | null = null;
  let dpuBusy = 0;
  let dpuCalls = 0;
  let linkBusy = 0;
  let inFlight = 0;
  let linkSince = 0;
  let requests = 0;
  let gpuBusy: number | null = 0;
  let sinkBusy = 0;
  let firstDone = 0;
  let firstFrames = 0;
  let lastDone = 0;
  const fail = (e: unknown): void => { for (const q of queues) q.fail(e); };

  const source = async (): Promise<void> => {
    for (let seq = 0, first = 0; first < total; seq++, first += seam.batch) {
      const n = Math.min(seam.batch, total - first);
      await batches.push({ seq, first, frames: Array.from({ length: n }, (_, i) => frameAt(first + i)) });
    }
    batches.close();
  };

  // The DPU: up to `runnerThreads` calls in flight, results forwarded in batch order. Paced, one
  // Pacer serialises their finishes: the DPU completes one batch per batch time however many
  // runners feed it (the plan's DPU stream period is batch time / batch).
  const dpuPacer = new Pacer();
  const running = new BoundedQueue<Promise<DpuDone>>(runnerThreads);
  queues.push(running);
  let dpuInFlight = 0;
  let dpuSince = 0;
  const dpuDispatch = async (): Promise<void> => {
    for (;;) {
      const e = await batches.popEntry();
      if (e === undefined) break;
      const call = (async (): Promise<DpuDone> => {
        const start = performance.now();
        if (dpuInFlight++ === 0) dpuSince = start;
        try {
          const tensors = await dpu.runBatch(e.item.frames);
          if (pace !== null) await dpuPacer.finish(e.at, pace.dpuBatchMs);
          dpuCalls++;
          return { ...e.item, start, tensors };
        } finally {
          if (--dpuInFlight === 0) dpuBusy += performance.now() - dpuSince;
        }
      })();
      call.catch(() => undefined);
      await running.push(call);
    }
    running.close();
  };
  const dpuCollect = async (): Promise<void> => {
    for (;;) {
      const p = await running.pop();
      if (p === undefined) break;
      await toLink.push(await p);
    }
    toLink.close();
  };

  // The link: up to `window` requests in flight, results forwarded in batch order.
  const linkPacer = new Pacer();
  const slots = new BoundedQueue<Promise<GpuDone>>(window);
  // Every output asked for by name as binary data: Triton answers in JSON text otherwise, which
  // is larger than the response bound the outputs allow.
  const binaryOutputs = seam.outputs.map((o) => ({ name: o.name, binary: true }));
  const remoteFailure = (e: unknown): SplitcError => new SplitcError('RemoteFailed', `${options.gpuUrl ?? local?.url}: ${(e as Error).message}; ${completed} of ${total} frames completed`);
  const linkSend = async (): Promise<void> => {
    for (;;) {
      const e = await toLink.popEntry();
      if (e === undefined) break;
      const b = e.item;
      const sent = (async (): Promise<GpuDone> => {
        if (pace !== null) await linkPacer.finish(e.at, b.frames.length * pace.linkFrameMs);
        if (inFlight++ === 0) linkSince = performance.now();
        try {
          const r = await client.infer({ id: String(b.seq), inputs: b.tensors, outputs: binaryOutputs });
          const c = r.parameters?.splitc_compute_ms;
          gpuBusy = gpuBusy !== null && typeof c === 'number' ? gpuBusy + c : null;
          return { ...b, outputs: r.outputs };
        } finally {
          requests++;
          if (--inFlight === 0) linkBusy += performance.now() - linkSince;
        }
      })();
      // A failed or refused request (a 503 from a full server) ends the run now, not when its
      // turn in the batch order comes (which could be a whole timeout later).
      sent.catch((e: unknown) => fail(remoteFailure(e)));
      await slots.push(sent);
    }
    slots.close();
  };
  const linkReceive = async (): Promise<void> => {
    for (;;) {
      const p = await slots.pop();
      if (p === undefined) break;
      let done: GpuDone;
      try {
        done = await p;
      } catch (e) {
        throw remoteFailure(e);
      }
      await toSink.push(done);
    }
    toSink.close();
  };

  const sink = async (): Promise<void> => {
    for (;;) {
      const b = await toSink.pop();
      if (b === undefined) break;
      const t = performance.now();
      const n = b.frames.length;
      for (const o of seam.outputs) {
        const got = b.outputs.find((x) => x.name === o.name);
        const per = elementCount(o.shape);
        if (got === undefined || got.datatype !== 'FP32' || got.shape[0] !== n || got.data.byteLength !== n * per * 4) {
          throw new SplitcError('RemoteFailed', `the answer to batch ${b.seq} lacks output ${o.name} as FP32 [${n},${o.shape.slice(1).join(',')}]; ${completed} of ${total} frames completed`);
        }
      }
      for (let i = 0; i < n; i++) latencies.push(t - b.start);
      if (reference !== null) {
        for (let i = 0; i < n; i++) {
          const want = await reference.run(b.frames[i]!);
          let cMin = 1;
          let top1 = true;
          for (const o of seam.outputs) {
            const per = elementCount(o.shape);
            const all = typedView(b.outputs.find((x) => x.name === o.name)!) as Float32Array;
            const got = all.subarray(i * per, (i + 1) * per);
            const ref = want[o.name]!;
            cMin = Math.min(cMin, cosine(got, ref));
            if (argmax(got) !== argmax(ref)) top1 = false;
          }
          cosines.push(cMin);
          if (top1) agree++;
          // Noise frames can give near-identical outputs, so cosine alone would not notice frames
          // delivered out of order: each output must also be nearer its own frame's reference
          // than the previous frame's.
          if (previous !== null) {
            let own = 0;
            let prev = 0;
            for (const o of seam.outputs) {
              const per = elementCount(o.shape);
              const got = (typedView(b.outputs.find((x) => x.name === o.name)!) as Float32Array).subarray(i * per, (i + 1) * per);
              own += distance2(got, want[o.name]!);
              prev += distance2(got, previous[o.name]!);
            }
            ordered.push(own < prev);
          }
          previous = want;
        }
      }
      if (completed === 0) { firstDone = t; firstFrames = n; }
      lastDone = t;
      completed += n;
      sinkBusy += performance.now() - t;
      options.onProgress?.({ phase: 'run', done: completed, total, unit: 'frames' });
    }
  };

  const t0 = performance.now();
  try {
    await Promise.all([source(), dpuDispatch(), dpuCollect(), linkSend(), linkReceive(), sink()].map((p) => p.catch((e: unknown) => { fail(e); throw e; })));
  } catch (e) {
    client.close();
    await cleanup().catch(() => undefined);
    if (e instanceof SplitcError) throw e;
    throw new SplitcError('RemoteFailed', `${(e as Error).message}; ${completed} of ${total} frames completed`);
  }
  const wallMs = performance.now() - t0;
  client.close();
  await cleanup();
  const sorted = [...latencies].sort((a, b) => a - b);
  const fps = (completed * 1000) / wallMs;
  return {
    model: seam.model,
    gpuUrl: options.gpuUrl ?? local!.url,
    frames: completed,
    batch: seam.batch,
    concurrency: { runnerThreads, gpuContexts: local === null ? null : m.seam.runtime.gpuContexts },
    wallMs,
    fps,
    latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99) },
    check: reference === null ? null : {
      frames: cosines.length,
      minCosine: Math.min(...cosines),
      meanCosine: cosines.reduce((a, b) => a + b, 0) / cosines.length,
      top1Agreement: agree / cosines.length,
      orderAgreement: ordered.length === 0 ? 1 : ordered.filter((x) => x).length / ordered.length,
    },
    pace,
    efficiency: pace === null ? null : fps / pace.predictedFps,
    steadyEfficiency: pace === null || lastDone <= firstDone ? null : ((completed - firstFrames) * 1000) / (lastDone - firstDone) / pace.predictedFps,
    stages: { dpu: { busyMs: dpuBusy, calls: dpuCalls }, link: { busyMs: linkBusy, requests }, gpu: { busyMs: gpuBusy }, sink: { busyMs: sinkBusy } },
    fixPoints: { input: dpu.inputFixPoint, crossings: Object.fromEntries(dpu.fixPoints) },
  };
}
