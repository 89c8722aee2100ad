// The model's shape and constants, without TensorFlow.js: the weights loader and the plain-JS
// inference (infer.ts) need them, and neither loads tfjs. model.ts (training) uses the same ones.

import { nodeFeatureCount, TARGET_FEATURES } from './features.js';

export interface ModelConfig {
  readonly hidden: number;
  /** Width of the messages sent along edges (each direction); narrower than `hidden` because gather/scatter dominate the cost. */
  readonly message: number;
  /** Message-passing rounds. */
  readonly layers: number;
  /**
   * Width of the node × target interaction of the time and link heads, (x·A) ⊙ (t·B): a layer's
   * time depends on products of its numbers and the device's (its op class and that class's
   * efficiency). 0 or absent: none (weights of format 1).
   */
  readonly interaction?: number;
  /**
   * Each layer's time on each device, and each cut's link time, as a sum of this many positive
   * terms exp(a_k), each a_k linear in the node's and the target's numbers plus a correction from
   * the message-passing embedding (roofline-like: compute, memory traffic, a fixed cost). 0 or
   * absent: one log time straight from the hidden layer (weights of format 1).
   */
  readonly components?: number;
  /**
   * The node features and the target descriptor are standardised (x − mean) / std with the
   * training set's statistics, stored with the weights (norm/*; not trained). Absent: raw.
   */
  readonly standardize?: boolean;
  /**
   * The target's log rates enter the time, link and overhead heads with fixed coefficients ±1
   * (structure.ts): a layer's compute term scales with 1 / (peak × its class's efficiency), its
   * memory term with 1 / bandwidth, and so on, so a device twice as fast shifts those log times by
   * exactly log 2 even far outside the training range. Needs components ≥ 3 and standardize (the
   * offsets are taken relative to the training set's mean target). Absent: no fixed part.
   */
  readonly structured?: boolean;
  /**
   * A feature that is constant over the training set is standardised with a huge std (train.ts's
   * IGNORED_STD), so the model ignores it instead of applying its never-trained initial weights to
   * an unseen value (e.g. another DPU's parallel frames or on-chip bank). Absent: std 1.
   */
  readonly ignoreConstant?: boolean;
  /**
   * Each part reads only the target numbers it physically depends on (structure.ts's targetMask):
   * the message-passing embedding none, a layer's DPU times the DPU's, its GPU time the GPU's, a
   * cut's link time the link's. Absent: every part reads the whole descriptor.
   */
  readonly targetMasks?: boolean;
  /**
   * A layer's compute and memory terms (the first two of its K) overlap instead of adding: they
   * combine as a p-norm (c^p + m^p)^(1/p) with one learned exponent per time column (`time/p`
   * holds ln p, starting at 0: p = 1 is the plain sum; p → ∞ is a roofline's max). The labels
   * decide how far each device overlaps the two; the remaining terms add. Needs components ≥ 2.
   * Absent: every term adds.
   */
  readonly overlap?: boolean;
  /**
   * The link time's bandwidth term gets the cut's own crossing bytes as a fixed offset,
   * +ln(bytes / LINK_BYTES_REFERENCE) (structure.ts), as its rate gets −ln(bandwidth): the time to
   * move bytes is their number over the rate, however many more bytes than in training a cut of
   * an unseen architecture crosses. The network learns the rest (bytes per element, latency). Needs
   * structured. Absent: the network learns the bytes from the features.
   */
  readonly linkBytes?: boolean;
  /**
   * The link's bandwidth term depends on the target only: its node-dependent weights (the link
   * head's hidden and node-feature columns of that term, structure.ts's nodeMask) are masked to
   * zero, so with `linkBytes` it is (crossing bytes / bandwidth) times a learned function of the
   * link and the precision, whatever the graph. Made for leave-one-family-out's worst sample, where
   * the learned node-dependent part under-predicted an unseen family's link time 19×. Needs
   * linkBytes. Absent: every link term reads the node.
   */
  readonly linkGlobal?: boolean;
  /**
   * The DPU stage column (output column 1, and its label) is the DPU stage the objective uses: a
   * stream's DPU stage is the DPU's batch time over its parallel frames, a latency's one frame. A
   * stream's DPU stage otherwise gets no stage label: the objective column reaches it only where
   * it is the largest stage, and column 1 regresses the one-frame stage, which a stream does not
   * use (ninth pass). Absent: column 1 is the one-frame DPU stage for every objective.
   */
  readonly objectiveStage?: boolean;
  /**
   * The stage columns (DPU, GPU, link) weigh the cuts near the optimum more, as the objective
   * column does (its factor 1 + 9·exp(−regret / 0.02)): the choice of a stream is made where two
   * stages cross, so the stage that does not bind at the optimum must be right there too (ninth
   * pass; a training setting, recorded in the config because the loss reads it from there).
   * Absent: every valid cut weighs alike in the stage columns.
   */
  readonly stageNear?: boolean;
  /**
   * The model also reads the three on-chip bank features (features.ts's BANK_NODE_FEATURES: a
   * layer's log activation bytes, whether they fit the DPU's image bank, log2 of their ratio to
   * it; tenth pass). Absent: the 52 node features of schema 2.
   */
  readonly bankFeatures?: boolean;
  /**
   * The model also reads the GPU's kernel-structure features (features.ts's GPU_NODE_FEATURES:
   * a layer's GPU kernel role, narrow and memory kernels, GEMM tile use, activation bytes above
   * and within the GPU's cache; twelfth pass). They follow the bank's, so they need bankFeatures.
   */
  readonly gpuFeatures?: boolean;
  /**
   * The model also reads the DPU classes (features.ts's DPU_CLASS_NODE_FEATURES: fused into the
   * producer, a free view, a memory-bound pass; twelfth pass). They follow the GPU's, so they
   * need gpuFeatures.
   */
  readonly dpuClassFeatures?: boolean;
}

