// The analytical latency model. DPU (INT8): per layer, a roofline — compute at an achievable
// fraction of peak against memory traffic at an achievable fraction of bandwidth — plus a fixed
// cost per issued layer. GPU (FP16/FP32, batch 1): per kernel (gpu-kernels.ts decides which
// layers fuse into one), a floor by op class plus compute plus memory traffic; docs/calibration.md
// has the evidence. Stage and link costs are added by the planner.

import { elementCount, type Graph, type Layer } from '@splitc/ir';
import { opClass, type OpClass } from './op-class.js';
import { gpuRoles, type GpuKernelClass, type GpuRole } from './gpu-kernels.js';
import type { DpuDevice, Efficiency, GpuDevice, Link, Precision } from './schema.js';

export interface LayerEstimate {
  /** One frame alone. */
  readonly ms: number;
  /**
   * A full batch: on a DPU with several engines (batch handlers) every engine runs its own
   * frame, so compute is that of one frame, while the engines share memory bandwidth: activations
   * are moved once per frame and weights once per batch. Equals `ms` on the GPU (batch 1).
   */
  readonly batchMs: number;
  readonly computeMs: number;
  readonly memoryMs: number;
  readonly opClass: OpClass;
}

/** Calls `f` once for each distinct non-empty name of `names` (no Set for the usual short lists). */
function forEachDistinct(names: readonly string[], f: (name: string) => void): void {
  if (names.length > 8) {
    for (const name of new Set(names)) if (name !== '') f(name);
    return;
  }
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!;
    if (name !== '' && names.indexOf(name) === k) f(name);
  }
}

/** Elements of a layer's activations: its distinct activation/input inputs and its outputs (the graph's own number). */
export function activationElements(g: Graph, l: Layer): number {
  let n = 0;
  forEachDistinct(l.inputs, (name) => {
    const t = g.tensors.get(name)!;
    if (t.kind === 'activation' || t.kind === 'input') n += elementCount(t.shape!);
  });
  for (const o of l.outputs) if (o !== '') n += elementCount(g.tensors.get(o)!.shape!);
  return n;
}

function roofline(
  g: Graph, l: Layer, peakOpsPerS: number, eff: Efficiency, bwBytesPerS: number, bytesPerElement: number, perLayerMs: number, batch: number,
  onChipBytes: number,
): LayerEstimate {
  const cls = opClass(g, l);
  if (cls === 'free' || cls === 'fused') return { ms: 0, batchMs: 0, computeMs: 0, memoryMs: 0, opClass: cls };
  const macs = l.cost?.macs ?? 0;
  const computeEff = cls === 'memory' ? 1 : eff[cls];
  const computeMs = (2 * macs) / (peakOpsPerS * computeEff) * 1e3;
  const activationsAll = activationElements(g, l) * bytesPerElement;
  // Feature maps that fit in the engine's on-chip image banks never travel to DRAM.
  const activationBytes = activationsAll <= onChipBytes ? 0 : activationsAll;
  const weightBytes = (l.cost?.params ?? 0) * bytesPerElement;
  const memoryMs = (activationBytes + weightBytes) / bwBytesPerS * 1e3;
  const batchMemoryMs = (batch * activationBytes + weightBytes) / bwBytesPerS * 1e3;
  return { ms: Math.max(computeMs, memoryMs) + perLayerMs, batchMs: Math.max(computeMs, batchMemoryMs) + perLayerMs, computeMs, memoryMs, opClass: cls };
}

/** One frame of one layer on one DPU engine (a batch handler), INT8. */
export function dpuLayerEstimate(g: Graph, l: Layer, d: DpuDevice): LayerEstimate {
  return roofline(g, l, d.compute.opsPerCycle * d.compute.clockHz, d.efficiency, d.memory.bandwidthBytesPerS * d.memory.efficiency, 1, d.overheads.perLayerMs, d.compute.parallelFrames, d.onChip?.imageBankBytes ?? 0);
}

/** The terms of one GPU layer's estimate before the profile's rates are applied (for fitting). */
export interface GpuLayerTerms {
  readonly role: GpuRole;
  /** The kernel class whose floor and efficiency apply ('fused' and 'free' have none). */
  readonly opClass: GpuKernelClass | 'fused' | 'free';
  /** 2 × MACs / peak FLOP/s, ms: the compute time at 100% of peak. */
  readonly peakComputeMs: number;
  /** Bytes that reach memory (weights; activations larger than the cache) / bandwidth, ms, at 100% of bandwidth. */
  readonly peakMemoryMs: number;
  /** Activation bytes that stay in the cache / the memory bandwidth, ms (scaled by memory / cache bandwidth in the estimate). */
  readonly cachedMs: number;
}

