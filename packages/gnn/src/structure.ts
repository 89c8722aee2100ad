// The fixed (untrained) part of the structured time heads (ModelConfig.structured): how the
// target's own rates enter each term of a layer's time, a cut's link time and the per-stage
// overheads, with coefficient exactly ±1 in log space. A time is work over a rate, so scaling a
// device's peak, bandwidth or overhead by 2 shifts the matching term's log time by log 2 exactly,
// however far outside the training range the number lies; the network learns the rest (the work
// each layer does, the op class's behaviour, every correction) from the planner's labels. Nothing
// here reads the latency model: the inputs are the node's op class (a graph feature) and the target
// descriptor (the profile's numbers). Plain JavaScript: the tfjs forward (training) and the plain
// forward (inference) both call it, so they add the same offsets.

import { NODE_FEATURES, TARGET_FEATURES, type GraphFeatures } from './features.js';

const LN10 = Math.LN10;
const tcol = (name: string): number => {
  const i = TARGET_FEATURES.indexOf(name);
  if (i < 0) throw new Error(`no target feature ${name}`);
  return i;
};
const xcol = (name: string): number => {
  const i = NODE_FEATURES.indexOf(name);
  if (i < 0) throw new Error(`no node feature ${name}`);
  return i;
};

/** Op classes with a per-class compute efficiency in the profile, and the node feature that flags each. */
const EFF_CLASSES = [
  ['op:conv', 'conv'], ['op:deconv', 'conv'], ['op:depthwise', 'depthwise'], ['op:grouped', 'grouped'], ['op:fc', 'fc'],
] as const;

/** Natural logs of the target's rates and overheads, read back from the descriptor's scaled logs (features.ts). */
interface LnRates {
  dpuPeak: number; dpuEff: Record<string, number>; dpuBw: number; dpuLayer: number; dpuFrame: number; dpuFrames: number;
  gpuPeak: number; gpuEff: Record<string, number>; gpuBw: number; gpuFrame: number;
  linkBw: number; linkLatency: number;
}

function lnRates(t: ArrayLike<number>): LnRates {
  const v = (name: string): number => t[tcol(name)]!;
  const eff = (dev: string): Record<string, number> => Object.fromEntries(['conv', 'depthwise', 'grouped', 'fc'].map((c) => [c, v(`${dev}-eff-${c}`) * 2 * LN10]));
  return {
    dpuPeak: v('dpu-log-peak') * 13 * LN10, dpuEff: eff('dpu'), dpuBw: v('dpu-log-bandwidth') * 11 * LN10,
    dpuLayer: v('dpu-log-layer-ms') * 4 * LN10, dpuFrame: v('dpu-log-frame-ms') * 4 * LN10, dpuFrames: Math.log(Math.max(v('dpu-parallel-frames') * 4, 1e-3)),
    gpuPeak: v('gpu-log-peak') * 14 * LN10, gpuEff: eff('gpu'), gpuBw: v('gpu-log-bandwidth') * 11 * LN10, gpuFrame: v('gpu-log-frame-ms') * 4 * LN10,
    linkBw: v('link-log-bandwidth') * 11 * LN10, linkLatency: v('link-log-latency') * 4 * LN10,
  };
}

export interface StructureOffsets {
  /** [nodes × 3K]: per layer, the three time columns' K terms (DPU frame, DPU stream share, GPU). */
  readonly time: Float64Array;
  /** [nodes × K]: the link time's K terms. */
  readonly link: Float64Array;
  /** [3]: the per-stage overheads (DPU frame, DPU stream, GPU). */
  readonly ovh: Float64Array;
}

/** The crossing bytes at which the link's bytes offset is zero (ModelConfig.linkBytes). */
export const LINK_BYTES_REFERENCE = 1e6;

/**
 * The fixed log offsets of every term for one graph under one target, relative to the target
 * `centre` (the training set's mean descriptor, so that at the centre they are zero and the
 * learned biases start where they would without them). Terms (K ≥ 3; terms past the third get 0):
 * time k=0 compute, −ln peak − ln efficiency of the node's op class (none for other classes);
 * k=1 memory traffic, −ln bandwidth; k=2 fixed cost, +ln per-layer overhead (the DPU's; the GPU's
 * kernel floors are not in the descriptor, so none). The DPU stream share divides the compute and
 * the fixed cost by the parallel frames. Link: k=0 +ln latency, k=1 −ln bandwidth (with
 * `linkBytes`, also +ln(the cut's crossing bytes / LINK_BYTES_REFERENCE)). Overheads:
 * +ln per-frame overhead (the DPU stream's over the parallel frames).
 */
