// `splitc compile`: plan (or take --split), write both partitions, the Vitis AI and TensorRT
// build files, the seam, the report and a manifest — into a temporary directory that is renamed
// into place only when everything succeeded.

import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { SplitcError, type ProgressSink } from '@splitc/diagnostics';
import { emitBuildEnginePy, emitBuildEngineSh, emitGpuReadme, emitGpuWorkerPy, emitSeamOnnx, emitTritonRepository, TENSORRT_MAJOR } from '@splitc/emit-tensorrt';
import { emitCompileSh, emitDpuWorkerPy, emitModelPy, emitQuantizePy, emitVitisReadme, emitXmodelMapPy, outputModules, MODULE_CLASS, PYTORCH_VERSION, VITIS_AI_VERSION, XMODEL_NAME } from '@splitc/emit-vitis';
import { crossingEntry, dpuLayoutShape, importWarnings, seamSection, servedModelName, type CrossingEntry } from '@splitc/ir';
import { inlineHasher, sha256HasherFor, type LoadedModel, type Sha256Hasher, type Sha256Job } from '@splitc/onnx';
import { openParts, partitionGraph, writeParts, type Partition, type PartsWriter } from '@splitc/partition';
import { candidateAt, renderReport, type Candidate, type Plan } from '@splitc/planner';
import { resolveTarget, runtimeConcurrency } from '@splitc/targets';
import { analyzeFile } from './analyze.js';
import { checkOutputDir, writeDirAtomic } from './write-file.js';
import { planGraph, type PlanRequest } from './plan.js';
import { VERSION } from './version.js';
import { MANIFEST_SCHEMA_VERSION, type ArtifactEntry, type Manifest } from './manifest.js';

export interface CompileOptions extends PlanRequest {
  /** Output directory. */
  readonly output: string;
  /** Force split index k (a prefix cut) instead of the planner's choice. */
  readonly split?: number;
  /** Replace an existing output directory. */
  readonly force?: boolean;
  /** Store partition weights as ONNX external data (always done above 2 GiB). */
  readonly externalData?: boolean;
  /** Called with warnings (e.g. a forced split that is not the best). */
  readonly onWarning?: (message: string) => void;
  /** Called as large files are read, hashed and written (the CLI draws it on a terminal). */
  readonly onProgress?: ProgressSink;
}

interface FileOut {
  readonly rel: string;
  /**
   * The bytes, or how to make them when written (the report and the manifest, made last: they
   * need the source's digest, and the manifest the others' digests).
   */
  readonly parts: readonly Uint8Array[] | (() => readonly Uint8Array[]);
  readonly executable?: boolean;
}

/**
 * A partition file (model or external data), streamed: its body is written and hashed as the
 * source's bytes arrive (many pieces are views of them), before the source's digest is known;
 * its tail (a model's trailing fields, which hold that digest) once it is.
 */
interface StreamOut {
  readonly rel: string;
  readonly body: readonly Uint8Array[];
  readonly tail?: () => Uint8Array;
}

/** Bytes per write and hash step of a stream (a large weight is written as it arrives, in slices). */
const STREAM_SLICE = 4 << 20;

/**
 * Writing a byte against hashing it, on the 2-core machine of docs/benchmarks.md: SHA-256 runs at
 * 1.2–1.4 GB/s (SHA-NI); writes into the page cache at 0.9–4.5 GB/s, and the floor reads and
 * writes each byte in ~1 ns together.
 */
const WRITE_COST = 0.7;

/**
 * Which streamed files this thread hashes (the worker hashes the others), so that both threads
 * finish together: this thread writes every byte and hashes its files; the worker hashes what it
 * still has of the source (`backlog` bytes) and the rest. The choice moves digests between
 * threads, never changes them. Every subset is tried (there are at most 4 files).
 */
