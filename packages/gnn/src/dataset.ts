// Labelled samples: a graph, a sampled target, and the exact planner's verdict — the objective and
// the DPU, link and GPU stage times of every prefix cut, and the exact optimum (min-cut candidates
// included). The model regresses every cut's cost, so near-ties carry near-equal labels and are
// not punished (unlike a one-hot target on the argmin).

import { analyzeModel, type Graph } from '@splitc/ir';
import { loadModelFromBytes } from '@splitc/onnx';
import { layerCosts, planSplit, type Objective, type Plan } from '@splitc/planner';
import type { ResolvedTarget } from '@splitc/targets';
import { deriveSeed, FAMILIES, generateModel, Rng, type Family, type ZooVersion } from '@splitc/zoo';
import { TRAIN_DEFAULTS } from './config.js';
import { graphFeatures, targetDescriptor, type GraphFeatures } from './features.js';
import type { StageLabels } from './model.js';
import { sampleTarget, type SampledTarget, type TargetDistribution } from './target-sampling.js';


export interface Sample {
  readonly model: string;
  readonly family: string;
  readonly targetLabel: string;
  readonly features: GraphFeatures;
  readonly descriptor: Float32Array;
  /** The planner's stage times of every prefix cut (training labels). */
  readonly labels: StageLabels;
  /** Objective of prefix cut k (Infinity where invalid), k = 0..layers. */
  readonly costs: Float64Array;
  /** The exact planner's optimum (over prefix and min-cut candidates). */
  readonly exactBest: number;
  /** The exact planner's DPU set, per layer, for per-layer device agreement. */
  readonly exactMask: Uint8Array;
  /** The DPU's share of peak conv throughput (for the MAC-fraction baseline only; not a feature). */
  readonly dpuShare: number;
}

/** DPU / (DPU + GPU) peak conv throughput; the DPU's parallel frames count in a stream. */
export function dpuThroughputShare(t: ResolvedTarget, objective: Objective): number {
  const dpu = t.dpu.compute.opsPerCycle * t.dpu.compute.clockHz * t.dpu.efficiency.conv * (objective === 'stream' ? t.dpu.compute.parallelFrames : 1);
  const gpu = t.gpu.compute.peakFlops[t.precision] * t.gpu.efficiency[t.precision].conv;
  return dpu / (dpu + gpu);
}

export function objectiveOf(c: { streamMs: number; latencyMs: number }, o: Objective): number {
  return o === 'stream' ? c.streamMs : c.latencyMs;
}

/** The planner's verdict on one graph and target, as a sample. */
export function labelSample(g: Graph, model: string, family: string, target: ResolvedTarget, objective: Objective, targetLabel: string): Sample {
  const plan: Plan = planSplit(g, target, { objective });
  const features = graphFeatures(g, target);
  const n = g.layers.length;
  const costs = new Float64Array(n + 1).fill(Infinity);
  for (const c of plan.candidates) if (c.kind === 'prefix' && c.index !== null) costs[c.index] = objectiveOf(c, objective);
  // Each layer's times as the planner priced them (labels; the same numbers its plan is made of).
  const lc = layerCosts(g, target);
  const perLayer = (xs: readonly number[], scale = 1) => Float64Array.from({ length: n + 1 }, (_, i) => (i === 0 ? 0 : xs[i - 1]! * scale));
  const labels: StageLabels = {
    objective: new Float64Array(n + 1).fill(NaN), dpuMs: new Float64Array(n + 1).fill(NaN), dpuStreamMs: new Float64Array(n + 1).fill(NaN), gpuMs: new Float64Array(n + 1).fill(NaN), linkMs: new Float64Array(n + 1).fill(NaN),
    layerDpuMs: perLayer(lc.dpuMs), layerDpuStreamMs: perLayer(lc.dpuBatchMs, 1 / target.dpu.compute.parallelFrames), layerGpuMs: perLayer(lc.gpuMs),
  };
  // A stream's DPU stage of every prefix cut: the DPU's batch time over its parallel frames.
  const batchPrefix = new Float64Array(n + 1);
  for (let i = 1; i <= n; i++) batchPrefix[i] = batchPrefix[i - 1]! + lc.dpuBatchMs[i - 1]!;
  for (const c of plan.candidates) {
    if (c.kind !== 'prefix' || c.index === null) continue;
    labels.objective[c.index] = objectiveOf(c, objective);
    labels.dpuMs[c.index] = c.dpuMs;
    labels.dpuStreamMs[c.index] = c.dpuLayers > 0 ? (batchPrefix[c.index]! + target.dpu.overheads.perFrameMs) / target.dpu.compute.parallelFrames : 0;
    labels.gpuMs[c.index] = c.gpuMs;
    labels.linkMs[c.index] = c.linkMs;
  }
  const dpu = new Set(plan.split.dpuLayers);
  const exactMask = new Uint8Array(g.layers.map((l) => (dpu.has(l.name) ? 1 : 0)));
  return { model, family, targetLabel, features, descriptor: targetDescriptor(target, objective), labels, costs, exactBest: objectiveOf(plan.best, objective), exactMask, dpuShare: dpuThroughputShare(target, objective) };
}

