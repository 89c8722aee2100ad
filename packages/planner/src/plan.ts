// Planning: every valid cut with its stage times under both objectives, the exact best one, and
// the DPU-only / GPU-only baselines. The result is the versioned Plan (plan-schema.ts).

import { SplitcError } from '@splitc/diagnostics';
import { cutTensors, elementCount, isClosedCut, type Graph } from '@splitc/ir';
import { dataTypeName } from '@splitc/onnx';
import { linkMs, type ResolvedTarget } from '@splitc/targets';
import { layerCosts, type LayerCosts, type MeasuredProfiles } from './costs.js';
import { prefixCrossings } from './cuts.js';
import { prepareMinCut } from './min-cut.js';
import { PLAN_SCHEMA_VERSION, type Candidate, type Objective, type Plan } from './plan-schema.js';

export interface PlanOptions {
  readonly objective?: Objective;
  readonly measured?: MeasuredProfiles;
  /** Also search min cuts (non-prefix DPU sets). Default true. */
  readonly minCut?: boolean;
  /**
   * How the min-cut weight sweep is solved: 'bisect' (default) skips weightings whose mask the
   * sweep's linearity already determines; 'all' solves every one (the reference that tests
   * compare against: both give the same plan).
   */
  readonly sweep?: 'bisect' | 'all';
}

interface Evaluated extends Candidate {
  /** The DPU set of a min-cut candidate; null for a prefix (its index says it: a mask per prefix was quadratic). */
  readonly mask: readonly boolean[] | null;
}

/** Summed per-layer times of one side of a cut. */
interface StageSums {
  readonly dpu: number;
  readonly dpuBatch: number;
  readonly gpu: number;
  readonly dpuLayers: number;
  readonly gpuLayers: number;
}

/** Stage times of one cut. */
function evaluate(target: ResolvedTarget, sums: StageSums, bytes: number, crossingTensors: number, kind: 'prefix' | 'min-cut', index: number | null, mask: readonly boolean[] | null): Evaluated {
  const { dpu, dpuBatch, gpu, dpuLayers, gpuLayers } = sums;
  const dpuMs = dpuLayers > 0 ? dpu + target.dpu.overheads.perFrameMs : 0;
  const gpuMs = gpuLayers > 0 ? gpu + target.gpu.overheads.perFrameMs : 0;
  const link = linkMs(target.link, bytes);
  // The DPU runs `parallelFrames` frames at once (batch handlers), so in a stream it accepts a
  // frame every (batch time) / parallelFrames; the link and the GPU take one frame at a time.
  const dpuStreamMs = dpuLayers > 0 ? (dpuBatch + target.dpu.overheads.perFrameMs) / target.dpu.compute.parallelFrames : 0;
  const streamMs = Math.max(dpuStreamMs, link, gpuMs);
  return {
    kind, index, crossingTensors, crossingBytes: bytes,
    dpuLayers, gpuLayers, dpuMs, linkMs: link, gpuMs, streamMs, latencyMs: dpuMs + link + gpuMs, mask,
  };
}

