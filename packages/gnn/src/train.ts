// Training from scratch: a zoo dataset labelled by the exact planner, Adam over shuffled batches,
// everything seeded, so the same seed on the same backend gives a byte-identical weights file.

import * as tf from '@tensorflow/tfjs';
import type { Family, ZooVersion } from '@splitc/zoo';
import { Rng } from '@splitc/zoo';
import { initBackend, type BackendName } from './backend.js';
import { buildDataset, type Sample } from './dataset.js';
import { configProblem, DEFAULT_CONFIG, isStatistic, TRAIN_DEFAULTS, type ModelConfig } from './config.js';
import { featureChoice, NODE_FEATURES, nodeFeatureCount, TARGET_FEATURES, type FeatureChoice } from './features.js';
import { FlatAdam } from './flat-adam.js';
import { disposeBatch, initParams, loss, makeBatch, RANK_WEIGHT, type Batch, type BatchOptions } from './model.js';
import { saveWeights, trainingRecord } from './weights.js';
import { isTrainingDistribution, trainingDistributionError, type TrainingDistribution } from './target-sampling.js';

export interface TrainProgress {
  readonly phase: 'dataset' | 'train';
  readonly done: number;
  readonly total: number;
  /** Mean training loss of the last finished epoch. */
  readonly loss?: number;
}

/** One member's training (`trainEnsemble` trains several, each with its own seed). */
export interface TrainOptions {
  /** Seed of this member's zoo, targets, initial weights and shuffles (default: the first of TRAIN_DEFAULTS.seeds). */
  readonly seed?: number;
  /** Zoo models in the dataset (default TRAIN_DEFAULTS.models). */
  readonly models?: number;
  /** Sampled targets per model (default TRAIN_DEFAULTS.targetsPerModel). */
  readonly targetsPerModel?: number;
  /** Families to train on (default all; leave-one-family-out passes the other nine). */
  readonly families?: readonly Family[];
  /** The targets' distribution (default TRAIN_DEFAULTS.distribution, `train-bank`: `train` with the DPU's on-chip bank varied; `train-engines` also varies its engines). Recorded in model.json when not `train`. */
  readonly distribution?: TrainingDistribution;
  /** The zoo generator's version the dataset is drawn from (default TRAIN_DEFAULTS.zoo, 2). Recorded in model.json when not 1. */
  readonly zoo?: ZooVersion;
  /** Default TRAIN_DEFAULTS.epochs. */
  readonly epochs?: number;
  /**
   * Average the weights over the last fraction of the epochs (each epoch's end), and save the
   * average (stochastic weight averaging): late Adam steps wander around a minimum, their mean lies
   * nearer its middle. 0 or absent: the last weights. Recorded in model.json when set.
   */
  readonly average?: number;
  /**
   * Weight of the cut-choice cross-entropy against the regression (default 0.01, RANK_WEIGHT).
   * Recorded in model.json when it is not 0.01.
   */
  readonly rankWeight?: number;
  /**
   * Divide each graph's label weights by its node count, so that every graph weighs the same in
   * the regression (default TRAIN_DEFAULTS.graphBalance, true; false: a graph weighs in proportion
   * to its nodes). Recorded in model.json when on.
   */
  readonly graphBalance?: boolean;
  /** Graphs per batch (default 16). */
  readonly batchSize?: number;
  /** Adam learning rate (default 0.003, cosine-decayed to a tenth over the epochs). */
  readonly learningRate?: number;
  readonly config?: ModelConfig;
  readonly backend?: BackendName;
  /** Directory to write model.json + weights.bin into; nothing is written when absent. */
  readonly out?: string;
  /**
   * A prepared dataset (skips generation). model.json still records the options' `models`,
   * `targetsPerModel`, `distribution` and `zoo` (their defaults when absent): pass those that
   * describe the dataset.
   */
  readonly dataset?: readonly Sample[];
  readonly onProgress?: (p: TrainProgress) => void;
}

export interface TrainResult {
  readonly params: ReadonlyMap<string, tf.Variable>;
  readonly config: ModelConfig;
  readonly backend: string;
  readonly samples: number;
  /** Mean loss per epoch. */
  readonly losses: readonly number[];
  readonly datasetSeconds: number;
  readonly trainSeconds: number;
}

export { TRAIN_DEFAULTS };

/**
 * The std given to a feature that never varied in training (ModelConfig.ignoreConstant): so large
 * that the standardised feature is ~0 whatever its value, i.e. the model ignores it. Its weights
 * never received a gradient (the standardised value was always 0), so letting an unseen value
 * through would only apply their random initial values.
 */
export const IGNORED_STD = 1e9;

/**
 * Mean and standard deviation of every node feature (over all nodes of the dataset) and of every
 * target number (over samples), in float64 and a fixed order (deterministic); a constant feature
 * gets std 1.
 */
