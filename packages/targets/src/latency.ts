// The analytical latency model: per layer and device, a roofline — compute at an achievable
// fraction of peak against memory traffic at an achievable fraction of bandwidth — plus a fixed
// cost per issued layer. INT8 on the DPU, FP16/FP32 on the GPU. Stage and link costs are added by
// the planner.

import { elementCount, type Graph, type Layer } from '@splitc/ir';
import { opClass, type OpClass } from './op-class.js';
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

function activationElements(g: Graph, l: Layer): number {
  let n = 0;
  for (const name of new Set(l.inputs)) {
    if (name === '') continue;
    const t = g.tensors.get(name)!;
    if (t.kind === 'activation' || t.kind === 'input') n += elementCount(t.shape!);
  }
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

/** One frame of one layer on the GPU at the given precision. */
export function gpuLayerEstimate(g: Graph, l: Layer, d: GpuDevice, precision: Precision): LayerEstimate {
  return roofline(g, l, d.compute.peakFlops[precision], d.efficiency[precision], d.memory.bandwidthBytesPerS * d.memory.efficiency, precision === 'fp16' ? 2 : 4, d.overheads.perLayerMs, 1, 0);
}

/** Time to move `bytes` over the link, per transfer. Zero bytes cost nothing. */
export function linkMs(link: Link, bytes: number): number {
  return bytes === 0 ? 0 : link.latencyMs + bytes / link.bandwidthBytesPerS * 1e3;
}
