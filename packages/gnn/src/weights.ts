// The weights file: model.json (format, feature-schema version and hash, model config, training
// settings, tensor specs, sha256 of weights.bin) beside weights.bin. Missing, corrupt or mismatched
// files are typed errors. No TensorFlow.js here: inference reads the weights as Float32Arrays.
//
// Format 2 (sixth pass) holds an ensemble: one or more members trained alike from different seeds
// (`training.seeds`, in file order), each a full parameter set of the tensor specs, concatenated in
// weights.bin. Format 1 (one member, `training.seed`) is still read.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { elementCount, SplitcError } from '@splitc/diagnostics';
import { ZOO_VERSIONS, type ZooVersion } from '@splitc/zoo';
import { FEATURE_SCHEMA_VERSION, featureChoice, featureSchemaHash } from './features.js';
import { configProblem, paramShapes, TRAIN_DEFAULTS, type ModelConfig } from './config.js';
import { isTrainingDistribution, TRAINING_DISTRIBUTIONS, type TrainingDistribution } from './target-sampling.js';
import type { TrainOptions } from './train.js';

export const WEIGHTS_FORMAT = 'splitc-gnn';
export const WEIGHTS_FORMAT_VERSION = 2;
/** The formats this splitc reads. */
const READABLE_VERSIONS: readonly number[] = [1, 2];

/** The weights shipped inside the package. */
export const SHIPPED_WEIGHTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../weights');

export interface TrainingInfo {
  /** Format 2: one seed per member, in the order of weights.bin. */
  readonly seeds?: readonly number[];
  /** Format 1: the one member's seed. */
  readonly seed?: number;
  readonly epochs: number;
  readonly samples: number;
  readonly [key: string]: unknown;
}

export interface ModelJson {
  readonly format: string;
  readonly formatVersion: number;
  readonly featureSchema: { readonly version: number; readonly hash: string };
  readonly config: ModelConfig;
  readonly training: TrainingInfo;
  readonly weightsFile: string;
  readonly weightsSha256: string;
  /** Tensor specs of one member in storage order (tfjs's weights-manifest entries: float32, little-endian, concatenated; members one after another). */
  readonly weights: readonly WeightSpec[];
}

export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32';
}

/** What a writer records (format 2: `seeds`, never `seed`). */
export interface TrainingRecord {
  readonly seeds: readonly number[];
  readonly epochs: number;
  readonly samples: number;
  readonly [key: string]: unknown;
}

/** The target distribution the weights were trained on (model.json's training.distribution; absent: `train`). */
export function trainingDistribution(meta: ModelJson): TrainingDistribution {
  const d = meta.training?.distribution;
  return isTrainingDistribution(d) ? d : 'train';
}

/** The zoo generator's version the weights were trained on (model.json's training.zoo, checked by loadWeights; absent: 1). */
export function trainingZoo(meta: ModelJson): ZooVersion {
  const zoo = meta.training?.zoo;
  return ZOO_VERSIONS.find((v) => v === zoo) ?? 1;
}

/** The parameters by name, each a row-major Float32Array of its shape. */
export type ParamArrays = ReadonlyMap<string, Float32Array>;

export interface LoadedWeights {
  readonly meta: ModelJson;
  /** The ensemble's members (one parameter set each; a format-1 file has one), in `seeds` order. */
  readonly members: readonly ParamArrays[];
  /** One seed per member. */
  readonly seeds: readonly number[];
}

/**
 * Write model.json + weights.bin (atomically, each through a temporary file): the members in the
 * order of `training.seeds`, which must give one seed per member.
 */
export function saveWeights(dir: string, config: ModelConfig, training: TrainingRecord, members: readonly ParamArrays[]): void {
  if (members.length === 0 || training.seeds.length !== members.length) throw new Error(`${members.length} members need as many seeds, got ${training.seeds.length}`);
  const shapes = paramShapes(config);
  const specs: WeightSpec[] = shapes.map(([name, shape]) => ({ name, shape, dtype: 'float32' }));
  const perMember = shapes.reduce((s, [, shape]) => s + elementCount(shape), 0);
  const all = new Float32Array(perMember * members.length);
  let at = 0;
  for (const params of members) {
    for (const [name, shape] of shapes) {
      const v = params.get(name)!;
      if (v.length !== elementCount(shape)) throw new Error(`parameter ${name} has ${v.length} values, its shape ${JSON.stringify(shape)} needs another count`);
      all.set(v, at);
      at += v.length;
    }
  }
  const bin = new Uint8Array(all.buffer);
  const meta: ModelJson = {
    format: WEIGHTS_FORMAT, formatVersion: WEIGHTS_FORMAT_VERSION,
    featureSchema: { version: FEATURE_SCHEMA_VERSION, hash: featureSchemaHash(featureChoice(config)) },
    config, training, weightsFile: 'weights.bin',
    weightsSha256: createHash('sha256').update(bin).digest('hex'),
    weights: specs,
  };
  mkdirSync(dir, { recursive: true });
  const write = (name: string, bytes: string | Uint8Array) => {
    const tmp = path.join(dir, `.${name}.tmp`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, path.join(dir, name));
  };
  write('weights.bin', bin);
  write('model.json', `${JSON.stringify(meta, null, 2)}\n`);
}