export function chooseInline(sizes: readonly number[], backlog: number): boolean[] {
  const written = sizes.reduce((n, b) => n + b, 0) * WRITE_COST;
  let best: { mask: number; cost: number } | undefined;
  for (let mask = 0; mask < 1 << sizes.length; mask++) {
    let here = written;
    let there = backlog;
    sizes.forEach((b, i) => { if ((mask >> i) & 1) here += b; else there += b; });
    const cost = Math.max(here, there);
    if (best === undefined || cost < best.cost) best = { mask, cost };
  }
  return sizes.map((_, i) => ((best!.mask >> i) & 1) === 1);
}

const text = (s: string): Uint8Array[] => [new TextEncoder().encode(s)];

/** What the manifest lists of a written file. */
interface Written {
  readonly sha256: string;
  readonly bytes: number;
}

/** Digests made on this thread (small files, and the partition the worker does not hash). */
const inline = inlineHasher();


function piecesOf(f: FileOut): readonly Uint8Array[] {
  return typeof f.parts === 'function' ? f.parts() : f.parts;
}

/** The DPU mask of the chosen split. */
function chooseSplit(plan: Plan, options: CompileOptions, layerNames: readonly string[]): { candidate: Candidate; mask: boolean[]; forced: boolean } {
  if (options.split === undefined) {
    const onDpu = new Set(plan.split.dpuLayers);
    return { candidate: plan.best, mask: layerNames.map((n) => onDpu.has(n)), forced: false };
  }
  if (!Number.isInteger(options.split) || options.split < 0) throw new SplitcError('Usage', `split ${options.split} must be a non-negative integer`, { field: 'split' });
  const c = candidateAt(plan, options.split);
  const metric = (x: Candidate) => (plan.objective === 'stream' ? x.streamMs : x.latencyMs);
  if (metric(c) > metric(plan.best)) {
    options.onWarning?.(`split ${options.split} is not the best for the ${plan.objective} objective: ${metric(c).toFixed(3)} ms against ${metric(plan.best).toFixed(3)} ms at ${plan.best.index === null ? 'the min-cut set' : `k = ${plan.best.index}`}`);
  }
  return { candidate: c, mask: layerNames.map((_, i) => i < options.split!), forced: true };
}

/**
 * Compile a model into deployment artifacts under `options.output`; returns the manifest.
 * Each byte of the model is read once and hashed once; for a large model a worker thread hashes
 * the source while it is read and the partitions while they are written.
 */
export function compile(modelPath: string, options: CompileOptions): Manifest {
  // Before any work: a usable path; an existing output only with --force and only if splitc wrote it.
  const out = checkOutputDir(options.output, options.force === true, [modelPath, options.targetFile, options.profileGpu, options.profileDpu]);
  const hasher = sha256HasherFor(modelPath, options.onProgress);
  try {
    return compileHashing(modelPath, options, out, hasher);
  } finally {
    hasher.close();
  }
}

