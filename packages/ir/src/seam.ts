// The seam between the DPU half and the GPU half, as one record: which tensors cross, their
// dtype and DPU layout, how they are quantized, and how many frames travel together (the DPU
// batch). The one module for these facts: the cut (cut.ts) and the planner price the link with
// it, the partition writer's crossing list is typed by it, the TensorRT emitter builds the seam
// model from it, compile writes it into the manifest, and the runtime and the emitted workers
// read it from there.

import { z } from 'zod';
import { elementCount } from '@splitc/diagnostics';

/** The DPU's tensors are NHWC (channels last); the GPU partition reads NCHW. */
export const DPU_LAYOUT = 'NHWC';
/** What the DPU hands over and what the wire carries: its INT8 outputs, unchanged. */
export const DPU_DTYPE = 'int8';
/** The wire protocol: KServe v2 / Open Inference Protocol, HTTP/REST with binary tensor data. */
export const WIRE_PROTOCOL = 'kserve-v2';

export const QUANTIZATION = {
  scheme: 'power-of-two',
  quantize: 'q = clip(round(x * 2^fix_point), -128, 127)',
  dequantize: 'x = q * 2^-fix_point',
} as const;

/** Where a crossing tensor is made: `dpu`, an output of the DPU half; `input`, a model input the GPU side reads. */
export const CROSSING_FROM = ['dpu', 'input'] as const;
export type CrossingFrom = (typeof CROSSING_FROM)[number];

/** Axis permutation from the GPU's NCHW to the DPU's NHWC, and back (rank-4 tensors only). */
export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;
export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;

/** DPU layout of a crossing tensor: NHWC for rank 4, unchanged otherwise. */
export function dpuLayoutShape(shape: readonly number[]): number[] {
  return shape.length === 4 ? NCHW_TO_NHWC.map((axis) => shape[axis]!) : [...shape];
}

/**
 * Bytes one frame of a crossing tensor takes on the link: one per element, INT8 from the DPU
 * (DPU_DTYPE) or the uint8 camera frame for a model input read on the GPU side.
 */
export function linkBytes(shape: readonly number[]): number {
  return elementCount(shape);
}

/** The link's dtype for a crossing tensor made on `from`. */
export const linkDtype = (from: CrossingFrom): string => (from === 'dpu' ? DPU_DTYPE : 'uint8');

/** Names of the seam model's inputs for one crossing tensor. */
export const seamInputNames = (name: string): { readonly q: string; readonly scale: string } => ({ q: `${name}__int8`, scale: `${name}__scale` });

/** The name a model is served under: the source file's stem (`resnet18.onnx` → `resnet18`). */
export function servedModelName(sourcePath: string): string {
  const base = sourcePath.split(/[\\/]/).pop() ?? sourcePath;
  return base.replace(/\.onnx$/i, '');
}

const dims = z.array(z.number().int().nonnegative());

export const CrossingEntry = z.object({
  name: z.string(),
  /** Float NCHW shape, as the GPU partition reads it (one frame). */
  shape: dims,
  dtype: z.string(),
  /** dpu: made by the DPU partition; input: a model input the GPU side reads directly. */
  from: z.enum(CROSSING_FROM),
  dpu: z.object({ layout: z.string(), shape: dims, dtype: z.string() }).strict().nullable(),
  gpu: z.object({ layout: z.string(), dtype: z.string() }).strict(),
  link: z.object({ dtype: z.string(), bytes: z.number().int().nonnegative() }).strict(),
  quantization: z.object({ scheme: z.string(), dequantize: z.string(), fixPoint: z.string() }).strict().nullable(),
}).strict();
export type CrossingEntry = z.infer<typeof CrossingEntry>;

const WireTensor = z.object({ name: z.string(), datatype: z.enum(['INT8', 'UINT8', 'FP32']), shape: dims }).strict();
export type WireTensor = z.infer<typeof WireTensor>;

export const SeamSection = z.object({
  where: z.string(),
  model: z.string().nullable(),
  formula: z.string(),
  inputs: z.array(z.object({ tensor: z.string(), int8: z.string(), scale: z.string() }).strict()),
  /**
   * Frames per DPU runner call (`dims[0]` of every runner tensor: 6 on DPUCVDX8G C32B6). Frames
   * are batched before the DPU's input quantization and unbatched after the GPU's outputs; one
   * request on the wire carries one batch (its first dimension may be smaller for the last one).
   */
  batch: z.number().int().positive(),
  /**
   * The runtime's concurrency, from the target profile (targets/src/concurrency.ts): VART runner
   * threads on the board, TensorRT execution contexts on the GPU host. `splitc run`/`serve` and
   * the emitted workers take their defaults from here. Neither changes the priced stream rate:
   * the DPU runs one batch at a time, the GPU one frame at a time (docs/planning.md).
   */
  runtime: z.object({
    dpuRunnerThreads: z.number().int().positive(),
    gpuContexts: z.number().int().positive(),
  }).strict(),
  dpuLayout: z.literal(DPU_LAYOUT),
  /** The GPU side's endpoint: `POST /v2/models/{model}/infer`, one DPU batch per request. */
  wire: z.object({
    protocol: z.literal(WIRE_PROTOCOL),
    model: z.string().min(1),
    inputs: z.array(WireTensor),
    outputs: z.array(WireTensor),
  }).strict(),
}).strict();
export type SeamSection = z.infer<typeof SeamSection>;

