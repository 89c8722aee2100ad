// Graph features for the split predictor: the graph's and the target's own numbers. Node 0 is a
// virtual source (the model input; choosing it means GPU-only), node i+1 is layer i; choosing node
// j means "cut after it": prefix j on the DPU. No output of the latency model is a feature — the
// network learns the hardware from the planner's labels, as the paper's does.

import { createHash } from 'node:crypto';
import { elementCount, windowGeometry, WINDOW_OPS, type Graph, type Layer } from '@splitc/ir';
import { activationElements, convKind, dpuSupport, gpuActivationBytes, gpuRoles, gpuTileUse, opClass, type ResolvedTarget } from '@splitc/targets';
import type { Objective } from '@splitc/planner';

const OP_CLASSES = ['conv', 'depthwise', 'grouped', 'deconv', 'fc', 'pool', 'global-pool', 'add', 'mul', 'concat', 'activation', 'cpu-function', 'norm', 'view', 'other'] as const;

const ACTIVATIONS = new Set(['Relu', 'LeakyRelu', 'HardSwish', 'HardSigmoid', 'PRelu', 'Clip', 'Elu', 'Selu', 'Celu']);
const CPU_FUNCTIONS = new Set(['Sigmoid', 'Tanh', 'Softmax', 'LogSoftmax', 'Exp', 'Log', 'Erf', 'Gelu', 'Sqrt', 'Pow', 'Div', 'Reciprocal', 'ReduceMean', 'ReduceSum', 'ReduceMax', 'Softplus', 'Mish']);
const NORMS = new Set(['BatchNormalization', 'LayerNormalization', 'InstanceNormalization', 'LRN']);
const VIEWS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout', 'Transpose', 'Slice', 'Split', 'Gather', 'Pad', 'Resize', 'Upsample']);

function opClassOf(g: Graph, l: Layer): (typeof OP_CLASSES)[number] {
  switch (l.op) {
    case 'Conv': {
      const k = convKind(g, l);
      return k === 'conv' ? 'conv' : k;
    }
    case 'ConvTranspose': return 'deconv';
    case 'Gemm': case 'MatMul': return 'fc';
    case 'MaxPool': case 'AveragePool': case 'LpPool': return 'pool';
    case 'GlobalAveragePool': case 'GlobalMaxPool': case 'GlobalLpPool': return 'global-pool';
    case 'Add': case 'Sub': return 'add';
    case 'Mul': return 'mul';
    case 'Concat': return 'concat';
  }
  if (ACTIVATIONS.has(l.op)) return 'activation';
  if (CPU_FUNCTIONS.has(l.op)) return 'cpu-function';
  if (NORMS.has(l.op)) return 'norm';
  if (VIEWS.has(l.op)) return 'view';
  return 'other';
}

/** Per-node feature names of schema 2, in order: every model reads these. */
const BASE_NODE_FEATURES: readonly string[] = [
  'is-source', ...OP_CLASSES.map((c) => `op:${c}`),
  'kernel', 'stride', 'log-group', 'log-channels', 'log-height', 'log-width',
  'log-macs', 'log-params', 'log-output-bytes', 'mac-fraction',
  'dpu-supported', 'valid-cut', 'depth',
  'prefix-macs', 'suffix-macs', 'prefix-params', 'suffix-params', 'prefix-bytes', 'suffix-bytes',
  'log-prefix-macs', 'log-suffix-macs', 'log-prefix-params', 'log-suffix-params', 'log-prefix-layers', 'log-suffix-layers',
  'log-prefix-bytes', 'log-suffix-bytes', 'prefix-depthwise-macs', 'suffix-depthwise-macs',
  'log-cut-bytes', 'cut-bytes/input', 'cut-tensors',
  'log-in-edge-bytes', 'in-skips', 'out-edges', 'out-skips',
];

/**
 * A layer's activation bytes and where they stand against the DPU's on-chip image bank (tenth
 * pass): computed for every graph, read only by a model with `bankFeatures` (ModelConfig).
 */
export const BANK_NODE_FEATURES: readonly string[] = ['log-activation-bytes', 'on-chip-fit', 'activation/on-chip'];