function compileHashing(modelPath: string, options: CompileOptions, out: string, hasher: Sha256Hasher): Manifest {
  const g = analyzeFile(modelPath, options, { hasher, ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}) });
  for (const w of importWarnings(g)) options.onWarning?.(w);
  const target = resolveTarget(options);
  const plan = planGraph(g, options, target);
  const names = g.layers.map((l) => l.name);
  const { candidate, mask, forced } = chooseSplit(plan, options, names);
  const modelName = path.basename(modelPath);
  // The source's digest goes into each partition's metadata (its provenance). It is still being
  // computed (by the worker, as the file is read): the partitions are made, written and hashed
  // up to their trailing fields now, and those when the digest is known.
  const meta = { 'splitc.version': VERSION, 'splitc.source_sha256': null, 'splitc.split': candidate.index === null ? 'min-cut' : String(candidate.index) };
  const parts = partitionGraph(g, mask, {
    ...(options.externalData === true ? { externalData: true } : {}),
    fileName: 'partition.onnx',
    metadata: meta,
    pendingBytes: true,
  });
  const late = (): Record<string, string> => ({ 'splitc.source_sha256': plan.model.sha256 });

  const files: FileOut[] = [];
  const streams: StreamOut[] = [];
  const addPartition = (dir: string, p: Partition): void => {
    const tail = p.late === undefined ? undefined : () => p.late!.tail(late());
    streams.push({ rel: `${dir}/partition.onnx`, body: p.parts, ...(tail !== undefined ? { tail } : {}) });
    if (p.externalData !== undefined) streams.push({ rel: `${dir}/${p.externalData.location}`, body: p.externalData.parts });
  };
  if (parts.dpu !== null) {
    const dpu = parts.dpu;
    addPartition('dpu', dpu);
    const dpuModel = { graph: g, layers: g.layers.filter((l) => mask[l.index]), inputs: dpu.inputs.map((t) => t.name), outputs: dpu.outputs.map((t) => t.name), modelName, splitcVersion: VERSION };
    files.push({ rel: 'dpu/model.py', parts: text(emitModelPy(dpuModel)) });
    const vx = { dpu: target.dpu, modelName, splitcVersion: VERSION, inputShapes: dpu.inputs.map((t) => t.shape), outputs: dpu.outputs.map((t) => ({ name: t.name, shape: dpuLayoutShape(t.shape) })) };
    files.push({ rel: 'dpu/quantize.py', parts: text(emitQuantizePy(vx)), executable: true });
    files.push({ rel: 'dpu/compile.sh', parts: text(emitCompileSh(vx)), executable: true });
    files.push({ rel: 'dpu/README.md', parts: text(emitVitisReadme(vx)) });
    const modules = outputModules(dpuModel);
    // The workers run a split: both halves exist.
    if (parts.gpu !== null) files.push({ rel: 'dpu/worker.py', parts: text(emitDpuWorkerPy(VERSION, MANIFEST_SCHEMA_VERSION)), executable: true });
    files.push({ rel: 'dpu/xmodel_map.py', parts: text(emitXmodelMapPy({ splitcVersion: VERSION, crossings: dpuModel.outputs.map((name, i) => ({ name, module: modules[i] ?? null })) })), executable: true });
  }
  const seamTensors = parts.crossing.filter((c) => c.from === 'dpu' && parts.gpu?.inputs.some((i) => i.name === c.name));
  const concurrency = runtimeConcurrency(target);
  // gpu/triton/: the same endpoint served by Triton Inference Server (seam, TensorRT plan, ensemble).
  const triton = parts.gpu === null || parts.dpu === null ? null : emitTritonRepository({ served: servedModelName(modelPath), batch: concurrency.batch, contexts: concurrency.gpuContexts, crossings: seamTensors, gpuInputs: parts.gpu.inputs, gpuOutputs: parts.gpu.outputs, splitcVersion: VERSION, manifestSchema: MANIFEST_SCHEMA_VERSION });
  if (parts.gpu !== null) {
    const gpu = parts.gpu;
    addPartition('gpu', gpu);
    const tx = { gpu: target.gpu, precision: target.precision, modelName, splitcVersion: VERSION, inputs: gpu.inputs, outputs: gpu.outputs, triton: triton?.models ? { maxBatch: concurrency.batch, plan: `triton/${triton.models.engine}/1/model.plan` } : null };
    files.push({ rel: 'gpu/build_engine.sh', parts: text(emitBuildEngineSh(tx)), executable: true });
    files.push({ rel: 'gpu/build_engine.py', parts: text(emitBuildEnginePy(tx)), executable: true });
    if (seamTensors.length > 0) files.push({ rel: 'gpu/seam.onnx', parts: [emitSeamOnnx(seamTensors, `splitc ${VERSION}`)] });
    files.push({ rel: 'gpu/README.md', parts: text(emitGpuReadme({ ...tx, seamInputs: seamTensors.map((t) => t.name), tritonSkipped: triton?.skipped ?? null })) });
    if (parts.dpu !== null) files.push({ rel: 'gpu/worker.py', parts: text(emitGpuWorkerPy(VERSION, MANIFEST_SCHEMA_VERSION)), executable: true });
    for (const f of triton?.files ?? []) files.push({ rel: `gpu/triton/${f.rel}`, parts: text(f.text), ...(f.executable === true ? { executable: true } : {}) });
    try {
      // The GPU half in PyTorch, for gpu/worker.py's reference backend (TensorRT does not need it).
      files.push({ rel: 'gpu/model.py', parts: text(emitModelPy({ graph: g, layers: g.layers.filter((l) => !mask[l.index]), inputs: gpu.inputs.map((t) => t.name), outputs: gpu.outputs.map((t) => t.name), modelName, splitcVersion: VERSION })) });
    } catch (e) {
      if (!(e instanceof SplitcError) || e.diagnostic !== 'UnsupportedEmit') throw e;
    }
  }
  // The report shows the source's digest: made once it is known.
  files.push({ rel: 'report.html', parts: () => text(renderReport(plan)) });

  const crossing: CrossingEntry[] = parts.crossing.map(crossingEntry);
  const manifestBody = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    splitc: VERSION,
    model: plan.model,
    target: plan.target,
    objective: plan.objective,
    split: { kind: candidate.kind, index: candidate.index, forced, estimate: candidate, dpuLayers: names.filter((_, i) => mask[i]), gpuLayers: names.filter((_, i) => !mask[i]) },
    partitions: {
      dpu: parts.dpu === null ? null : { file: 'dpu/partition.onnx', inputs: parts.dpu.inputs.map((t) => t.name), outputs: parts.dpu.outputs.map((t) => t.name) },
      gpu: parts.gpu === null ? null : { file: 'gpu/partition.onnx', inputs: parts.gpu.inputs.map((t) => t.name), outputs: parts.gpu.outputs.map((t) => t.name) },
    },
    crossing,
    seam: seamSection({ modelPath, batch: concurrency.batch, runtime: concurrency, tensors: seamTensors, gpuOutputs: parts.gpu?.outputs ?? [] }),
    tools: {
      vitisAi: VITIS_AI_VERSION,
      pytorch: PYTORCH_VERSION,
      vaiTarget: target.dpu.vaiTarget,
      archJson: target.dpu.archJson,
      quantizedXmodel: `dpu/quantize_result/${MODULE_CLASS}_int.xmodel`,
      compiledXmodel: `dpu/compiled/${XMODEL_NAME}.xmodel`,
      tensorrt: `${TENSORRT_MAJOR}.x`,
      precision: target.precision,
    },
    plan,
  };
  // Written last, so its digests come from the worker while the other files are being written.
  let manifest: Manifest | undefined;
  const manifestFile = (written: ReadonlyMap<string, Written>): FileOut => ({
    rel: 'manifest.json',
    parts: () => {
      const artifacts: ArtifactEntry[] = [...written]
        .map(([rel, a]) => ({ path: rel, sha256: a.sha256, bytes: a.bytes }))
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      manifest = { ...manifestBody, artifacts };
      return text(`${JSON.stringify(manifest, null, 2)}\n`);
    },
  });

  writeAtomically(out, { files, streams, manifest: manifestFile }, { hasher, source: g.source, force: options.force === true, ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}) });
  return manifest!;
}