/** model.json's `training`: the seeds, the sizes and settings every member shared, in a fixed key order. */
export function trainingRecord(options: Pick<TrainOptions, 'batchSize' | 'learningRate' | 'models' | 'targetsPerModel' | 'families' | 'distribution' | 'zoo' | 'average' | 'rankWeight' | 'graphBalance'>, seeds: readonly number[], epochs: number, samples: number, backend: string): TrainingRecord {
  const average = options.average ?? 0;
  const zoo = options.zoo ?? TRAIN_DEFAULTS.zoo;
  const distribution = options.distribution ?? TRAIN_DEFAULTS.distribution;
  return {
    seeds, epochs, samples, batchSize: options.batchSize ?? TRAIN_DEFAULTS.batchSize, learningRate: options.learningRate ?? TRAIN_DEFAULTS.learningRate,
    models: options.models ?? TRAIN_DEFAULTS.models, targetsPerModel: options.targetsPerModel ?? TRAIN_DEFAULTS.targetsPerModel,
    families: options.families ?? 'all', backend,
    // Absent means `train` (weights written before the option existed keep their bytes).
    ...(distribution !== 'train' ? { distribution } : {}),
    // Absent means zoo version 1 (every file before version 2 existed).
    ...(zoo !== 1 ? { zoo } : {}),
    ...(average > 0 ? { average } : {}),
    // Absent means 0.01, the weight every file before the option was trained with.
    ...(options.rankWeight !== undefined && options.rankWeight !== 0.01 ? { rankWeight: options.rankWeight } : {}),
    // Absent means false (every file before the option existed).
    ...((options.graphBalance ?? TRAIN_DEFAULTS.graphBalance) ? { graphBalance: true } : {}),
  };
}

