// The API behind `splitc gnn dataset|train|eval`: the datasets written as JSON lines, and the
// evaluation protocol — unseen torchvision architectures (never in training), held-out zoo models,
// leave-one-family-out, and targets outside the training distribution.

import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeModel } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';
import { deriveSeed, FAMILIES, type Family, type ZooVersion } from '@splitc/zoo';
import type { BackendName } from './backend.js';
import { buildDataset, graphSamples, type Sample } from './dataset.js';
import { compareOn, formatEvalTables, gnnPicks, type EvalRow } from './evaluate.js';
import { TRAIN_DEFAULTS, type ModelConfig } from './config.js';
import { isTrainingDistribution, trainingDistributionError, type TargetDistribution, type TrainingDistribution } from './target-sampling.js';
import type { TrainOptions } from './train.js';
import { loadWeights, SHIPPED_WEIGHTS_DIR, trainingDistribution, trainingZoo, type ModelJson, type ParamArrays } from './weights.js';

export interface Progress {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
}

export interface DatasetCommandOptions {
  readonly seed?: number;
  readonly models?: number;
  readonly targetsPerModel?: number;
  readonly distribution?: TargetDistribution;
  /** The zoo generator's version (default TRAIN_DEFAULTS.zoo, the shipped weights'). */
  readonly zoo?: ZooVersion;
  /** JSON-lines file: one sample per line (model, family, target, every prefix cut's objective, the exact optimum). */
  readonly out?: string;
  readonly onProgress?: (p: Progress) => void;
}

export interface DatasetSummary {
  readonly samples: number;
  readonly models: number;
  readonly meanLayers: number;
  readonly families: Readonly<Record<string, number>>;
  /** Where the exact optimum lies: GPU-only, DPU-only (the largest valid prefix) or a split between. */
  readonly optimum: { readonly gpuOnly: number; readonly dpuOnly: number; readonly split: number };
}

/** `gnn dataset`: generate and label (deterministic in the seed); optionally write JSON lines. */
export function gnnDataset(options: DatasetCommandOptions = {}): DatasetSummary {
  const data = buildDataset({
    seed: options.seed ?? 1, models: options.models ?? 100, targetsPerModel: options.targetsPerModel ?? 4, distribution: options.distribution ?? 'train', zoo: options.zoo ?? TRAIN_DEFAULTS.zoo,
    onProgress: (done, total) => options.onProgress?.({ phase: 'label', done, total }),
  });
  if (options.out !== undefined) {
    const lines = data.map((s) => JSON.stringify({
      model: s.model, family: s.family, target: s.targetLabel, descriptor: [...s.descriptor].map((v) => +v.toPrecision(6)),
      layers: s.exactMask.length, validCuts: s.features.maxPrefix + 1, exactBest: s.exactBest,
      costs: [...s.costs].slice(0, s.features.maxPrefix + 1),
    }));
    writeFileSync(options.out, `${lines.join('\n')}\n`);
  }
  return summarize(data);
}

function bestPrefix(s: Sample): number {
  let b = 0;
  for (let k = 1; k < s.costs.length; k++) if (s.costs[k]! < s.costs[b]!) b = k;
  return b;
}

function summarize(data: readonly Sample[]): DatasetSummary {
  const families: Record<string, number> = {};
  const optimum = { gpuOnly: 0, dpuOnly: 0, split: 0 };
  for (const s of data) {
    families[s.family] = (families[s.family] ?? 0) + 1;
    const k = bestPrefix(s);
    if (k === 0) optimum.gpuOnly++; else if (k === s.features.maxPrefix) optimum.dpuOnly++; else optimum.split++;
  }
  return {
    samples: data.length, models: new Set(data.map((s) => s.model)).size,
    meanLayers: data.reduce((a, s) => a + s.exactMask.length, 0) / Math.max(data.length, 1), families, optimum,
  };
}

export interface EvalOptions {
  /** Weights to evaluate (default: the shipped ones). */
  readonly weightsDir?: string;
  /** The torchvision exports (default: fixtures/models of this repository). Files named *-weights.onnx are skipped (same architectures). */
  readonly fixturesDir?: string;
  /** Sampled targets per torchvision model (default 8). */
  readonly targetsPerModel?: number;
  /** Zoo models per family held out by seed (default 6). */
  readonly heldOutPerFamily?: number;
  /** The zoo generator's version of the held-out zoo sets and the leave-one-family-out folds (default: the one the weights were trained on). */
  readonly zoo?: ZooVersion;
  /**
   * The targets of the first torchvision and held-out zoo sets (default: the distribution the
   * weights were trained on, model.json's), e.g. `train` to compare weights trained on
   * `train-bank` with weights trained on `train` on the same targets. The second sets are always
   * the shifted ones.
   */
  readonly distribution?: TrainingDistribution;
  /** Leave-one-family-out: retrain without each family in turn (slow; default off). */
  readonly leaveOneFamilyOut?: boolean;
  /** Training settings of each leave-one-family-out fold (default: a fifth of the shipped model's data, 12 epochs). */
  readonly foldTraining?: FoldTraining;
  readonly seed?: number;
  readonly backend?: BackendName;
  readonly onProgress?: (p: Progress) => void;
}

