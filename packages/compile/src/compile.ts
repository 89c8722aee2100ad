// `splitc compile`: plan (or take --split), write both partitions, the Vitis AI and TensorRT
// build files, the seam, the report and a manifest — into a temporary directory that is renamed
// into place only when everything succeeded.

import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { SplitcError, type ProgressSink } from '@splitc/diagnostics';
import { emitBuildEnginePy, emitBuildEngineSh, emitGpuReadme, emitGpuWorkerPy, emitSeamOnnx, emitTritonRepository, TENSORRT_MAJOR } from '@splitc/emit-tensorrt';
import { emitCompileSh, emitDpuWorkerPy, emitModelPy, emitQuantizePy, emitVitisReadme, emitXmodelMapPy, outputModules, MODULE_CLASS, PYTORCH_VERSION, VITIS_AI_VERSION, XMODEL_NAME } from '@splitc/emit-vitis';
import { crossingEntry, dpuLayoutShape, importWarnings, seamSection, servedModelName, type CrossingEntry } from '@splitc/ir';
import { sha256HasherFor, type Sha256Hasher, type Sha256Job } from '@splitc/onnx';
import { partitionGraph, writeParts, type Partition } from '@splitc/partition';
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
  /** The bytes, or (for the manifest, which lists the others' digests) how to make them when written. */
  readonly parts: readonly Uint8Array[] | (() => readonly Uint8Array[]);
  readonly executable?: boolean;
}

const text = (s: string): Uint8Array[] => [new TextEncoder().encode(s)];

function sha256(parts: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

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
  const meta = { 'splitc.version': VERSION, 'splitc.source_sha256': plan.model.sha256, 'splitc.split': candidate.index === null ? 'min-cut' : String(candidate.index) };
  const parts = partitionGraph(g, mask, {
    ...(options.externalData === true ? { externalData: true } : {}),
    fileName: 'partition.onnx',
    metadata: meta,
  });

  const files: FileOut[] = [];
  // The partitions (nearly all of the bytes) are hashed from the moment they exist, on the worker,
  // while the rest is emitted and everything is written; smaller files are hashed inline.
  const digests = new Map<string, Sha256Job>();
  const hashing = (rel: string, pieces: readonly Uint8Array[]): FileOut => {
    const job = hasher.job();
    for (const p of pieces) job.update(p);
    job.end();
    digests.set(rel, job);
    return { rel, parts: pieces };
  };
  // The worker already hashes the source; when both halves exist, the larger one is hashed here
  // on the main thread after it is written (when the worker would still be busy with the other),
  // so the two cores finish together instead of one waiting for the other.
  const bytesOf = (p: Partition | null): number => (p === null ? 0 : [...p.parts, ...(p.externalData?.parts ?? [])].reduce((n, b) => n + b.length, 0));
  const inlineDir = hasher.background && parts.dpu !== null && parts.gpu !== null ? (bytesOf(parts.dpu) >= bytesOf(parts.gpu) ? 'dpu' : 'gpu') : null;
  const addPartition = (dir: string, p: Partition): void => {
    const add = (rel: string, pieces: readonly Uint8Array[]): void => { files.push(dir === inlineDir ? { rel, parts: pieces } : hashing(rel, pieces)); };
    add(`${dir}/partition.onnx`, p.parts);
    if (p.externalData !== undefined) add(`${dir}/${p.externalData.location}`, p.externalData.parts);
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
  files.push({ rel: 'report.html', parts: text(renderReport(plan)) });

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
  const listed = [...files];
  let manifest: Manifest | undefined;
  files.push({
    rel: 'manifest.json',
    parts: () => {
      const artifacts: ArtifactEntry[] = listed
        .map((f) => {
          const pieces = piecesOf(f);
          return { path: f.rel, sha256: digests.get(f.rel)?.digest() ?? sha256(pieces), bytes: pieces.reduce((n, p) => n + p.length, 0) };
        })
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      manifest = { ...manifestBody, artifacts };
      return text(`${JSON.stringify(manifest, null, 2)}\n`);
    },
  });

  writeAtomically(out, files, options.force === true, options.onProgress);
  return manifest!;
}

/**
 * Build the whole tree in a sibling temporary directory, then rename it into place (write-file.ts).
 * Progress counts the bytes of the files known in advance (all but the manifest, made last).
 */
function writeAtomically(out: string, files: readonly FileOut[], force: boolean, onProgress?: ProgressSink): void {
  const total = files.reduce((n, f) => (typeof f.parts === 'function' ? n : n + f.parts.reduce((m, p) => m + p.length, 0)), 0);
  let before = 0;
  writeDirAtomic(out, force, (tmp) => {
    for (const f of files) {
      const dest = path.join(tmp, f.rel);
      mkdirSync(path.dirname(dest), { recursive: true });
      const pieces = piecesOf(f);
      writeParts(dest, pieces, onProgress === undefined || typeof f.parts === 'function' ? undefined : (n) => onProgress({ phase: 'write', done: before + n, total, unit: 'bytes' }));
      if (typeof f.parts !== 'function') before += pieces.reduce((m, p) => m + p.length, 0);
      if (f.executable === true) chmodSync(dest, 0o755);
    }
  });
}
