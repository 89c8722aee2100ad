// The weights file: model.json (format, feature-schema version and hash, model config, training
// settings, tensor specs, sha256 of weights.bin) beside weights.bin. Missing, corrupt or mismatched
// files are typed errors.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { SplitcError } from '@splitc/diagnostics';
import { FEATURE_SCHEMA_VERSION, featureSchemaHash } from './features.js';
import { paramShapes, type ModelConfig } from './model.js';

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
  readonly weights: readonly tf.io.WeightsManifestEntry[];
}

export interface LoadedWeights {
  readonly meta: ModelJson;
  readonly tensors: ReadonlyMap<string, tf.Tensor>;
}

/** Write model.json + weights.bin (atomically, each through a temporary file). */
export async function saveWeights(dir: string, config: ModelConfig, training: TrainingInfo, params: ReadonlyMap<string, tf.Tensor>): Promise<void> {
  const named: tf.NamedTensorMap = {};
  for (const [name] of paramShapes(config)) named[name] = params.get(name)!;
  const { data, specs } = await tf.io.encodeWeights(named);
  const bin = new Uint8Array(data);
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

/** Read and check a weights directory; errors name the file and what is wrong. The tensors need a started backend (initBackend). */
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
  if (cfg === undefined || ![cfg.hidden, cfg.message, cfg.layers].every((v) => Number.isInteger(v) && v >= 0 && v <= 4096) || cfg.hidden < 1 || cfg.message < 1) {
    throw new SplitcError('GnnWeightsCorrupt', 'config must give integer hidden, message and layers', { file: jsonFile, field: 'config' });
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
  const bytes = expected.reduce((s, [, shape]) => s + 4 * shape.reduce((a, b) => a * b, 1), 0);
  if (bin.length !== bytes) throw new SplitcError('GnnWeightsCorrupt', `${meta.weightsFile} has ${bin.length} bytes, the specs need ${bytes}`, { file: binFile });
  const buf = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const decoded = tf.io.decodeWeights(buf, specs as tf.io.WeightsManifestEntry[]);
  return { meta, tensors: new Map(Object.entries(decoded)) };
}
