// Planning: every valid cut with its stage times under both objectives, the exact best one, and
// the DPU-only / GPU-only baselines. The result is the versioned Plan (plan-schema.ts).

import { SplitcError } from '@splitc/diagnostics';
import { cutTensors, isClosedCut, type CutTensor, type Graph } from '@splitc/ir';
import { dataTypeName } from '@splitc/onnx';
import { linkMs, type ResolvedTarget } from '@splitc/targets';
import { layerCosts, type LayerCosts, type MeasuredProfiles } from './costs.js';
import { prefixCrossings } from './cuts.js';
import { minCutPartition } from './min-cut.js';
import { PLAN_SCHEMA_VERSION, type Candidate, type Objective, type Plan } from './plan-schema.js';

export interface PlanOptions {
  readonly objective?: Objective;
  readonly measured?: MeasuredProfiles;
  /** Also search min cuts (non-prefix DPU sets). Default true. */
  readonly minCut?: boolean;
}

interface Evaluated extends Candidate {
  readonly mask: readonly boolean[];
}

/** Stage times of one cut. */
function evaluate(target: ResolvedTarget, costs: LayerCosts, mask: readonly boolean[], crossing: readonly CutTensor[], kind: 'prefix' | 'min-cut', index: number | null): Evaluated {
  let dpu = 0;
  let dpuBatch = 0;
  let gpu = 0;
  let dpuLayers = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) { dpu += costs.dpuMs[i]!; dpuBatch += costs.dpuBatchMs[i]!; dpuLayers++; } else gpu += costs.gpuMs[i]!;
  }
  const gpuLayers = mask.length - dpuLayers;
  const dpuMs = dpuLayers > 0 ? dpu + target.dpu.overheads.perFrameMs : 0;
  const gpuMs = gpuLayers > 0 ? gpu + target.gpu.overheads.perFrameMs : 0;
  const bytes = crossing.reduce((s, t) => s + t.bytes, 0);
  const link = linkMs(target.link, bytes);
  // The DPU runs `parallelFrames` frames at once (batch handlers), so in a stream it accepts a
  // frame every (batch time) / parallelFrames; the link and the GPU take one frame at a time.
  const dpuStreamMs = dpuLayers > 0 ? (dpuBatch + target.dpu.overheads.perFrameMs) / target.dpu.compute.parallelFrames : 0;
  const streamMs = Math.max(dpuStreamMs, link, gpuMs);
  return {
    kind, index, cutTensors: crossing.map((t) => t.name), crossingBytes: bytes,
    dpuLayers, gpuLayers, dpuMs, linkMs: link, gpuMs, streamMs, latencyMs: dpuMs + link + gpuMs, mask,
  };
}

function objectiveOf(c: Candidate, o: Objective): number {
  return o === 'stream' ? c.streamMs : c.latencyMs;
}

/** Strict total order: objective, then the other objective, then fewer crossing bytes, then prefix before min-cut, then index. */
export function better(a: Candidate, b: Candidate, o: Objective): boolean {
  const keys = (c: Candidate): number[] => [objectiveOf(c, o), objectiveOf(c, o === 'stream' ? 'latency' : 'stream'), c.crossingBytes, c.kind === 'prefix' ? 0 : 1, c.index ?? Infinity];
  const ka = keys(a);
  const kb = keys(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i]! < kb[i]!) return true;
    if (ka[i]! > kb[i]!) return false;
  }
  return false;
}

