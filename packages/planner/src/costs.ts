// Per-layer times on each device for one target: the analytical estimate, overridden by
// measured profiles where a layer was measured; plus DPU support of every layer.

import type { Graph } from '@splitc/ir';
import { dpuLayerEstimate, dpuSupport, gpuLayerEstimate, type DpuSupport, type MeasuredProfile, type ResolvedTarget } from '@splitc/targets';

export interface LayerCosts {
  /** One frame on one DPU engine, ms. */
  readonly dpuMs: readonly number[];
  /** A full batch (one frame per DPU engine, in parallel), ms; measured layers use their measured time. */
  readonly dpuBatchMs: readonly number[];
  /** One frame on the GPU, ms. */
  readonly gpuMs: readonly number[];
  readonly support: readonly DpuSupport[];
  /** Whether each layer's time came from a measured profile. */
  readonly dpuMeasured: readonly boolean[];
  readonly gpuMeasured: readonly boolean[];
}

export interface MeasuredProfiles {
  readonly gpu?: MeasuredProfile;
  readonly dpu?: MeasuredProfile;
}

export function layerCosts(g: Graph, target: ResolvedTarget, measured: MeasuredProfiles = {}): LayerCosts {
  const dpuMs: number[] = [];
  const dpuBatchMs: number[] = [];
  const gpuMs: number[] = [];
  const dpuMeasured: boolean[] = [];
  const gpuMeasured: boolean[] = [];
  const support = g.layers.map((l) => dpuSupport(g, l, target.dpu.limits));
  for (const l of g.layers) {
    const md = measured.dpu?.layers.get(l.name);
    const mg = measured.gpu?.layers.get(l.name);
    const est = dpuLayerEstimate(g, l, target.dpu);
    dpuMs.push(md ?? est.ms);
    dpuBatchMs.push(md ?? est.batchMs);
    gpuMs.push(mg ?? gpuLayerEstimate(g, l, target.gpu, target.precision).ms);
    dpuMeasured.push(md !== undefined);
    gpuMeasured.push(mg !== undefined);
  }
  return { dpuMs, dpuBatchMs, gpuMs, support, dpuMeasured, gpuMeasured };
}