export interface CutTensorLike {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly from: CrossingFrom;
}

/** The manifest's entry for one tensor crossing the cut. */
export function crossingEntry(c: CutTensorLike): CrossingEntry {
  return {
    name: c.name,
    shape: [...c.shape],
    dtype: c.dtype,
    from: c.from,
    dpu: c.from === 'dpu' ? { layout: c.shape.length === 4 ? DPU_LAYOUT : 'row-major', shape: dpuLayoutShape(c.shape), dtype: DPU_DTYPE } : null,
    gpu: { layout: c.shape.length === 4 ? 'NCHW' : 'row-major', dtype: c.dtype },
    link: { dtype: linkDtype(c.from), bytes: linkBytes(c.shape) },
    quantization: c.from === 'dpu' ? { scheme: QUANTIZATION.scheme, dequantize: QUANTIZATION.dequantize, fixPoint: 'the fix_point attribute of the DPU output tensor in the compiled xmodel, read at run time' } : null,
  };
}

/** A shape with its leading (batch-1) dimension replaced by the DPU batch. */
export function batchedShape(shape: readonly number[], batch: number): number[] {
  return shape.length === 0 ? [batch] : [batch, ...shape.slice(1)];
}

export interface SeamInput {
  /** Source model path (its stem names the served model). */
  readonly modelPath: string;
  /** Frames per DPU call: the DPU profile's parallel frames (batch handlers). */
  readonly batch: number;
  /** Runner threads and GPU contexts (the target profile's, via runtimeConcurrency). */
  readonly runtime: { readonly dpuRunnerThreads: number; readonly gpuContexts: number };
  /** Crossing tensors made on the DPU and read by the GPU partition, float NCHW shapes. */
  readonly tensors: readonly { readonly name: string; readonly shape: readonly number[] }[];
  /** The GPU partition's outputs (one frame). */
  readonly gpuOutputs: readonly { readonly name: string; readonly shape: readonly number[] }[];
}

/** The manifest's seam section. */
export function seamSection(x: SeamInput): SeamSection {
  return {
    where: 'host, after the link and before the TensorRT engine; the DPU partition and the GPU partition are unchanged',
    model: x.tensors.length > 0 ? 'gpu/seam.onnx' : null,
    formula: 'x_nchw = transpose(float(q_nhwc) * 2^-fix_point, [0, 3, 1, 2]) for rank-4 tensors; float(q) * 2^-fix_point otherwise',
    inputs: x.tensors.map((t) => ({ tensor: t.name, int8: seamInputNames(t.name).q, scale: seamInputNames(t.name).scale })),
    batch: x.batch,
    runtime: { dpuRunnerThreads: x.runtime.dpuRunnerThreads, gpuContexts: x.runtime.gpuContexts },
    dpuLayout: DPU_LAYOUT,
    wire: {
      protocol: WIRE_PROTOCOL,
      model: servedModelName(x.modelPath),
      inputs: x.tensors.map((t) => ({ name: t.name, datatype: 'INT8', shape: batchedShape(dpuLayoutShape(t.shape), x.batch) })),
      outputs: x.gpuOutputs.map((t) => ({ name: t.name, datatype: 'FP32', shape: batchedShape(t.shape, x.batch) })),
    },
  };
}

/**
 * Python, for both emitted workers (dpu/worker.py, gpu/worker.py): read the seam record from a
 * manifest, refusing in one line (exit 1) a missing or unreadable file or another schema. Needs
 * `json`, `sys` and the worker's SUPPORTED_SCHEMA.
 */
export const SEAM_LOADER_PY = String.raw`def load_seam(manifest_path):
    """The manifest's seam section; one line and exit 1 for a missing, unreadable or other-schema file."""
    try:
        with open(manifest_path, "r", encoding="utf-8") as f:
            m = json.load(f)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        sys.exit("worker.py: cannot read the manifest %s: %s" % (manifest_path, str(e).splitlines()[0] if str(e) else type(e).__name__))
    found = m.get("schemaVersion") if isinstance(m, dict) else None
    if found != SUPPORTED_SCHEMA or not isinstance(m.get("seam"), dict):
        sys.exit("worker.py: %s has manifest schema %s; this worker supports schema %d (recompile with the splitc that wrote this worker)" % (manifest_path, json.dumps(found), SUPPORTED_SCHEMA))
    return m["seam"]`;