/**
 * The GPU's kernel structure applied to a layer (twelfth pass): whether it starts a GPU kernel of
 * its own, runs fused into another (as a counted pointwise op, or as a step that costs only its
 * weights) or launches nothing (all three zero); whether its kernel is a narrow convolution or a
 * memory-bound one; log2 of the share of the tensor cores' GEMM tile its output channels use; and
 * its kernel's activation bytes above and within the GPU's cache at fp16 and at fp32. These are
 * the graph's numbers under the GPU's fixed rules and limits (the tile, the cache size), as DPU
 * support and the bank features are under the DPU's; no time is among them. Computed for every
 * graph after the bank's, read only by a model with `gpuFeatures` (ModelConfig).
 */
export const GPU_NODE_FEATURES: readonly string[] = [
  'gpu-kernel', 'gpu-fused-op', 'gpu-fused-weights', 'gpu-narrow', 'gpu-memory-kernel', 'gpu-log-tile-use',
  'gpu-log-uncached-fp16', 'gpu-log-cached-fp16', 'gpu-log-uncached-fp32', 'gpu-log-cached-fp32',
];

/**
 * The latency model's DPU class of a layer where the op one-hot does not give it (twelfth pass):
 * fused into its producer's epilogue, a free view, or a memory-bound pass of its own (the
 * compute classes are the op one-hot's). The DPU compiler's rule applied to the graph, as the GPU
 * roles are the GPU's; read only by a model with `dpuClassFeatures` (ModelConfig).
 */
export const DPU_CLASS_NODE_FEATURES: readonly string[] = ['dpu-fused', 'dpu-free', 'dpu-memory'];

/** Every per-node feature graphFeatures computes, in order (the stride of GraphFeatures.x): schema 2's, the bank's, the GPU's, then the DPU classes. */
export const NODE_FEATURES: readonly string[] = [...BASE_NODE_FEATURES, ...BANK_NODE_FEATURES, ...GPU_NODE_FEATURES, ...DPU_CLASS_NODE_FEATURES];

/** The model settings that choose which node features a model reads (ModelConfig's; structural, as config.ts imports this file). */
export interface FeatureChoice { readonly bankFeatures?: boolean; readonly gpuFeatures?: boolean; readonly dpuClassFeatures?: boolean }

/**
 * How many node features a model reads: the first this many of each row of GraphFeatures.x.
 * Each group follows the one before (schema 2's, the bank's, the GPU's, the DPU classes), so a
 * model reads a group only with every group before it (configProblem says so).
 */
export function nodeFeatureCount(choice: FeatureChoice): number {
  let n = BASE_NODE_FEATURES.length;
  if (choice.bankFeatures !== true) return n;
  n += BANK_NODE_FEATURES.length;
  if (choice.gpuFeatures !== true) return n;
  n += GPU_NODE_FEATURES.length;
  return choice.dpuClassFeatures === true ? n + DPU_CLASS_NODE_FEATURES.length : n;
}

/** The feature choice of a model config (what it reads decides its feature-schema hash). */
export function featureChoice(cfg: FeatureChoice | null | undefined): FeatureChoice {
  return { bankFeatures: cfg?.bankFeatures === true, gpuFeatures: cfg?.gpuFeatures === true, dpuClassFeatures: cfg?.dpuClassFeatures === true };
}

/** Target descriptor names, in order: the profile's numbers, never its name. */
export const TARGET_FEATURES: readonly string[] = [
  'dpu-log-peak', 'dpu-eff-conv', 'dpu-eff-depthwise', 'dpu-eff-grouped', 'dpu-eff-fc', 'dpu-log-bandwidth',
  'dpu-log-layer-ms', 'dpu-log-frame-ms', 'dpu-parallel-frames', 'dpu-log-onchip',
  'gpu-log-peak', 'gpu-eff-conv', 'gpu-eff-depthwise', 'gpu-eff-grouped', 'gpu-eff-fc', 'gpu-log-bandwidth',
  'gpu-log-layer-ms', 'gpu-log-frame-ms', 'gpu-bytes-per-element',
  'link-log-bandwidth', 'link-log-latency', 'objective-stream', 'log-peak-ratio',
];