/** Why a model of this config cannot be built (a part needs another), or undefined when it can. */
export function configProblem(cfg: ModelConfig): string | undefined {
  const K = cfg.components ?? 0;
  if (cfg.structured === true && (K < 3 || cfg.standardize !== true)) return 'a structured model needs components ≥ 3 and standardize';
  if (cfg.overlap === true && K < 2) return 'an overlap model needs components ≥ 2';
  if (cfg.linkBytes === true && cfg.structured !== true) return 'a linkBytes model needs structured';
  if (cfg.linkGlobal === true && cfg.linkBytes !== true) return 'a linkGlobal model needs linkBytes';
  if (cfg.gpuFeatures === true && cfg.bankFeatures !== true) return 'a gpuFeatures model needs bankFeatures';
  if (cfg.dpuClassFeatures === true && cfg.gpuFeatures !== true) return 'a dpuClassFeatures model needs gpuFeatures';
  return undefined;
}

export const DEFAULT_CONFIG: ModelConfig = {
  hidden: 32, message: 16, layers: 2, interaction: 32, components: 3, standardize: true, structured: true, ignoreConstant: true, targetMasks: true, overlap: true, linkBytes: true, bankFeatures: true,
};

/**
 * The shipped weights' training: an ensemble of one member per seed (each member trains alone
 * on its own seed's zoo, targets, initial weights and shuffles; sixth pass), then the sizes every
 * member shares, the zoo generator's version the datasets are drawn from and graph-balanced label
 * weights (each graph's divided by its node count; both since the eighth pass), and the target
 * distribution the samples are drawn from (`train-bank`: the DPU's on-chip bank varied; eleventh
 * pass, docs/gnn.md).
 */
export const TRAIN_DEFAULTS = { seeds: [2, 4], models: 600, targetsPerModel: 3, epochs: 80, batchSize: 16, learningRate: 0.003, zoo: 2, graphBalance: true, distribution: 'train-bank' } as const;