export function planSplit(g: Graph, target: ResolvedTarget, options: PlanOptions = {}): Plan {
  const objective = options.objective ?? 'stream';
  const costs = layerCosts(g, target, options.measured);
  const n = g.layers.length;
  const firstUnsupported = costs.support.findIndex((s) => !s.ok);
  const maxPrefix = firstUnsupported === -1 ? n : firstUnsupported;
  const crossings = prefixCrossings(g);

  const candidates: Evaluated[] = [];
  for (let k = 0; k <= maxPrefix; k++) {
    const mask = Array.from({ length: n }, (_, i) => i < k);
    candidates.push(evaluate(target, costs, mask, crossings[k]!, 'prefix', k));
  }

  if (options.minCut !== false && n > 0) {
    const seen = new Set(candidates.map((c) => maskKey(c.mask)));
    const tensorBytes = new Map<string, number>();
    for (const [name, t] of g.tensors) {
      if (t.kind === 'activation' || t.kind === 'input') tensorBytes.set(name, t.shape!.reduce((a, b) => a * b, 1));
    }
    const dpuAllowed = costs.support.map((s) => s.ok);
    // Weight sweep: latency is a = b = c = 1; the stream objective (a max) is explored by
    // trading the DPU's share (scaled by its parallel frames) against the GPU's and the link's.
    const weights: [number, number, number][] = [[1, 1, 1]];
    for (let i = 1; i < 20; i++) {
      const lam = i / 20;
      weights.push([lam / target.dpu.compute.parallelFrames, 1 - lam, 1 - lam], [lam / target.dpu.compute.parallelFrames, 1 - lam, 1]);
    }
    for (const [a, b, c] of weights) {
      const mask = minCutPartition(g, { dpuMs: costs.dpuMs, gpuMs: costs.gpuMs, dpuAllowed, linkMsPerByte: 1e3 / target.link.bandwidthBytesPerS, a, b, c, tensorBytes });
      const key = maskKey(mask);
      if (seen.has(key)) continue;
      seen.add(key);
      if (!isClosedCut(g, mask) || mask.some((m, i) => m && !dpuAllowed[i])) continue; // cannot happen; guard the contract
      candidates.push(evaluate(target, costs, mask, cutTensors(g, mask), 'min-cut', null));
    }
  }

  let best = candidates[0]!;
  for (const c of candidates) if (better(c, best, objective)) best = c;
  const gpuOnly = candidates[0]!;
  const dpuOnly = maxPrefix === n ? candidates[n]! : null;

  const unsupported = g.layers.flatMap((l, i) => {
    const s = costs.support[i]!;
    return s.ok ? [] : [{ index: i, name: l.name, op: l.op, rule: s.rule }];
  });
  const notes: string[] = [];
  if (maxPrefix === 0) {
    const l = g.layers[0]!;
    notes.push(`the DPU cannot run the first layer ${l.name} (${l.op}): ${unsupported[0]!.rule}; only GPU-only is possible`);
  } else if (dpuOnly === null) {
    const u = unsupported[0]!;
    notes.push(`DPU-only is impossible: layer ${u.index} ${u.name} (${u.op}) cannot run on the DPU: ${u.rule}; the DPU side can hold at most the first ${maxPrefix} layers`);
  }
  if (best.kind === 'min-cut') notes.push('the best cut is not a prefix of the topological order (found by min-cut)');

  const strip = ({ mask: _m, ...c }: Evaluated): Candidate => c;
  const speedup = (base: Candidate | null): number | null => (base === null ? null : objectiveOf(base, objective) / objectiveOf(best, objective));
  const model = g.source.model;
  const layerNames = g.layers.map((l) => l.name);
  const bestCrossing = cutTensors(g, best.mask);
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    model: {
      path: g.source.file,
      sha256: g.source.sha256(),
      opset: g.opset,
      producer: `${model.producerName}${model.producerVersion !== '' ? ` ${model.producerVersion}` : ''}`,
      layers: n,
    },
    target: {
      dpu: target.dpu.name, gpu: target.gpu.name, link: target.link.name, precision: target.precision,
      vaiTarget: target.dpu.vaiTarget, dpuParallelFrames: target.dpu.compute.parallelFrames,
    },
    objective,
    split: {
      kind: best.kind,
      index: best.index,
      dpuLayers: layerNames.filter((_, i) => best.mask[i]),
      gpuLayers: layerNames.filter((_, i) => !best.mask[i]),
      cutTensors: bestCrossing.map((t) => ({ name: t.name, shape: [...t.shape], dtype: dataTypeName(g.tensors.get(t.name)!.dtype), bytes: t.bytes })),
    },
    best: strip(best),
    baselines: { dpuOnly: dpuOnly === null ? null : strip(dpuOnly), gpuOnly: strip(gpuOnly) },
    speedups: { overDpuOnly: speedup(dpuOnly), overGpuOnly: speedup(gpuOnly) },
    candidates: candidates.map(strip),
    layers: g.layers.map((l, i) => ({
      index: i, name: l.name, op: l.op, macs: l.cost?.macs ?? 0,
      dpuMs: costs.dpuMs[i]!, gpuMs: costs.gpuMs[i]!,
      dpuSupported: costs.support[i]!.ok, measured: costs.dpuMeasured[i]! || costs.gpuMeasured[i]!,
    })),
    unsupported,
    measured: {
      gpu: options.measured?.gpu === undefined ? null : { file: options.measured.gpu.source, matched: options.measured.gpu.layers.size, unmatched: options.measured.gpu.unmatched.length },
      dpu: options.measured?.dpu === undefined ? null : { file: options.measured.dpu.source, matched: options.measured.dpu.layers.size, unmatched: options.measured.dpu.unmatched.length },
    },
    notes,
  };
}

function maskKey(mask: readonly boolean[]): string {
  return mask.map((m) => (m ? '1' : '0')).join('');
}

/** Validate that a forced split index is a valid cut of this plan. */
export function candidateAt(plan: Plan, index: number): Candidate {
  const c = plan.candidates.find((x) => x.kind === 'prefix' && x.index === index);
  if (c === undefined) {
    const max = Math.max(...plan.candidates.filter((x) => x.kind === 'prefix').map((x) => x.index ?? 0));
    throw new SplitcError('BadSplit', `split ${index} is not a valid cut: valid indices are 0..${max}${plan.unsupported[0] !== undefined ? ` (layer ${plan.unsupported[0].index} ${plan.unsupported[0].name} cannot run on the DPU: ${plan.unsupported[0].rule})` : ''}`, { field: '--split' });
  }
  return c;
}