/** 2: counts (crossing tensors, skips, out-edges) and efficiencies on log scales. */
export const FEATURE_SCHEMA_VERSION = 2;

/**
 * Hash of the feature schema a model reads (the node features it reads, by name): weights trained
 * on another schema are refused. Without `bankFeatures` it is schema 2's hash, as before the bank
 * features existed.
 */
export function featureSchemaHash(choice: FeatureChoice = {}): string {
  return createHash('sha256').update(JSON.stringify({ v: FEATURE_SCHEMA_VERSION, n: NODE_FEATURES.slice(0, nodeFeatureCount(choice)), t: TARGET_FEATURES })).digest('hex').slice(0, 16);
}

export interface GraphFeatures {
  /** Nodes: the source and one per layer. */
  readonly nodes: number;
  /** [nodes × NODE_FEATURES.length], row-major. */
  readonly x: Float32Array;
  /** Directed edges (producer node → consumer node), node indices. */
  readonly src: Int32Array;
  readonly dst: Int32Array;
  /** 1 where cutting after the node is a valid split (prefix of DPU-supported layers). */
  readonly valid: Uint8Array;
  /** Largest valid prefix (layers that can go on the DPU from the start). */
  readonly maxPrefix: number;
  /** Crossing bytes of prefix cut k (one byte per element), k = 0..layers. */
  readonly cutBytes: Float64Array;
  /** MACs of each layer. */
  readonly macs: Float64Array;
}

const log10p = (v: number): number => Math.log10(1 + Math.max(v, 0));

const COLUMNS = new Map(NODE_FEATURES.map((f, i) => [f, i]));
/** A node feature's column (a name missing from NODE_FEATURES is a programming error). */
function column(name: string): number {
  const i = COLUMNS.get(name);
  if (i === undefined) throw new Error(`no node feature ${name}`);
  return i;
}
/** The one-hot column of each op class. */
const OP_COLUMN = new Map(OP_CLASSES.map((c) => [c, column(`op:${c}`)]));

/**
 * Features of a shape-inferred, costed graph for a DPU with the target's limits (DPU support is
 * a rule of the device's limits, not a latency).
 */