/** Parameter names and shapes, in the fixed order they are stored. */
export function paramShapes(cfg: ModelConfig): [string, number[]][] {
  const F = nodeFeatureCount(cfg);
  const T = TARGET_FEATURES.length;
  const H = cfg.hidden;
  const M = cfg.message;
  const I = cfg.interaction ?? 0;
  const K = cfg.components ?? 0;
  const shapes: [string, number[]][] = [];
  if (cfg.standardize === true) shapes.push(['norm/x-mean', [F]], ['norm/x-std', [F]], ['norm/t-mean', [T]], ['norm/t-std', [T]]);
  shapes.push(['in/w', [F, H]], ['in/t', [T, H]], ['in/b', [H]]);
  for (let l = 0; l < cfg.layers; l++) {
    shapes.push(
      [`mp${l}/msg-fwd`, [H, M]], [`mp${l}/msg-bwd`, [H, M]],
      [`mp${l}/self`, [H, H]], [`mp${l}/fwd`, [M, H]], [`mp${l}/bwd`, [M, H]], [`mp${l}/global`, [H, H]], [`mp${l}/t`, [T, H]], [`mp${l}/b`, [H]],
    );
  }
  // Per-layer log times (DPU one frame, DPU stream share, GPU) from the embedding, the node's own
  // features and the target; per-cut log link time; per-stage log overheads from the target.
  shapes.push(['time/h', [H, H]], ['time/x', [F, H]], ['time/t', [T, H]], ['time/b', [H]]);
  if (I > 0) shapes.push(['time/ix', [F, I]], ['time/it', [T, I]], ['time/io', [I, H]]);
  if (K > 0) {
    shapes.push(['time/o', [H, 3 * K]], ['time/ob', [3 * K]], ['time/xo', [F, 3 * K]], ['time/to', [T, 3 * K]]);
    if (cfg.overlap === true) shapes.push(['time/p', [3]]);
  } else {
    shapes.push(['time/o', [H, 3]], ['time/ob', [3]]);
  }
  shapes.push(['link/x', [F, H]], ['link/t', [T, H]], ['link/b', [H]]);
  if (I > 0) shapes.push(['link/ix', [F, I]], ['link/it', [T, I]], ['link/io', [I, H]]);
  if (K > 0) shapes.push(['link/o', [H, K]], ['link/ob', [K]], ['link/xo', [F, K]], ['link/to', [T, K]]);
  else shapes.push(['link/o', [H, 1]], ['link/ob', [1]]);
  shapes.push(['ovh/t', [T, 3]], ['ovh/b', [3]]);
  return shapes;
}

/** Starting log-ms biases of the time heads, near typical values (a layer ~7 µs, a transfer or overhead ~0.1 ms). */
export const INITIAL_LOG_MS: Readonly<Record<string, number>> = { 'time/ob': -6 / 8, 'link/ob': -2 / 8, 'ovh/b': -3 / 8 };

/** Per-layer log times are log(ms + LAYER_EPS) (labels, and the output of a components head): layers that cost nothing (fused, views) sit at this floor. */
export const LAYER_EPS = 1e-4;

/** Names of the parameters that are statistics of the training set, not trained. */
export const isStatistic = (name: string): boolean => name.startsWith('norm/');

/** Log times (ms) are clipped to [LOG_MIN, LOG_MAX] before exp; the heads are regressed on their log labels directly, so the clip never starves them of gradient. */
export const LOG_MIN = -20;
export const LOG_MAX = 9;
/**
 * The heads' outputs are scaled up: log times span ~20 natural-log units while the features are
 * scaled to ~[0, 1], so unscaled heads would need weights in the tens (thousands of Adam steps).
 */
export const HEAD_GAIN = 8;
/** Added to the predicted objective before its log. */
export const COST_EPS = 1e-6;

/** The index of the objective flag in the target descriptor. */
export const STREAM_COLUMN = TARGET_FEATURES.indexOf('objective-stream');