/** How each leave-one-family-out fold trains; with `seeds`, each fold is an ensemble of one training per seed. */
export type FoldTraining = Omit<TrainOptions, 'families' | 'out' | 'onProgress' | 'dataset'> & {
  /** Each fold is an ensemble of one training per seed (default: `seed` alone if given, else TRAIN_DEFAULTS.seeds, as the shipped weights). */
  readonly seeds?: readonly number[];
};

export interface EvalReport {
  readonly rows: readonly EvalRow[];
  /** Markdown tables (what `gnn eval` prints). */
  readonly tables: string;
  readonly weightsSha256: string;
}

/** The evaluation seed stream is disjoint from training's (TRAIN_DEFAULTS.seeds and the small seeds tried in selection). */
const EVAL_SEED = 20261128;

/**
 * The seed of the validation sets model selection uses (scripts/gnn-eval.mjs --validation and
 * --lofo-validation, scripts/gnn-diagnose.mjs): disjoint from training's and from EVAL_SEED's.
 */
export const VALIDATION_SEED = 9001;

function fixtureModels(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.onnx') && !f.includes('-weights')).sort().map((f) => path.join(dir, f));
}

function groupRows(set: string, samples: readonly Sample[], picks: readonly number[], key: (s: Sample) => string): EvalRow[] {
  const rows: EvalRow[] = [];
  const groups = [...new Set(samples.map(key))].sort();
  for (const gname of groups) {
    const idx = samples.map((s, i) => (key(s) === gname ? i : -1)).filter((i) => i >= 0);
    rows.push(...compareOn(set, gname, idx.map((i) => samples[i]!), idx.map((i) => picks[i]!)));
  }
  rows.push(...compareOn(set, 'all', samples, picks));
  return rows;
}

/** `gnn eval`: the tables of docs/gnn.md. */
export async function evaluateGnn(options: EvalOptions = {}): Promise<EvalReport> {
  const loaded = loadWeights(options.weightsDir ?? SHIPPED_WEIGHTS_DIR);
  const cfg: ModelConfig = loaded.meta.config;
  // "The training distribution" is the one these weights were trained on (unless asked for another).
  const trained = trainingDistribution(loaded.meta);
  const first = options.distribution ?? trained;
  if (!isTrainingDistribution(first)) throw trainingDistributionError(first);
  const firstName = first === trained ? 'targets from the training distribution' : `${first} targets (trained on ${trained})`;
  const seed = options.seed ?? EVAL_SEED;
  const fixturesDir = options.fixturesDir ?? path.resolve(SHIPPED_WEIGHTS_DIR, '../../../fixtures/models');
  const files = fixtureModels(fixturesDir);
  const perModel = options.targetsPerModel ?? 8;
  const rows: EvalRow[] = [];
  const report = (phase: string, done: number, total: number) => options.onProgress?.({ phase, done, total });

  for (const dist of [first, 'shifted'] as const) {
    const samples: Sample[] = [];
    files.forEach((f, i) => {
      const g = analyzeModel(loadModel(f));
      const name = path.basename(f, '.onnx');
      samples.push(...graphSamples(g, name, 'torchvision', deriveSeed(seed + (dist === 'shifted' ? 1 : 0), i), perModel, dist));
      report(`torchvision (${dist} targets)`, i + 1, files.length);
    });
    const set = `Unseen torchvision architectures, ${dist !== 'shifted' ? firstName : 'targets outside the training distribution'}`;
    rows.push(...groupRows(set, samples, gnnPicks(loaded.members, cfg, samples), (s) => s.model));
  }

  const perFamily = options.heldOutPerFamily ?? 6;
  const trainedZoo = trainingZoo(loaded.meta);
  const zoo = options.zoo ?? trainedZoo;
  for (const dist of [first, 'shifted'] as const) {
    const held = buildDataset({ seed: seed + 7 + (dist === 'shifted' ? 1 : 0), models: perFamily * FAMILIES.length, targetsPerModel: 2, distribution: dist, zoo, onProgress: (d, t) => report(`zoo held-out (${dist})`, d, t) });
    const set = `Held-out zoo models (seen families${zoo === trainedZoo ? '' : `, zoo version ${zoo}`}), ${dist !== 'shifted' ? (first === trained ? 'training-distribution targets' : firstName) : 'targets outside the training distribution'}`;
    rows.push(...groupRows(set, held, gnnPicks(loaded.members, cfg, held), (s) => s.family));
  }

  if (options.leaveOneFamilyOut === true) rows.push(...await leaveOneFamilyOut({ ...options, foldTraining: { ...foldTrainingOf(loaded.meta), zoo, ...options.foldTraining } }));
  return { rows, tables: formatEvalTables(rows), weightsSha256: loaded.meta.weightsSha256 };
}

