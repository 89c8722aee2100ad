// The weights file: model.json (format, feature-schema version and hash, model config, training
// settings, tensor specs, sha256 of weights.bin) beside weights.bin. Missing, corrupt or mismatched
// files are typed errors. No TensorFlow.js here: inference reads the weights as Float32Arrays.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { elementCount, SplitcError } from '@splitc/diagnostics';
import { FEATURE_SCHEMA_VERSION, featureSchemaHash } from './features.js';
import { configProblem, paramShapes, type ModelConfig } from './config.js';
import type { TrainingDistribution } from './target-sampling.js';

export const WEIGHTS_FORMAT = 'splitc-gnn';
export const WEIGHTS_FORMAT_VERSION = 1;

/** The weights shipped inside the package. */
export const SHIPPED_WEIGHTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../weights');

export interface TrainingInfo {
  readonly seed: number;
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
  /** Tensor specs in storage order (tfjs's weights-manifest entries: float32, little-endian, concatenated). */
  readonly weights: readonly WeightSpec[];
}

export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32';
}

/** The target distribution the weights were trained on (model.json's training.distribution; absent: `train`). */
export function trainingDistribution(meta: ModelJson): TrainingDistribution {
  return meta.training?.distribution === 'train-engines' ? 'train-engines' : 'train';
}

/** The parameters by name, each a row-major Float32Array of its shape. */
export type ParamArrays = ReadonlyMap<string, Float32Array>;

export interface LoadedWeights {
  readonly meta: ModelJson;
  readonly params: ParamArrays;
}

/** Write model.json + weights.bin (atomically, each through a temporary file). */
export function saveWeights(dir: string, config: ModelConfig, training: TrainingInfo, params: ParamArrays): void {
  const shapes = paramShapes(config);
  const specs: WeightSpec[] = shapes.map(([name, shape]) => ({ name, shape, dtype: 'float32' }));
  const total = shapes.reduce((s, [, shape]) => s + elementCount(shape), 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const [name, shape] of shapes) {
    const v = params.get(name)!;
    if (v.length !== elementCount(shape)) throw new Error(`parameter ${name} has ${v.length} values, its shape ${JSON.stringify(shape)} needs another count`);
    all.set(v, at);
    at += v.length;
  }
  const bin = new Uint8Array(all.buffer);
  const meta: ModelJson = {
    format: WEIGHTS_FORMAT, formatVersion: WEIGHTS_FORMAT_VERSION,
    featureSchema: { version: FEATURE_SCHEMA_VERSION, hash: featureSchemaHash() },
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
  if (meta.formatVersion !== WEIGHTS_FORMAT_VERSION) throw new SplitcError('GnnWeightsMismatch', `format version ${String(meta.formatVersion)}, this splitc reads ${WEIGHTS_FORMAT_VERSION}`, { file: jsonFile, field: 'formatVersion' });
  const fs = meta.featureSchema;
  if (fs?.version !== FEATURE_SCHEMA_VERSION || fs.hash !== featureSchemaHash()) {
    throw new SplitcError('GnnWeightsMismatch', `trained on feature schema ${String(fs?.version)}/${String(fs?.hash)}, this splitc computes ${FEATURE_SCHEMA_VERSION}/${featureSchemaHash()}: retrain with \`splitc gnn train\``, { file: jsonFile, field: 'featureSchema' });
  }
  const cfg = meta.config;
  if (cfg === undefined || ![cfg.hidden, cfg.message, cfg.layers, cfg.interaction ?? 0].every((v) => Number.isInteger(v) && v >= 0 && v <= 4096) || cfg.hidden < 1 || cfg.message < 1) {
    throw new SplitcError('GnnWeightsCorrupt', 'config must give integer hidden, message, layers (and interaction, if any)', { file: jsonFile, field: 'config' });
  }
  const problem = configProblem(cfg);
  if (problem !== undefined) throw new SplitcError('GnnWeightsCorrupt', problem, { file: jsonFile, field: 'config' });
  const dist = (meta.training as TrainingInfo | undefined)?.distribution;
  if (dist !== undefined && dist !== 'train' && dist !== 'train-engines') {
    throw new SplitcError('GnnWeightsCorrupt', `training.distribution must be train or train-engines, got ${JSON.stringify(dist)}`, { file: jsonFile, field: 'training.distribution' });
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
  const bytes = expected.reduce((s, [, shape]) => s + 4 * elementCount(shape), 0);
  if (bin.length !== bytes) throw new SplitcError('GnnWeightsCorrupt', `${meta.weightsFile} has ${bin.length} bytes, the specs need ${bytes}`, { file: binFile });
  // A copy: the Float32Array views need 4-byte alignment, which a Buffer from the pool lacks.
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const params = new Map<string, Float32Array>();
  let at = 0;
  for (const [name, shape] of expected) {
    const n = elementCount(shape);
    params.set(name, all.subarray(at, at + n));
    at += n;
  }
  return { meta, params };
}