/** Read and check a weights directory; errors name the file and what is wrong. */
export function loadWeights(dir: string = SHIPPED_WEIGHTS_DIR): LoadedWeights {
  const jsonFile = path.join(dir, 'model.json');
  if (!existsSync(jsonFile)) throw new SplitcError('GnnWeightsMissing', `no model.json in ${dir} (train one with \`splitc gnn train\`)`, { file: jsonFile });
  let meta: ModelJson;
  try {
    meta = JSON.parse(readFileSync(jsonFile, 'utf8')) as ModelJson;
  } catch (e) {
    throw new SplitcError('GnnWeightsCorrupt', `model.json is not JSON: ${(e as Error).message}`, { file: jsonFile });
  }
  if (meta === null || typeof meta !== 'object' || meta.format !== WEIGHTS_FORMAT) throw new SplitcError('GnnWeightsCorrupt', `not a ${WEIGHTS_FORMAT} model.json`, { file: jsonFile, field: 'format' });
  if (!READABLE_VERSIONS.includes(meta.formatVersion)) throw new SplitcError('GnnWeightsMismatch', `format version ${String(meta.formatVersion)}, this splitc reads ${READABLE_VERSIONS.join(' and ')}`, { file: jsonFile, field: 'formatVersion' });
  const fs = meta.featureSchema;
  // The node features the model reads are chosen by its config (featureChoice), so is the hash.
  const choice = featureChoice(meta.config as ModelConfig | null | undefined);
  if (fs?.version !== FEATURE_SCHEMA_VERSION || fs.hash !== featureSchemaHash(choice)) {
    throw new SplitcError('GnnWeightsMismatch', `trained on feature schema ${String(fs?.version)}/${String(fs?.hash)}, this splitc computes ${FEATURE_SCHEMA_VERSION}/${featureSchemaHash(choice)}: retrain with \`splitc gnn train\``, { file: jsonFile, field: 'featureSchema' });
  }
  const cfg = meta.config;
  if (cfg === undefined || ![cfg.hidden, cfg.message, cfg.layers, cfg.interaction ?? 0].every((v) => Number.isInteger(v) && v >= 0 && v <= 4096) || cfg.hidden < 1 || cfg.message < 1) {
    throw new SplitcError('GnnWeightsCorrupt', 'config must give integer hidden, message, layers (and interaction, if any)', { file: jsonFile, field: 'config' });
  }
  const problem = configProblem(cfg);
  if (problem !== undefined) throw new SplitcError('GnnWeightsCorrupt', problem, { file: jsonFile, field: 'config' });
  const dist = (meta.training as TrainingInfo | undefined)?.distribution;
  if (dist !== undefined && !isTrainingDistribution(dist)) {
    throw new SplitcError('GnnWeightsCorrupt', `training.distribution must be one of ${TRAINING_DISTRIBUTIONS.join(', ')}, got ${JSON.stringify(dist)}`, { file: jsonFile, field: 'training.distribution' });
  }
  const zoo = (meta.training as TrainingInfo | undefined)?.zoo;
  if (zoo !== undefined && !(ZOO_VERSIONS as readonly unknown[]).includes(zoo)) {
    throw new SplitcError('GnnWeightsCorrupt', `training.zoo must be one of ${ZOO_VERSIONS.join(', ')}, got ${JSON.stringify(zoo)}`, { file: jsonFile, field: 'training.zoo' });
  }
  // Leave-one-family-out folds train with these two (foldTrainingOf), so a bad value must stop here, not in training.
  const rankWeight = (meta.training as TrainingInfo | undefined)?.rankWeight;
  if (rankWeight !== undefined && !(typeof rankWeight === 'number' && Number.isFinite(rankWeight) && rankWeight >= 0)) {
    throw new SplitcError('GnnWeightsCorrupt', `training.rankWeight must be a finite number ≥ 0, got ${JSON.stringify(rankWeight)}`, { file: jsonFile, field: 'training.rankWeight' });
  }
  const graphBalance = (meta.training as TrainingInfo | undefined)?.graphBalance;
  if (graphBalance !== undefined && typeof graphBalance !== 'boolean') {
    throw new SplitcError('GnnWeightsCorrupt', `training.graphBalance must be true or false, got ${JSON.stringify(graphBalance)}`, { file: jsonFile, field: 'training.graphBalance' });
  }
  const seeds = meta.formatVersion === 1 ? [meta.training?.seed] : meta.training?.seeds;
  if (!Array.isArray(seeds) || seeds.length === 0 || seeds.length > 64 || !seeds.every((v) => Number.isSafeInteger(v)) || new Set(seeds).size !== seeds.length) {
    const field = meta.formatVersion === 1 ? 'training.seed' : 'training.seeds';
    throw new SplitcError('GnnWeightsCorrupt', `${field} must give ${meta.formatVersion === 1 ? 'an integer seed' : 'one to 64 distinct integer seeds, one per member'}`, { file: jsonFile, field });
  }
  if (typeof meta.weightsFile !== 'string' || path.basename(meta.weightsFile) !== meta.weightsFile) throw new SplitcError('GnnWeightsCorrupt', 'weightsFile must be a file name beside model.json', { file: jsonFile, field: 'weightsFile' });
  const binFile = path.join(dir, meta.weightsFile);
  if (!existsSync(binFile)) throw new SplitcError('GnnWeightsMissing', `${meta.weightsFile} is missing`, { file: binFile });
  const bin = readFileSync(binFile);
  if (createHash('sha256').update(bin).digest('hex') !== meta.weightsSha256) throw new SplitcError('GnnWeightsCorrupt', `${meta.weightsFile} does not match the sha256 in model.json`, { file: binFile });
  const expected = paramShapes(cfg);
  const specs = meta.weights;
  const same = Array.isArray(specs) && specs.length === expected.length
    && specs.every((s, i) => s.name === expected[i]![0] && s.dtype === 'float32' && JSON.stringify(s.shape) === JSON.stringify(expected[i]![1]));
  if (!same) throw new SplitcError('GnnWeightsMismatch', 'tensor names or shapes differ from the model this splitc builds', { file: jsonFile, field: 'weights' });
  const bytes = seeds.length * expected.reduce((s, [, shape]) => s + 4 * elementCount(shape), 0);
  if (bin.length !== bytes) throw new SplitcError('GnnWeightsCorrupt', `${meta.weightsFile} has ${bin.length} bytes, the specs of ${seeds.length} member${seeds.length === 1 ? '' : 's'} need ${bytes}`, { file: binFile });
  // A copy: the Float32Array views need 4-byte alignment, which a Buffer from the pool lacks.
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const members: ParamArrays[] = [];
  let at = 0;
  for (let m = 0; m < seeds.length; m++) {
    const params = new Map<string, Float32Array>();
    for (const [name, shape] of expected) {
      const n = elementCount(shape);
      params.set(name, all.subarray(at, at + n));
      at += n;
    }
    members.push(params);
  }
  return { meta, members, seeds: seeds as number[] };
}