export function graphFeatures(g: Graph, target: ResolvedTarget): GraphFeatures {
  const n = g.layers.length;
  const nodes = n + 1;
  const F = NODE_FEATURES.length;
  const x = new Float32Array(nodes * F);

  const support = g.layers.map((l) => dpuSupport(g, l, target.dpu.limits).ok);
  const firstBad = support.indexOf(false);
  const maxPrefix = firstBad === -1 ? n : firstBad;
  const macs = new Float64Array(n);
  const params = new Float64Array(n);
  const outBytes = new Float64Array(n);
  for (const l of g.layers) {
    macs[l.index] = l.cost?.macs ?? 0;
    params[l.index] = l.cost?.params ?? 0;
    outBytes[l.index] = l.cost?.outputBytes ?? 0;
  }
  const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  const totMacs = Math.max(sum(macs), 1);
  const totParams = Math.max(sum(params), 1);
  const totBytes = Math.max(sum(outBytes), 1);

  // Crossing bytes and tensor counts of every prefix cut: a tensor crosses cuts
  // [producer + 1, last reader] (up to n for a graph output); the model input counts as made at 0.
  const dBytes = new Float64Array(n + 2);
  const dCount = new Float64Array(n + 2);
  const outputs = new Set(g.outputs);
  let inputBytes = 0;
  // Keyed by producer node · (n + 2) + consumer node: one number per (producer, consumer) pair.
  const edges = new Map<number, [number, number, number]>();
  for (const [name, t] of g.tensors) {
    if (t.kind !== 'activation' && t.kind !== 'input') continue;
    const bytes = elementCount(t.shape!);
    const producer = t.producer ?? -1;
    if (producer === -1) inputBytes += bytes;
    const readers = g.consumers.get(name) ?? [];
    const last = readers.length === 0 ? -1 : Math.max(...readers);
    const from = producer + 1;
    const to = outputs.has(name) && producer !== -1 ? n : Math.min(last, n);
    if (from <= to) {
      dBytes[from]! += bytes; dBytes[to + 1]! -= bytes;
      dCount[from]! += 1; dCount[to + 1]! -= 1;
    }
    for (const r of readers) {
      const key = (producer + 1) * (n + 2) + r + 1;
      const e = edges.get(key);
      if (e === undefined) edges.set(key, [producer + 1, r + 1, bytes]);
      else e[2] += bytes;
    }
  }
  const cutBytes = new Float64Array(n + 1);
  const cutCount = new Float64Array(n + 1);
  for (let k = 0, b = 0, c = 0; k <= n; k++) {
    b += dBytes[k]!; c += dCount[k]!;
    cutBytes[k] = b; cutCount[k] = c;
  }

  const edgeList = [...edges.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const src = new Int32Array(edgeList.map((e) => e[0]));
  const dst = new Int32Array(edgeList.map((e) => e[1]));
  const inBytes = new Float64Array(nodes);
  const inSkips = new Float64Array(nodes);
  const outEdges = new Float64Array(nodes);
  const outSkips = new Float64Array(nodes);
  for (const [s, d, bytes] of edgeList) {
    inBytes[d]! += bytes;
    outEdges[s]! += 1;
    if (d - s > 1) { inSkips[d]! += 1; outSkips[s]! += 1; }
  }

  const valid = new Uint8Array(nodes);
  let pm = 0;
  let pp = 0;
  let pb = 0;
  let pdw = 0;
  const dwMacs = g.layers.map((l) => (l.op === 'Conv' && convKind(g, l) !== 'conv' ? macs[l.index]! : 0));
  const totDw = dwMacs.reduce((a, b) => a + b, 0);
  const inputShape = g.tensors.get(g.inputs[0]!)?.shape ?? [1];
  // Each feature's column, looked up once (not once per node).
  const colValidCut = column('valid-cut');
  const colDepth = column('depth');
  const colKernel = column('kernel');
  const colStride = column('stride');
  const colLogGroup = column('log-group');
  const colLogChannels = column('log-channels');
  const colLogHeight = column('log-height');
  const colLogWidth = column('log-width');
  const colLogMacs = column('log-macs');
  const colLogParams = column('log-params');
  const colLogOutputBytes = column('log-output-bytes');
  const colMacFraction = column('mac-fraction');
  const colDpuSupported = column('dpu-supported');
  const colIsSource = column('is-source');
  const colPrefixMacs = column('prefix-macs');
  const colSuffixMacs = column('suffix-macs');
  const colPrefixParams = column('prefix-params');
  const colSuffixParams = column('suffix-params');
  const colPrefixBytes = column('prefix-bytes');
  const colSuffixBytes = column('suffix-bytes');
  const colLogPrefixMacs = column('log-prefix-macs');
  const colLogSuffixMacs = column('log-suffix-macs');
  const colLogPrefixParams = column('log-prefix-params');
  const colLogSuffixParams = column('log-suffix-params');
  const colLogPrefixLayers = column('log-prefix-layers');
  const colLogSuffixLayers = column('log-suffix-layers');
  const colLogPrefixBytes = column('log-prefix-bytes');
  const colLogSuffixBytes = column('log-suffix-bytes');
  const colPrefixDepthwiseMacs = column('prefix-depthwise-macs');
  const colSuffixDepthwiseMacs = column('suffix-depthwise-macs');
  const colLogCutBytes = column('log-cut-bytes');
  const colCutBytesInput = column('cut-bytes/input');
  const colCutTensors = column('cut-tensors');
  const colLogInEdgeBytes = column('log-in-edge-bytes');
  const colInSkips = column('in-skips');
  const colOutEdges = column('out-edges');
  const colOutSkips = column('out-skips');
  const colLogActivationBytes = column('log-activation-bytes');
  const colOnChipFit = column('on-chip-fit');
  const colActivationOnChip = column('activation/on-chip');
  // The DPU's on-chip image bank (INT8: one byte per element) is a device limit applied to the
  // graph, as DPU support is: whether a layer's activations fit it, and how far they are from it.
  const bank = target.dpu.onChip?.imageBankBytes ?? 0;
  // The GPU's kernel structure and its cache are its rules and limits applied to the graph.
  const roles = gpuRoles(g);
  const cache = target.gpu.kernels?.cacheBytes ?? 0;
  const colGpuKernel = column('gpu-kernel');
  const colGpuFusedOp = column('gpu-fused-op');
  const colGpuFusedWeights = column('gpu-fused-weights');
  const colGpuNarrow = column('gpu-narrow');
  const colGpuMemoryKernel = column('gpu-memory-kernel');
  const colGpuLogTileUse = column('gpu-log-tile-use');
  const colDpuClass = { fused: column('dpu-fused'), free: column('dpu-free'), memory: column('dpu-memory') } as const;
  const colGpuCache = [column('gpu-log-uncached-fp16'), column('gpu-log-cached-fp16'), column('gpu-log-uncached-fp32'), column('gpu-log-cached-fp32')] as const;
  for (let node = 0; node < nodes; node++) {
    const k = node; // the prefix cut this node stands for
    const o = node * F;
    valid[node] = k <= maxPrefix ? 1 : 0;
    x[o + colValidCut] = valid[node]!;
    x[o + colDepth] = k / Math.max(n, 1);
    if (node > 0) {
      const l = g.layers[node - 1]!;
      pm += macs[l.index]!; pp += params[l.index]!; pb += outBytes[l.index]!; pdw += dwMacs[l.index]!;
      x[o + OP_COLUMN.get(opClassOf(g, l))!] = 1;
      if (WINDOW_OPS.has(l.op)) {
        const w = windowGeometry(g, l);
        x[o + colKernel] = Math.max(...w.kernel) / 8;
        x[o + colStride] = Math.max(...w.strides) / 4;
        x[o + colLogGroup] = Math.log2(w.group) / 10;
      }
      const out = g.tensors.get(l.outputs[0]!)?.shape ?? [];
      x[o + colLogChannels] = log10p(out[1] ?? 0) / 4;
      x[o + colLogHeight] = log10p(out[2] ?? 0) / 3;
      x[o + colLogWidth] = log10p(out[3] ?? 0) / 3;
      x[o + colLogMacs] = log10p(macs[l.index]!) / 10;
      x[o + colLogParams] = log10p(params[l.index]!) / 8;
      x[o + colLogOutputBytes] = log10p(outBytes[l.index]!) / 8;
      x[o + colMacFraction] = macs[l.index]! / totMacs;
      x[o + colDpuSupported] = support[l.index]! ? 1 : 0;
      const act = activationElements(g, l);
      x[o + colLogActivationBytes] = log10p(act) / 8;
      x[o + colOnChipFit] = bank > 0 && act <= bank ? 1 : 0;
      x[o + colActivationOnChip] = (bank > 0 ? Math.min(4, Math.max(-4, Math.log2((act + 1) / bank))) : 4) / 4;
      const dpuClass = opClass(g, l);
      if (dpuClass === 'fused' || dpuClass === 'free' || dpuClass === 'memory') x[o + colDpuClass[dpuClass]] = 1;
      const role = roles[l.index]!;
      if (role.kind === 'fused') x[o + (role.counted ? colGpuFusedOp : colGpuFusedWeights)] = 1;
      if (role.kind === 'kernel') {
        x[o + colGpuKernel] = 1;
        x[o + colGpuNarrow] = role.cls === 'narrow' ? 1 : 0;
        x[o + colGpuMemoryKernel] = role.cls === 'memory' ? 1 : 0;
        x[o + colGpuLogTileUse] = Math.log2(gpuTileUse(g, l, role.cls)) / 4;
        const [big16, small16] = gpuActivationBytes(g, l, 2, cache);
        const [big32, small32] = gpuActivationBytes(g, l, 4, cache);
        x[o + colGpuCache[0]] = log10p(big16) / 9;
        x[o + colGpuCache[1]] = log10p(small16) / 9;
        x[o + colGpuCache[2]] = log10p(big32) / 9;
        x[o + colGpuCache[3]] = log10p(small32) / 9;
      }
    } else {
      x[o + colIsSource] = 1;
      x[o + colLogChannels] = log10p(inputShape[1] ?? 0) / 4;
      x[o + colLogHeight] = log10p(inputShape[2] ?? 0) / 3;
      x[o + colLogWidth] = log10p(inputShape[3] ?? 0) / 3;
      x[o + colLogOutputBytes] = log10p(inputBytes * 4) / 8;
      x[o + colDpuSupported] = 1;
    }
    x[o + colPrefixMacs] = pm / totMacs;
    x[o + colSuffixMacs] = 1 - pm / totMacs;
    x[o + colPrefixParams] = pp / totParams;
    x[o + colSuffixParams] = 1 - pp / totParams;
    x[o + colPrefixBytes] = pb / totBytes;
    x[o + colSuffixBytes] = 1 - pb / totBytes;
    x[o + colLogPrefixMacs] = log10p(pm) / 10;
    x[o + colLogSuffixMacs] = log10p(totMacs - pm) / 10;
    x[o + colLogPrefixParams] = log10p(pp) / 8;
    x[o + colLogSuffixParams] = log10p(totParams - pp) / 8;
    x[o + colLogPrefixLayers] = log10p(k) / 3;
    x[o + colLogSuffixLayers] = log10p(n - k) / 3;
    x[o + colLogPrefixBytes] = log10p(pb) / 9;
    x[o + colLogSuffixBytes] = log10p(totBytes - pb) / 9;
    x[o + colPrefixDepthwiseMacs] = pdw / totMacs;
    x[o + colSuffixDepthwiseMacs] = (totDw - pdw) / totMacs;
    x[o + colLogCutBytes] = log10p(cutBytes[k]!) / 8;
    x[o + colCutBytesInput] = Math.log2((cutBytes[k]! + 1) / (inputBytes + 1)) / 8;
    // Counts on a log scale: a DenseNet block has dozens of skips and crossing tensors, far beyond
    // what most training graphs show, and a raw count let the network extrapolate to absurd times.
    x[o + colCutTensors] = Math.log2(1 + cutCount[k]!) / 4;
    x[o + colLogInEdgeBytes] = log10p(inBytes[node]!) / 8;
    x[o + colInSkips] = Math.log2(1 + inSkips[node]!) / 4;
    x[o + colOutEdges] = Math.log2(1 + outEdges[node]!) / 4;
    x[o + colOutSkips] = Math.log2(1 + outSkips[node]!) / 4;
  }
  return { nodes, x, src, dst, valid, maxPrefix, cutBytes, macs };
}

/** The target descriptor: the profile's numbers (log-scaled), the precision and the objective. */
export function targetDescriptor(t: ResolvedTarget, objective: Objective): Float32Array {
  const d = t.dpu;
  const gp = t.gpu;
  const p = t.precision;
  const dpuPeak = d.compute.opsPerCycle * d.compute.clockHz;
  const gpuPeak = gp.compute.peakFlops[p];
  const lms = (ms: number) => Math.log10(ms + 1e-4) / 4;
  // Efficiencies divide the time, so their logs are what a log-time model adds up.
  const le = (e: number) => Math.log10(Math.max(e, 1e-3)) / 2;
  const v = [
    Math.log10(dpuPeak) / 13, le(d.efficiency.conv), le(d.efficiency.depthwise), le(d.efficiency.grouped), le(d.efficiency.fc),
    Math.log10(d.memory.bandwidthBytesPerS * d.memory.efficiency) / 11,
    lms(d.overheads.perLayerMs), lms(d.overheads.perFrameMs), d.compute.parallelFrames / 4, log10p(d.onChip?.imageBankBytes ?? 0) / 8,
    Math.log10(gpuPeak) / 14, le(gp.efficiency[p].conv), le(gp.efficiency[p].depthwise), le(gp.efficiency[p].grouped), le(gp.efficiency[p].fc),
    Math.log10(gp.memory.bandwidthBytesPerS * gp.memory.efficiency) / 11,
    lms(gp.overheads.perLayerMs), lms(gp.overheads.perFrameMs), p === 'fp16' ? 0 : 1,
    Math.log10(t.link.bandwidthBytesPerS) / 11, lms(t.link.latencyMs), objective === 'stream' ? 1 : 0,
    Math.log10((dpuPeak * d.efficiency.conv) / (gpuPeak * gp.efficiency[p].conv)),
  ];
  return new Float32Array(v);
}