function maskSums(costs: LayerCosts, mask: readonly boolean[]): StageSums {
  let dpu = 0;
  let dpuBatch = 0;
  let gpu = 0;
  let dpuLayers = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) { dpu += costs.dpuMs[i]!; dpuBatch += costs.dpuBatchMs[i]!; dpuLayers++; } else gpu += costs.gpuMs[i]!;
  }
  return { dpu, dpuBatch, gpu, dpuLayers, gpuLayers: mask.length - dpuLayers };
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

  // Prefix k: layers [0, k) on the DPU. Running sums make every prefix O(1).
  const gpuSuffix = new Array<number>(n + 1).fill(0);
  for (let i = n - 1; i >= 0; i--) gpuSuffix[i] = gpuSuffix[i + 1]! + costs.gpuMs[i]!;
  const candidates: Evaluated[] = [];
  let dpu = 0;
  let dpuBatch = 0;
  for (let k = 0; k <= maxPrefix; k++) {
    if (k > 0) { dpu += costs.dpuMs[k - 1]!; dpuBatch += costs.dpuBatchMs[k - 1]!; }
    const sums = { dpu, dpuBatch, gpu: gpuSuffix[k]!, dpuLayers: k, gpuLayers: n - k };
    candidates.push(evaluate(target, sums, crossings.bytes[k]!, crossings.counts[k]!, 'prefix', k, null));
  }

  if (options.minCut !== false && n > 0) {
    const seen = new Set<string>();
    const tensorBytes = new Map<string, number>();
    for (const [name, t] of g.tensors) {
      if (t.kind === 'activation' || t.kind === 'input') tensorBytes.set(name, elementCount(t.shape!));
    }
    const dpuAllowed = costs.support.map((s) => s.ok);
    // Weight sweep: latency is a = b = c = 1; the stream objective (a max) is explored by
    // trading the DPU's share (scaled by its parallel frames) against the GPU's and the link's.
    const weights: [number, number, number][] = [[1, 1, 1]];
    for (let i = 1; i < 20; i++) {
      const lam = i / 20;
      weights.push([lam / target.dpu.compute.parallelFrames, 1 - lam, 1 - lam], [lam / target.dpu.compute.parallelFrames, 1 - lam, 1]);
    }
    const problem = prepareMinCut(g, tensorBytes);
    const masks = (options.sweep === 'all' ? solveAll : sweepMasks)(weights, (k) => {
      const [a, b, c] = weights[k]!;
      return problem.solve({ dpuMs: costs.dpuMs, gpuMs: costs.gpuMs, dpuAllowed, linkMsPerByte: 1e3 / target.link.bandwidthBytesPerS, a, b, c });
    });
    for (const mask of masks) {
      if (isPrefix(mask)) continue; // already a prefix candidate (or not allowed, like any prefix past maxPrefix)
      const key = maskKey(mask);
      if (seen.has(key)) continue;
      seen.add(key);
      if (!isClosedCut(g, mask) || mask.some((m, i) => m && !dpuAllowed[i])) continue; // cannot happen; guard the contract
      const crossing = cutTensors(g, mask);
      candidates.push(evaluate(target, maskSums(costs, mask), crossing.reduce((s, t) => s + t.bytes, 0), crossing.length, 'min-cut', null, mask));
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
  const bestMask = best.mask ?? Array.from({ length: n }, (_, i) => i < best.index!);
  const speedup = (base: Candidate | null): number | null => (base === null ? null : objectiveOf(base, objective) / objectiveOf(best, objective));
  const model = g.source.model;
  const layerNames = g.layers.map((l) => l.name);
  const bestCrossing = cutTensors(g, bestMask);
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    model: {
      path: g.source.file,
      // Read on first use: a compile makes its partitions while the source is still being hashed.
      get sha256() { return g.source.sha256(); },
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
      dpuLayers: layerNames.filter((_, i) => bestMask[i]),
      gpuLayers: layerNames.filter((_, i) => !bestMask[i]),
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
    accuracy: { gpu: target.gpu.provenance ?? null, dpu: target.dpu.provenance ?? null },
    notes,
  };
}

/** True when the mask is [true × k, false × (n − k)] for some k. */
/**
 * The min-cut mask of every weighting of the sweep, solving as few of them as possible. Weights
 * 0 is the latency point; then two families interleave (odd and even indices), each affine in its
 * λ = i/20. The weighted cost of a fixed cut is linear in λ, so the optimum (the lower envelope of
 * those lines) is concave: a cut that is optimal at λ1 and λ2 is optimal everywhere between, and
 * every cut optimal at an inner λ is optimal at λ1 too, so the solver's minimal optimal set (the
 * intersection of the optimal sets) is the same there. Equal masks at both ends of an interval
 * therefore fill it without solving; otherwise bisect. Same masks as solving all 39, in order.
 */
function sweepMasks(weights: readonly (readonly number[])[], solve: (k: number) => boolean[]): boolean[][] {
  const masks: (boolean[] | undefined)[] = new Array(weights.length);
  const at = (k: number): boolean[] => (masks[k] ??= solve(k));
  masks[0] = solve(0);
  for (const first of [1, 2]) {
    const family: number[] = [];
    for (let k = first; k < weights.length; k += 2) family.push(k);
    if (family.length === 0) continue;
    // An explicit stack of intervals [lo, hi] over the family's positions (no recursion).
    const stack: [number, number][] = [[0, family.length - 1]];
    while (stack.length > 0) {
      const [lo, hi] = stack.pop()!;
      const a = at(family[lo]!);
      const b = at(family[hi]!);
      if (hi - lo <= 1) continue;
      if (sameMask(a, b)) {
        for (let k = lo + 1; k < hi; k++) masks[family[k]!] = a;
        continue;
      }
      const mid = (lo + hi) >> 1;
      stack.push([mid, hi], [lo, mid]);
    }
  }
  return masks.map((m, k) => m ?? at(k));
}

function solveAll(weights: readonly (readonly number[])[], solve: (k: number) => boolean[]): boolean[][] {
  return weights.map((_, k) => solve(k));
}

function sameMask(a: readonly boolean[], b: readonly boolean[]): boolean {
  if (a === b) return true;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isPrefix(mask: readonly boolean[]): boolean {
  let k = 0;
  while (k < mask.length && mask[k]) k++;
  for (let i = k; i < mask.length; i++) if (mask[i]) return false;
  return true;
}

function maskKey(mask: readonly boolean[]): string {
  return mask.map((m) => (m ? '1' : '0')).join('');
}

/** Validate that a forced split index is a valid cut of this plan. */
export function candidateAt(plan: Plan, index: number): Candidate {
  const c = plan.candidates.find((x) => x.kind === 'prefix' && x.index === index);
  if (c === undefined) {
    const max = Math.max(...plan.candidates.filter((x) => x.kind === 'prefix').map((x) => x.index ?? 0));
    throw new SplitcError('BadSplit', `split ${index} is not a valid cut: valid indices are 0..${max}${plan.unsupported[0] !== undefined ? ` (layer ${plan.unsupported[0].index} ${plan.unsupported[0].name} cannot run on the DPU: ${plan.unsupported[0].rule})` : ''}`, { field: 'split' });
  }
  return c;
}