/**
 * Build the whole tree in a sibling temporary directory, then rename it into place (write-file.ts):
 * first the small files, then the partitions' bodies as the source's bytes arrive (each slice
 * written, then hashed: here for inline streams, on the worker otherwise), then the partitions'
 * tails once the source's digest is known, then the report and the manifest.
 * Progress counts the bytes known in advance (all but the tails, the report and the manifest).
 */
function writeAtomically(
  out: string,
  what: { files: readonly FileOut[]; streams: readonly StreamOut[]; manifest: (written: ReadonlyMap<string, Written>) => FileOut },
  how: { hasher: Sha256Hasher; source: Pick<LoadedModel, 'ensurePresent'>; force: boolean; onProgress?: ProgressSink },
): void {
  const { files, streams } = what;
  const { onProgress } = how;
  const sizeOf = (pieces: readonly Uint8Array[]): number => pieces.reduce((m, p) => m + p.length, 0);
  const total = files.reduce((n, f) => (typeof f.parts === 'function' ? n : n + sizeOf(f.parts)), 0) + streams.reduce((n, s) => n + sizeOf(s.body), 0);
  let before = 0;
  const progress = onProgress === undefined ? undefined : (n: number): void => onProgress({ phase: 'write', done: before + n, total, unit: 'bytes' });
  writeDirAtomic(out, how.force, (tmp) => {
    const jobs = new Map<string, { job: Sha256Job; bytes: number }>();
    const create = (rel: string): string => {
      const dest = path.join(tmp, rel);
      mkdirSync(path.dirname(dest), { recursive: true });
      return dest;
    };
    /** Write a file; hash it unless it is the manifest (which lists the others). */
    const writeFile = (f: FileOut, counted: boolean, listed = true): void => {
      const dest = create(f.rel);
      const pieces = piecesOf(f);
      writeParts(dest, pieces, counted ? progress : undefined);
      if (counted) before += sizeOf(pieces);
      if (f.executable === true) chmodSync(dest, 0o755);
      if (!listed) return;
      const job = inline.job();
      for (const p of pieces) job.update(p);
      jobs.set(f.rel, { job, bytes: sizeOf(pieces) });
    };
    for (const f of files) if (typeof f.parts !== 'function') writeFile(f, true);

    const open: { s: StreamOut; w: PartsWriter; job: Sha256Job; bytes: number }[] = [];
    try {
      // Who hashes what is decided now, from how much of the source the worker has still to hash.
      const sizeOfStream = (s: StreamOut): number => sizeOf(s.body);
      const progress0 = how.hasher.progress();
      const here = how.hasher.background ? chooseInline(streams.map(sizeOfStream), progress0.submitted - progress0.hashed) : streams.map(() => true);
      const order = streams.map((s, i) => ({ s, inline: here[i]! }));
      // The worker's files first: it hashes them while this thread writes and hashes its own.
      for (const { s, inline: mine } of [...order.filter((x) => !x.inline), ...order.filter((x) => x.inline)]) {
        const o = { s, w: openParts(create(s.rel)), job: mine ? inline.job() : how.hasher.job(), bytes: 0 };
        open.push(o);
        let batch: Uint8Array[] = [];
        let batchBytes = 0;
        const flush = (): void => {
          if (batch.length === 0) return;
          // (writeParts counts the file's bytes; `before` counts those of the files before it.)
          o.w.write(batch, progress === undefined ? undefined : (n) => progress(n - o.bytes));
          for (const b of batch) o.job.update(b);
          before += batchBytes;
          o.bytes += batchBytes;
          batch = [];
          batchBytes = 0;
        };
        for (const piece of s.body) {
          for (let at = 0; at < piece.length; at += STREAM_SLICE) {
            const slice = piece.length <= STREAM_SLICE ? piece : piece.subarray(at, at + STREAM_SLICE);
            how.source.ensurePresent(slice);
            batch.push(slice);
            batchBytes += slice.length;
            if (batchBytes >= STREAM_SLICE || batch.length >= 1024) flush();
          }
        }
        flush();
      }
      // Every other byte is written: now the source's digest is needed (the tails hold it).
      for (const o of open) {
        if (o.s.tail !== undefined) {
          const tail = o.s.tail();
          o.w.write([tail]);
          o.job.update(tail);
          o.bytes += tail.length;
        }
        o.w.close();
        o.job.end();
        jobs.set(o.s.rel, { job: o.job, bytes: o.bytes });
      }
    } finally {
      for (const o of open) o.w.close();
    }
    for (const f of files) if (typeof f.parts === 'function') writeFile(f, false);
    writeFile(what.manifest(new Map([...jobs].map(([rel, j]) => [rel, { sha256: j.job.digest(), bytes: j.bytes }]))), false, false);
  });
}
