// Sampled targets for the dataset: device profiles perturbed around the built-in ones, link presets
// and continuous links, fp16/fp32, stream/latency. `train` is the training distribution; `shifted`
// lies outside it (used only for evaluation): a different DPU (zcu102), perturbations beyond ±50%,
// and link bandwidths beyond the training range. `train-bank` is `train` with the DPU's on-chip
// bank varied (the shipped weights' training since the eleventh pass, TRAIN_DEFAULTS.distribution);
// `train-engines` also varies its parallel frames (a model-selection option).

import type { Objective } from '@splitc/planner';
import { builtinCatalog, type DpuDevice, type GpuDevice, type Link, type ResolvedTarget } from '@splitc/targets';
import { Rng } from '@splitc/zoo';

/**
 * The distributions training may draw from (`shifted` is for evaluation only); `train` first, what
 * a model.json without `training.distribution` means (TRAIN_DEFAULTS.distribution is the default).
 */
export const TRAINING_DISTRIBUTIONS = ['train', 'train-engines', 'train-bank'] as const;
export type TrainingDistribution = (typeof TRAINING_DISTRIBUTIONS)[number];
export type TargetDistribution = TrainingDistribution | 'shifted';

/** Whether a name (from options or a model.json) is a distribution training may draw from. */
export function isTrainingDistribution(d: unknown): d is TrainingDistribution {
  return (TRAINING_DISTRIBUTIONS as readonly unknown[]).includes(d);
}

/** The RangeError for a distribution name that training cannot draw from (training and evaluation raise it before any work). */
export function trainingDistributionError(d: unknown): RangeError {
  return new RangeError(`distribution must be one of ${TRAINING_DISTRIBUTIONS.join(', ')}, got ${JSON.stringify(d)}`);
}

export interface SampledTarget {
  readonly target: ResolvedTarget;
  readonly objective: Objective;
  /** A short human description (not a feature). */
  readonly label: string;
}

/** Training: link bandwidth in [1e8, 8e9] B/s; devices ×[0.5, 1.5] around vck190 / rtx2080. */
export const TRAIN_LINK_BANDWIDTH: readonly [number, number] = [1e8, 8e9];
export const TRAIN_PERTURBATION: readonly [number, number] = [0.5, 1.5];

const clampEff = (v: number): number => Math.min(1, Math.max(0.01, v));

function scaleEff<T extends Record<string, number>>(e: T, f: () => number): T {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(e)) out[k] = clampEff(v * f());
  return out as T;
}

function perturbDpu(d: DpuDevice, f: () => number): DpuDevice {
  return {
    ...d,
    compute: { ...d.compute, clockHz: d.compute.clockHz * f() },
    memory: { ...d.memory, bandwidthBytesPerS: d.memory.bandwidthBytesPerS * f() },
    efficiency: scaleEff(d.efficiency, f),
    overheads: { perLayerMs: d.overheads.perLayerMs * f(), perFrameMs: d.overheads.perFrameMs * f() },
  };
}

function perturbGpu(g: GpuDevice, f: () => number): GpuDevice {
  const s = f();
  return {
    ...g,
    compute: { ...g.compute, peakFlops: { fp16: g.compute.peakFlops.fp16 * s, fp32: g.compute.peakFlops.fp32 * s } },
    memory: { ...g.memory, bandwidthBytesPerS: g.memory.bandwidthBytesPerS * f() },
    efficiency: { fp16: scaleEff(g.efficiency.fp16, f), fp32: scaleEff(g.efficiency.fp32, f) },
    overheads: { perLayerMs: g.overheads.perLayerMs * f(), perFrameMs: g.overheads.perFrameMs * f() },
  };
}

/** One sampled target from a distribution; deterministic in the generator's state. */
export function sampleTarget(r: Rng, dist: TargetDistribution): SampledTarget {
  const cat = builtinCatalog();
  const dev = <T>(name: string): T => cat.devices.get(name) as T;
  const presets = [...cat.links.values()];
  let link: Link;
  let f: () => number;
  let dpuBase: DpuDevice;
  if (dist !== 'shifted') {
    f = () => r.uniform(TRAIN_PERTURBATION[0], TRAIN_PERTURBATION[1]);
    dpuBase = dev<DpuDevice>('vck190');
    link = r.chance(0.4)
      ? r.pick(presets)
      : { name: 'sampled', description: 'sampled link', bandwidthBytesPerS: r.logUniform(TRAIN_LINK_BANDWIDTH[0], TRAIN_LINK_BANDWIDTH[1]), latencyMs: r.uniform(0.01, 0.2) };
  } else {
    // Outside the training ranges on every axis: ×[0.3, 0.5) or (1.5, 2.5], another DPU half the time.
    f = () => (r.chance(0.5) ? r.uniform(0.3, 0.5) : r.uniform(1.5, 2.5));
    dpuBase = r.chance(0.5) ? dev<DpuDevice>('zcu102') : dev<DpuDevice>('vck190');
    const bw = r.chance(0.5) ? r.logUniform(3e7, TRAIN_LINK_BANDWIDTH[0]) : r.logUniform(TRAIN_LINK_BANDWIDTH[1], 2.5e10);
    link = { name: 'shifted', description: 'link outside the training range', bandwidthBytesPerS: bw, latencyMs: r.uniform(0.2, 0.5) };
  }
  let dpu = perturbDpu(dpuBase, f);
  const gpu = perturbGpu(dev<GpuDevice>('rtx2080'), f);
  const precision = r.chance(0.5) ? 'fp16' : 'fp32';
  const objective: Objective = r.chance(0.6) ? 'stream' : 'latency';
  if (dist === 'train-engines' || dist === 'train-bank') {
    // Drawn last, so the draws above are those of `train`. train-engines: the DPU's engine count
    // ×U(0.5, 1.5), rounded, then its on-chip bank; train-bank: the bank alone (the engine count
    // stays the base DPU's). The bank: none one time in four (as on the Zynq DPUs), else both
    // banks ×U(0.5, 1.5).
    const frames = dist === 'train-engines' ? Math.max(1, Math.round(dpu.compute.parallelFrames * f())) : dpu.compute.parallelFrames;
    const bank = dpu.onChip;
    const noBank = r.chance(0.25);
    const scale = f();
    const { onChip: _, ...rest } = dpu;
    dpu = { ...rest, compute: { ...dpu.compute, parallelFrames: frames }, ...(noBank || bank === undefined ? {} : { onChip: { ...bank, imageBankBytes: Math.round(bank.imageBankBytes * scale), weightBankBytes: Math.round(bank.weightBankBytes * scale) } }) };
  }
  const label = `${dpuBase.name}~ + rtx2080~ over ${(link.bandwidthBytesPerS / 1e9).toPrecision(3)} GB/s, ${precision}, ${objective}`;
  return { target: { dpu, gpu, link, precision }, objective, label };
}