export function featureStatistics(data: readonly Sample[], constantStd = 1, choice: FeatureChoice = {}): Map<string, Float32Array> {
  // Statistics of the F features the model reads, from rows of every computed feature (S).
  const S = NODE_FEATURES.length;
  const F = nodeFeatureCount(choice);
  const T = TARGET_FEATURES.length;
  const stats = (rows: number, cols: number, at: (r: number, c: number) => number): [Float32Array, Float32Array] => {
    const mean = new Float64Array(cols);
    const sq = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += at(r, c);
    for (let c = 0; c < cols; c++) mean[c]! /= Math.max(rows, 1);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) sq[c]! += (at(r, c) - mean[c]!) ** 2;
    const std = Float32Array.from(sq, (v) => { const s = Math.sqrt(v / Math.max(rows, 1)); return s > 1e-3 ? s : constantStd; });
    return [Float32Array.from(mean), std];
  };
  const nodes: [GraphFeaturesRow, number][] = [];
  for (const s of data) for (let i = 0; i < s.features.nodes; i++) nodes.push([s.features.x, i * S]);
  const [xm, xs] = stats(nodes.length, F, (r, c) => nodes[r]![0][nodes[r]![1] + c]!);
  const [tm, ts] = stats(data.length, T, (r, c) => data[r]!.descriptor[c]!);
  return new Map([['norm/x-mean', xm], ['norm/x-std', xs], ['norm/t-mean', tm], ['norm/t-std', ts]]);
}

type GraphFeaturesRow = Float32Array;

export async function trainGnn(options: TrainOptions = {}): Promise<TrainResult> {
  const cfg = options.config ?? DEFAULT_CONFIG;
  const problem = configProblem(cfg);
  if (problem !== undefined) throw new RangeError(`config: ${problem}`);
  const average = options.average ?? 0;
  if (!(average >= 0 && average <= 1)) throw new RangeError(`average must be a fraction in [0, 1], got ${average}`);
  const rankWeight = options.rankWeight ?? RANK_WEIGHT;
  if (!(rankWeight >= 0 && Number.isFinite(rankWeight))) throw new RangeError(`rankWeight must be a finite number ≥ 0, got ${rankWeight}`);
  if (options.distribution !== undefined && !isTrainingDistribution(options.distribution)) throw trainingDistributionError(options.distribution);
  const backend = await initBackend(options.backend ?? 'wasm');
  const seed = options.seed ?? TRAIN_DEFAULTS.seeds[0];
  const epochs = options.epochs ?? TRAIN_DEFAULTS.epochs;
  const batchSize = options.batchSize ?? TRAIN_DEFAULTS.batchSize;
  const lr = options.learningRate ?? TRAIN_DEFAULTS.learningRate;
  const t0 = performance.now();
  const data = options.dataset ?? buildDataset({
    seed, models: options.models ?? TRAIN_DEFAULTS.models, targetsPerModel: options.targetsPerModel ?? TRAIN_DEFAULTS.targetsPerModel,
    ...(options.families !== undefined ? { families: options.families } : {}),
    distribution: options.distribution ?? TRAIN_DEFAULTS.distribution,
    zoo: options.zoo ?? TRAIN_DEFAULTS.zoo,
    onProgress: (done, total) => options.onProgress?.({ phase: 'dataset', done, total }),
  });
  const t1 = performance.now();
  const params = initParams(cfg, seed);
  if (cfg.standardize === true) {
    const st = featureStatistics(data, cfg.ignoreConstant === true ? IGNORED_STD : 1, cfg);
    for (const [name, v] of st) params.get(name)!.assign(tf.tensor1d(v));
  }
  const vars = [...params].filter(([name]) => !isStatistic(name)).map(([, v]) => v);
  const batchOptions: BatchOptions = { graphBalance: options.graphBalance ?? TRAIN_DEFAULTS.graphBalance, objectiveStage: cfg.objectiveStage === true, stageNear: cfg.stageNear === true, ...featureChoice(cfg) };
  const r = new Rng(seed ^ 0x1b873593);
  const losses: number[] = [];
  const optimizer = new FlatAdam(lr, vars);
  // The epochs whose end weights are averaged: the last ceil(average · epochs).
  const averaged = Math.ceil(average * epochs);
  const sums = new Map(averaged > 0 ? vars.map((v) => [v, new Float64Array(v.size)]) : []);
  for (let epoch = 0; epoch < epochs; epoch++) {
    // Cosine decay to a tenth, in place (a new optimizer would lose Adam's moments and spike).
    optimizer.learningRate = lr * (0.1 + 0.45 * (1 + Math.cos((Math.PI * epoch) / Math.max(epochs, 1))));
    const order = r.shuffle(data.map((_, i) => i));
    let sum = 0;
    let batches = 0;
    for (let s = 0; s < order.length; s += batchSize) {
      const b: Batch = makeBatch(order.slice(s, s + batchSize).map((i) => data[i]!), batchOptions);
      const cost = optimizer.minimize(() => loss(params, cfg, b, rankWeight));
      sum += cost.dataSync()[0]!;
      cost.dispose();
      disposeBatch(b);
      batches++;
    }
    losses.push(sum / batches);
    if (epoch >= epochs - averaged) {
      for (const [v, acc] of sums) { const d = v.dataSync(); for (let i = 0; i < d.length; i++) acc[i]! += d[i]!; }
    }
    options.onProgress?.({ phase: 'train', done: epoch + 1, total: epochs, loss: sum / batches });
  }
  optimizer.dispose();
  for (const [v, acc] of sums) tf.tidy(() => v.assign(tf.tensor(Float32Array.from(acc, (x) => x / averaged), v.shape)));
  const t2 = performance.now();
  if (options.out !== undefined) {
    saveWeights(options.out, cfg, trainingRecord(options, [seed], epochs, data.length, backend), [new Map([...params].map(([k, v]) => [k, v.dataSync() as Float32Array]))]);
  }
  return { params, config: cfg, backend, samples: data.length, losses, datasetSeconds: (t1 - t0) / 1e3, trainSeconds: (t2 - t1) / 1e3 };
}