export interface DatasetOptions {
  readonly seed: number;
  /** Zoo models to generate (families in turn). */
  readonly models: number;
  /** Sampled targets per model. */
  readonly targetsPerModel: number;
  readonly families?: readonly Family[];
  /** The targets' distribution (default `train`; the shipped weights' training draws TRAIN_DEFAULTS.distribution's, and says so). */
  readonly distribution?: TargetDistribution;
  /** The zoo generator's version (default TRAIN_DEFAULTS.zoo, what the shipped weights were trained on). */
  readonly zoo?: ZooVersion;
  readonly onProgress?: (done: number, total: number) => void;
}

/** One zoo model of a dataset, imported, with its sampled targets (what `buildDataset` labels). */
export interface DatasetModel {
  readonly graph: Graph;
  readonly model: string;
  readonly family: Family;
  readonly targets: readonly SampledTarget[];
}

/** The zoo models and sampled targets of a dataset, in order: the one definition of what a seed draws. */
export function* datasetModels(options: Omit<DatasetOptions, 'onProgress'>): Generator<DatasetModel> {
  const families = options.families ?? FAMILIES;
  const dist = options.distribution ?? 'train';
  for (let i = 0; i < options.models; i++) {
    const family = families[i % families.length]!;
    const m = generateModel(family, deriveSeed(options.seed, i), { version: options.zoo ?? TRAIN_DEFAULTS.zoo });
    const graph = analyzeModel(loadModelFromBytes(m.bytes, `${m.name}.onnx`));
    const r = new Rng(deriveSeed(options.seed ^ 0x5bd1e995, i));
    yield { graph, model: m.name, family, targets: Array.from({ length: options.targetsPerModel }, () => sampleTarget(r, dist)) };
  }
}

/** Zoo graphs × sampled targets, labelled by the exact planner. Deterministic in `seed`. */
export function buildDataset(options: DatasetOptions): Sample[] {
  const out: Sample[] = [];
  const total = options.models * options.targetsPerModel;
  for (const { graph, model, family, targets } of datasetModels(options)) {
    for (const t of targets) {
      out.push(labelSample(graph, model, family, t.target, t.objective, t.label));
      options.onProgress?.(out.length, total);
    }
  }
  return out;
}

/** Samples of one real graph (e.g. a torchvision export) over sampled targets. */
export function graphSamples(g: Graph, model: string, family: string, seed: number, targets: number, dist: TargetDistribution): Sample[] {
  const r = new Rng(seed);
  const out: Sample[] = [];
  for (let j = 0; j < targets; j++) {
    const t = sampleTarget(r, dist);
    out.push(labelSample(g, model, family, t.target, t.objective, t.label));
  }
  return out;
}