export function structureOffsets(
  f: GraphFeatures, descriptor: ArrayLike<number>, centre: ArrayLike<number>, K: number, options: { readonly linkBytes?: boolean } = {},
): StructureOffsets {
  if (K < 3) throw new Error(`a structured model needs at least 3 terms per time, got ${K}`);
  const r = lnRates(descriptor);
  const c = lnRates(centre);
  const F = NODE_FEATURES.length;
  const N = f.nodes;
  const time = new Float64Array(N * 3 * K);
  const link = new Float64Array(N * K);
  const framesShift = r.dpuFrames - c.dpuFrames;
  const cols = EFF_CLASSES.map(([feature, cls]) => [xcol(feature), cls] as const);
  for (let i = 0; i < N; i++) {
    let dEff = 0;
    let gEff = 0;
    for (const [j, cls] of cols) {
      if (f.x[i * F + j] === 1) { dEff = r.dpuEff[cls]! - c.dpuEff[cls]!; gEff = r.gpuEff[cls]! - c.gpuEff[cls]!; }
    }
    const o = i * 3 * K;
    const dpuCompute = -(r.dpuPeak - c.dpuPeak) - dEff;
    const dpuMemory = -(r.dpuBw - c.dpuBw);
    const dpuFixed = r.dpuLayer - c.dpuLayer;
    time[o] = dpuCompute; time[o + 1] = dpuMemory; time[o + 2] = dpuFixed;
    time[o + K] = dpuCompute - framesShift; time[o + K + 1] = dpuMemory; time[o + K + 2] = dpuFixed - framesShift;
    time[o + 2 * K] = -(r.gpuPeak - c.gpuPeak) - gEff; time[o + 2 * K + 1] = -(r.gpuBw - c.gpuBw);
    link[i * K] = r.linkLatency - c.linkLatency;
    link[i * K + 1] = -(r.linkBw - c.linkBw) + (options.linkBytes === true ? Math.log(Math.max(f.cutBytes[i]!, 1) / LINK_BYTES_REFERENCE) : 0);
  }
  const dpuFrame = r.dpuFrame - c.dpuFrame;
  return { time, link, ovh: Float64Array.of(dpuFrame, dpuFrame - framesShift, r.gpuFrame - c.gpuFrame) };
}

/** Target-descriptor columns each part of a masked model reads (ModelConfig.targetMasks). */
const DPU_COLUMNS = TARGET_FEATURES.flatMap((n, i) => (n.startsWith('dpu-') ? [i] : []));
const GPU_COLUMNS = TARGET_FEATURES.flatMap((n, i) => (n.startsWith('gpu-') ? [i] : []));
const LINK_COLUMNS = [...TARGET_FEATURES.flatMap((n, i) => (n.startsWith('link-') ? [i] : [])), tcol('gpu-bytes-per-element')];

/**
 * The 0/1 mask of a [target × columns] weight matrix of a masked model, or undefined for weights
 * that are not masked. Each part reads only the numbers it physically depends on: the
 * message-passing embedding none (it describes the graph), a layer's times the two devices' (the
 * DPU columns their own terms only: `time/to` per column), a cut's link time the link's and the
 * precision, each stage overhead its device's (none beyond the fixed part when `structured`). Without masks, a link bandwidth outside the
 * training range reached every layer's time through the shared hidden layers and blew it up.
 */
export function targetMask(name: string, columns: number, K: number, structured: boolean): Float32Array | undefined {
  const T = TARGET_FEATURES.length;
  const mask = (rowsOf: (c: number) => readonly number[]): Float32Array => {
    const m = new Float32Array(T * columns);
    for (let c = 0; c < columns; c++) for (const r of rowsOf(c)) m[r * columns + c] = 1;
    return m;
  };
  const devices = [...DPU_COLUMNS, ...GPU_COLUMNS];
  if (name === 'in/t' || /^mp\d+\/t$/.test(name)) return new Float32Array(T * columns);
  if (name === 'time/t' || name === 'time/it') return mask(() => devices);
  if (name === 'time/to') return mask((c) => (Math.floor(c / K) < 2 ? DPU_COLUMNS : GPU_COLUMNS));
  if (name === 'link/t' || name === 'link/it' || name === 'link/to') return mask(() => LINK_COLUMNS);
  // With the structured heads an overhead is its device's per-frame overhead (over the parallel
  // frames for the DPU stream) times a learned constant: the stream overhead has no label of its
  // own (it shows only where the DPU stage is a stream's bottleneck), and a free linear
  // dependence on the target, weakly pinned by the labels, blew it up to 28 ms under a target
  // outside the training range.
  if (name === 'ovh/t') return structured ? new Float32Array(T * columns) : mask((c) => (c < 2 ? DPU_COLUMNS : GPU_COLUMNS));
  return undefined;
}

/**
 * The 0/1 mask of a [node-side × columns] weight matrix (rows: hidden units or node features), or
 * undefined where none applies. With `linkGlobal`, the link head's bandwidth term (term 1) reads
 * nothing of the node: its columns of `link/o` and `link/xo` are zero.
 */
export function nodeMask(name: string, rows: number, columns: number, linkGlobal: boolean): Float32Array | undefined {
  if (!linkGlobal || (name !== 'link/o' && name !== 'link/xo')) return undefined;
  const m = new Float32Array(rows * columns).fill(1);
  for (let r = 0; r < rows; r++) m[r * columns + 1] = 0;
  return m;
}
