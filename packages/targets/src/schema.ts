// Device and link profiles as data, validated by zod. The same schema describes the VCK190's
// DPUCVDX8G, Zynq UltraScale+ DPUCZDX8G boards and any GPU, so new hardware needs a JSON file,
// not code.

import { z } from 'zod';

// Bounded, not merely positive: profiles are data from files, and a value such as 5e-324 or
// 1e308 would turn every estimate into Infinity (and `null` in JSON). The bounds lie far outside
// any real device: rates and sizes in [1, 1e18], fractions in [1e-6, 1], times and bytes in [0, 1e12].
const positive = z.number().min(1).max(1e18);
const fraction = z.number().min(1e-6).max(1);
const nonNegative = z.number().min(0).max(1e12);

/** Achievable fraction of peak compute, per op class. */
export const Efficiency = z.object({
  conv: fraction,
  depthwise: fraction,
  grouped: fraction,
  fc: fraction,
}).strict();

/** Achievable fraction of peak memory bandwidth. */
const Memory = z.object({
  bandwidthBytesPerS: positive,
  efficiency: fraction,
  note: z.string().optional(),
}).strict();

const Overheads = z.object({
  /** Fixed cost of each layer that issues work (instruction fetch, kernel launch). */
  perLayerMs: nonNegative,
  /** Fixed cost of running the stage once per frame (job submission, synchronisation). */
  perFrameMs: nonNegative,
}).strict();

/** How far a profile is from measurements, on one set of data. */
export const ModelError = z.object({
  /** fit: the data the parameters were fitted on; leave-one-out: each architecture predicted by a fit without it; held-out: never used in fitting. */
  set: z.enum(['fit', 'leave-one-out', 'held-out', 'reference']),
  precision: z.enum(['fp16', 'fp32']).optional(),
  /** What was compared, e.g. "GPU-only batch-1 latency of 11 torchvision architectures". */
  what: z.string(),
  points: z.number().int().positive(),
  /** Geometric mean and worst of max(estimate/measured, measured/estimate). */
  geomeanRatio: z.number().gte(1),
  worstRatio: z.number().gte(1),
}).strict();

/** Where a profile's numbers come from, for the report: measured, fitted, assumed. */
export const Provenance = z.object({
  /** The measurements behind the profile (a file, a table, a data sheet). */
  basis: z.string(),
  measured: z.array(z.string()),
  fitted: z.array(z.string()),
  assumed: z.array(z.string()),
  errors: z.array(ModelError),
}).strict();

/** The DPU's operator limits (UG1414 "Currently Supported Operators"). */
export const DpuLimits = z.object({
  channelParallel: z.number().int().positive(),
  bankDepth: z.number().int().positive(),
  kernelMin: z.number().int().positive(),
  kernelMax: z.number().int().positive(),
  strideMax: z.number().int().positive(),
  depthwiseKernelMax: z.number().int().positive(),
  depthwiseStrideMax: z.number().int().positive(),
  poolKernelMax: z.number().int().positive(),
  poolStrideMax: z.number().int().positive(),
  /** Output channels ≤ outputChannelFactor × channelParallel; dilation × input channels ≤ the same. */
  outputChannelFactor: z.number().int().positive(),
  /** Grouped convolution (1 < groups < channels) runs on the DPU. */
  groupedConv: z.boolean(),
}).strict();

export const DpuDevice = z.object({
  kind: z.literal('dpu'),
  name: z.string().min(1),
  description: z.string(),
  /** DPU IP family, e.g. DPUCVDX8G. */
  arch: z.string().min(1),
  /** vai_q / vai_c target name, e.g. DPUCVDX8G_ISA3_C32B6. */
  vaiTarget: z.string().min(1),
  fingerprint: z.string().optional(),
  /** arch.json path inside the Vitis AI docker image. */
  archJson: z.string().min(1),
  compute: z.object({
    /** INT8 ops per cycle of one engine (one batch handler / one DPU core), i.e. 2 × MACs. */
    opsPerCycle: positive,
    clockHz: positive,
    /** Engines that run frames in parallel (batch handlers × compute units). */
    parallelFrames: z.number().int().positive(),
    note: z.string().optional(),
  }).strict(),
  memory: Memory,
  onChip: z.object({ imageBankBytes: positive, weightBankBytes: positive }).strict().optional(),
  efficiency: Efficiency,
  overheads: Overheads,
  limits: DpuLimits,
  /** How the runtime drives this DPU (optional: defaults in concurrency.ts). The batch is `compute.parallelFrames`. */
  runtime: z.object({
    /** VART runner threads, one runner each: calls overlap only across runners (host-side work hides behind the DPU's). */
    runnerThreads: z.number().int().positive().max(64),
  }).strict().optional(),
  calibration: z.string().optional(),
  provenance: Provenance.optional(),
}).strict();