/** Activation bytes read and written by a kernel: [those larger than the cache, those that fit]. */
export function gpuActivationBytes(g: Graph, l: Layer, bytesPerElement: number, cacheBytes: number): [number, number] {
  let big = 0;
  let small = 0;
  const add = (name: string): void => {
    const t = g.tensors.get(name)!;
    if (t.kind !== 'activation' && t.kind !== 'input') return;
    const b = elementCount(t.shape!) * bytesPerElement;
    if (b > cacheBytes) big += b; else small += b;
  };
  forEachDistinct(l.inputs, add);
  // An output is never also an input of the same layer (the graph is acyclic).
  forEachDistinct(l.outputs, add);
  return [big, small];
}

/** Tile of the output-channel dimension of the tensor-core GEMM that a convolution or a fully connected layer becomes. */
export const GPU_TILE_N = 128;

/**
 * The fraction of the tensor cores' work that is useful when the output channels (per group) are
 * padded to whole GEMM tiles: 64 channels fill half a 128-wide tile. Depthwise convolutions do not
 * run as GEMMs.
 */
export function gpuTileUse(g: Graph, l: Layer, cls: GpuKernelClass): number {
  if (cls === 'depthwise' || cls === 'memory') return 1;
  const out = g.tensors.get(l.outputs[0] ?? '')?.shape;
  if (out === undefined || out.length < 2) return 1;
  const groups = cls === 'grouped' ? (l.attrs.get('group')?.i ?? 1) : 1;
  const n = l.op === 'Conv' || l.op === 'ConvTranspose' ? out[1]! / groups : out[out.length - 1]!;
  return n <= 0 ? 1 : n / (Math.ceil(n / GPU_TILE_N) * GPU_TILE_N);
}

export function gpuLayerTerms(g: Graph, l: Layer, d: GpuDevice, precision: Precision): GpuLayerTerms {
  const role = gpuRoles(g)[l.index]!;
  const bytesPerElement = precision === 'fp16' ? 2 : 4;
  const weightBytes = (l.cost?.params ?? 0) * bytesPerElement;
  const bw = d.memory.bandwidthBytesPerS;
  if (role.kind === 'free') return { role, opClass: 'free', peakComputeMs: 0, peakMemoryMs: 0, cachedMs: 0 };
  if (role.kind === 'fused') return { role, opClass: 'fused', peakComputeMs: 0, peakMemoryMs: weightBytes / bw * 1e3, cachedMs: 0 };
  const [big, small] = gpuActivationBytes(g, l, bytesPerElement, d.kernels?.cacheBytes ?? 0);
  const peakComputeMs = role.cls === 'memory' ? 0 : (2 * (l.cost?.macs ?? 0)) / d.compute.peakFlops[precision] * 1e3 / gpuTileUse(g, l, role.cls);
  return { role, opClass: role.cls, peakComputeMs, peakMemoryMs: (weightBytes + big) / bw * 1e3, cachedMs: small / bw * 1e3 };
}

/**
 * One frame of one layer on the GPU at the given precision, batch 1: the layer that starts a
 * kernel pays its class's floor, its compute at the class's efficiency and its memory traffic
 * (weights and activations larger than the cache at the memory's bandwidth, smaller activations
 * at the cache's);
 * a layer fused into a kernel pays `fusedOpMs` (and its own parameters' traffic); a free layer
 * nothing. Floor, compute and memory add up: at batch 1 a kernel is too short to overlap them
 * much, and one term dominates each kernel anyway.
 */
export function gpuLayerEstimate(g: Graph, l: Layer, d: GpuDevice, precision: Precision): LayerEstimate {
  const t = gpuLayerTerms(g, l, d, precision);
  const cacheBw = d.kernels?.cacheBandwidthBytesPerS;
  const memoryMs = t.peakMemoryMs / d.memory.efficiency + (cacheBw === undefined ? 0 : t.cachedMs * d.memory.bandwidthBytesPerS / cacheBw);
  if (t.opClass === 'free') return { ms: 0, batchMs: 0, computeMs: 0, memoryMs: 0, opClass: 'free' };
  if (t.opClass === 'fused') {
    const ms = (t.role.kind === 'fused' && t.role.counted ? d.kernels?.fusedOpMs ?? 0 : 0) + memoryMs;
    return { ms, batchMs: ms, computeMs: 0, memoryMs, opClass: 'fused' };
  }
  const cls = t.opClass;
  const floors = d.kernels?.floorMs;
  const floor = floors === undefined ? d.overheads.perLayerMs : cls === 'narrow' ? floors.narrow ?? floors.conv : floors[cls];
  const effClass = cls === 'narrow' ? 'conv' : cls;
  const computeMs = effClass === 'memory' ? 0 : t.peakComputeMs / d.efficiency[precision][effClass];
  const ms = floor + computeMs + memoryMs;
  return { ms, batchMs: ms, computeMs, memoryMs, opClass: effClass };
}

/** Time to move `bytes` over the link, per transfer. Zero bytes cost nothing. */
export function linkMs(link: Link, bytes: number): number {
  return bytes === 0 ? 0 : link.latencyMs + bytes / link.bandwidthBytesPerS * 1e3;
}