/**
 * How leave-one-family-out folds train to stand for weights trained as `meta` records: the same
 * target distribution, zoo version and loss settings (graph balance, choice-loss weight). The
 * sizes and seeds are the folds' own.
 */
export function foldTrainingOf(meta: ModelJson): FoldTraining {
  const t = meta.training;
  return {
    distribution: trainingDistribution(meta), zoo: trainingZoo(meta), graphBalance: t?.graphBalance === true,
    ...(typeof t?.rankWeight === 'number' ? { rankWeight: t.rankWeight } : {}),
  };
}

/** Leave-one-family-out: for each family, train from scratch without it, test on held-out models of it. */
export async function leaveOneFamilyOut(options: Pick<EvalOptions, 'foldTraining' | 'heldOutPerFamily' | 'seed' | 'backend' | 'onProgress'> = {}): Promise<EvalRow[]> {
  // Training needs TensorFlow.js: loaded only here.
  const { initBackend } = await import('./backend.js');
  const { trainGnn } = await import('./train.js');
  await initBackend(options.backend ?? 'wasm');
  const seed = options.seed ?? EVAL_SEED;
  const perFamily = options.heldOutPerFamily ?? 6;
  const lofo: Sample[] = [];
  const picks: number[] = [];
  const { seeds, ...training } = options.foldTraining ?? {};
  const foldSeeds = seeds ?? (training.seed !== undefined ? [training.seed] : TRAIN_DEFAULTS.seeds);
  for (const [fi, family] of FAMILIES.entries()) {
    const others = FAMILIES.filter((f) => f !== family) as Family[];
    const members: ParamArrays[] = [];
    let config: ModelConfig | undefined;
    for (const s of foldSeeds) {
      const fold = await trainGnn({ models: 100, targetsPerModel: 3, epochs: 12, ...training, seed: s, families: others, backend: options.backend ?? 'wasm' });
      members.push(new Map([...fold.params].map(([k, v]) => [k, v.dataSync() as Float32Array])));
      config = fold.config;
      for (const v of fold.params.values()) v.dispose();
    }
    // Tested on targets of the distribution, and models of the zoo version, its folds were trained on.
    const test = buildDataset({ seed: seed + 100 + fi, models: perFamily, targetsPerModel: 2, families: [family], distribution: training.distribution ?? TRAIN_DEFAULTS.distribution, zoo: training.zoo ?? TRAIN_DEFAULTS.zoo });
    lofo.push(...test);
    picks.push(...gnnPicks(members, config!, test));
    options.onProgress?.({ phase: 'leave-one-family-out', done: fi + 1, total: FAMILIES.length });
  }
  return groupRows('Leave-one-family-out (each family unseen by its fold)', lofo, picks, (s) => s.family);
}

/** The torchvision exports of the fixed set (the seven mission models and eleven other families). */
export const FIXED_SET: readonly string[] = [
  'alexnet', 'convnext_tiny', 'densenet121', 'efficientnet_b0', 'googlenet', 'inception_v3', 'lenet5', 'mobilenet_v3_small', 'mobilenetv2',
  'regnet_y_400mf', 'resnet101', 'resnet152', 'resnet18', 'resnet50', 'resnext50_32x4d', 'shufflenet_v2_x1_0', 'squeezenet1_0', 'vgg16',
];

/** The fixed set CI re-evaluates the shipped weights on: every torchvision fixture × 4 training-distribution targets. */
export async function fixedSetEvaluation(weightsDir: string = SHIPPED_WEIGHTS_DIR, fixturesDir?: string): Promise<{ readonly weightsSha256: string; readonly gnn: EvalRow['metrics']; readonly smallestCrossing: EvalRow['metrics']; readonly macFraction: EvalRow['metrics'] }> {
  const loaded = loadWeights(weightsDir);
  const dir = fixturesDir ?? path.resolve(SHIPPED_WEIGHTS_DIR, '../../../fixtures/models');
  const files = FIXED_SET.map((m) => path.join(dir, `${m}.onnx`));
  const samples: Sample[] = [];
  files.forEach((f, i) => samples.push(...graphSamples(analyzeModel(loadModel(f)), path.basename(f, '.onnx'), 'torchvision', deriveSeed(EVAL_SEED + 99, i), 4, trainingDistribution(loaded.meta))));
  const [gnn, smallest, mac] = compareOn('fixed', 'all', samples, gnnPicks(loaded.members, loaded.meta.config, samples));
  return { weightsSha256: loaded.meta.weightsSha256, gnn: gnn!.metrics, smallestCrossing: smallest!.metrics, macFraction: mac!.metrics };
}