export const Precision = z.enum(['fp16', 'fp32']);

/**
 * The GPU's batch-1 kernel structure (latency.ts, gpu-kernels.ts): every kernel pays a floor of
 * its class, each op fused into a kernel a small extra, and only activations larger than the
 * on-chip cache travel to memory.
 */
export const GpuKernels = z.object({
  /** Floor of one kernel, by the class of the layer that starts it, ms. */
  floorMs: z.object({
    conv: nonNegative, depthwise: nonNegative, grouped: nonNegative, fc: nonNegative, memory: nonNegative,
    /** A dense convolution with fewer than 8 input channels (an RGB stem); conv's floor when absent. */
    narrow: nonNegative.optional(),
  }).strict(),
  /** Extra cost of each pointwise function fused into a kernel (an activation, a batch norm, a residual add; a decomposed SiLU or GELU counts once, LayerNorm's steps not at all), ms. */
  fusedOpMs: nonNegative,
  /** Activation tensors up to this size stay in the L2 cache at batch 1 and cost no memory traffic. */
  cacheBytes: nonNegative,
  /** Effective bandwidth for activations that stay in the cache (read and written by each kernel). */
  cacheBandwidthBytesPerS: positive.optional(),
  note: z.string().optional(),
}).strict();

export const GpuDevice = z.object({
  kind: z.literal('gpu'),
  name: z.string().min(1),
  description: z.string(),
  computeCapability: z.string().optional(),
  compute: z.object({
    /** Peak FLOP/s (2 × MAC/s) per precision. */
    peakFlops: z.object({ fp16: positive, fp32: positive }).strict(),
    note: z.string().optional(),
  }).strict(),
  memory: Memory,
  efficiency: z.object({ fp16: Efficiency, fp32: Efficiency }).strict(),
  overheads: Overheads,
  /** Batch-1 kernel floors and fusion; without it every layer that is not fused or free costs `overheads.perLayerMs`. */
  kernels: GpuKernels.optional(),
  /** How the runtime drives this GPU (optional: defaults in concurrency.ts). */
  runtime: z.object({
    /** Execution contexts, each on its own CUDA stream: one request's copies overlap another's compute. */
    contexts: z.number().int().positive().max(64),
  }).strict().optional(),
  calibration: z.string().optional(),
  provenance: Provenance.optional(),
}).strict();

export const Device = z.discriminatedUnion('kind', [DpuDevice, GpuDevice]);

export const Link = z.object({
  name: z.string().min(1),
  description: z.string(),
  /** Effective end-to-end bandwidth from the DPU board's memory to GPU memory. */
  bandwidthBytesPerS: positive,
  /** Fixed cost per transfer (DMA set-up, driver, protocol). */
  latencyMs: nonNegative,
}).strict();

/** A file of devices and links; built-in and user files have the same shape. */
export const TargetFile = z.object({
  schemaVersion: z.literal(1),
  devices: z.record(z.string(), Device).optional(),
  links: z.record(z.string(), Link).optional(),
}).strict();

export type Efficiency = z.infer<typeof Efficiency>;
export type DpuLimits = z.infer<typeof DpuLimits>;
export type DpuDevice = z.infer<typeof DpuDevice>;
export type GpuDevice = z.infer<typeof GpuDevice>;
export type Device = z.infer<typeof Device>;
export type Link = z.infer<typeof Link>;
export type Precision = z.infer<typeof Precision>;
export type GpuKernels = z.infer<typeof GpuKernels>;
export type ModelError = z.infer<typeof ModelError>;
export type Provenance = z.infer<typeof Provenance>;
export type TargetFile = z.infer<typeof TargetFile>;
