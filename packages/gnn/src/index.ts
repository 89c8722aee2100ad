// @splitc/gnn: the learned split predictor — graph features, the message-passing model, dataset,
// training, evaluation and the bundled weights. Inference (loadPredictor, evaluation) runs in plain
// JavaScript; TensorFlow.js is loaded only by training (trainGnn, trainEnsemble's members, initBackend, leave-one-family-out),
// on first use, so importing this package does not load it.
import type { BackendName } from './backend.js';
import type { TrainOptions, TrainResult } from './train.js';
import type { EnsembleOptions, EnsembleResult } from './ensemble.js';
import type { ModelConfig } from './config.js';
import type { GraphFeatures } from './features.js';
import type { ParamArrays } from './weights.js';

export { NODE_FEATURES, BANK_NODE_FEATURES, GPU_NODE_FEATURES, DPU_CLASS_NODE_FEATURES, featureChoice, nodeFeatureCount, TARGET_FEATURES, FEATURE_SCHEMA_VERSION, featureSchemaHash, graphFeatures, targetDescriptor, type GraphFeatures } from './features.js';
export { isTrainingDistribution, sampleTarget, TRAINING_DISTRIBUTIONS, TRAIN_LINK_BANDWIDTH, TRAIN_PERTURBATION, type SampledTarget, type TargetDistribution, type TrainingDistribution } from './target-sampling.js';
export { buildDataset, datasetModels, graphSamples, labelSample, dpuThroughputShare, type DatasetModel, type DatasetOptions, type Sample } from './dataset.js';
export { DEFAULT_CONFIG, TRAIN_DEFAULTS, paramShapes, type ModelConfig } from './config.js';
export type { StageLabels } from './model.js';
export type { BackendName } from './backend.js';
export type { TrainOptions, TrainProgress, TrainResult } from './train.js';
export type { EnsembleOptions, EnsembleResult, MemberResult } from './ensemble.js';
export { loadWeights, saveWeights, SHIPPED_WEIGHTS_DIR, trainingDistribution, trainingZoo, type ModelJson, type LoadedWeights, type ParamArrays, type WeightSpec } from './weights.js';
export { forwardJs, scoresJs, ensembleScores, decode, OUTPUT_COLUMNS } from './infer.js';
export { matmul, matmulJs, matmulModuleBytes, wasmMatmulAvailable } from './wasm-matmul.js';
export { LINK_BYTES_REFERENCE, structureOffsets, type StructureOffsets } from './structure.js';
export { metricsOf, gnnPicks, smallestCrossing, macFraction, OPTIMAL_EQUIVALENT, type Metrics, type Predictor } from './evaluate.js';
export { compareOn, formatEvalTables, type EvalRow, type PredictorName } from './evaluate.js';
export { loadPredictor, loadPredictorSync, type GnnPredictor, type GnnPrediction, type LoadPredictorOptions } from './predict.js';
export { gnnDataset, evaluateGnn, fixedSetEvaluation, foldTrainingOf, leaveOneFamilyOut, VALIDATION_SEED, type DatasetCommandOptions, type DatasetSummary, type EvalOptions, type EvalReport, type FoldTraining, type Progress } from './protocol.js';

/** Start TensorFlow.js's backend for training (loads tfjs on first call); returns its name. */
export async function initBackend(prefer: BackendName = 'wasm'): Promise<string> {
  return (await import('./backend.js')).initBackend(prefer);
}

/** Train from scratch (loads TensorFlow.js on first call): see train.ts. */
export async function trainGnn(options: TrainOptions = {}): Promise<TrainResult> {
  return (await import('./train.js')).trainGnn(options);
}

/** Train an ensemble from scratch, one member per seed, in parallel processes (TensorFlow.js is loaded by the members): see ensemble.ts. */
export async function trainEnsemble(options: EnsembleOptions = {}): Promise<EnsembleResult> {
  return (await import('./ensemble.js')).trainEnsemble(options);
}

/** The TensorFlow.js forward pass (training's) of one graph, as forwardJs returns it (loads tfjs; starts `backend`). For checking the two agree. */
export async function forwardTfjs(params: ParamArrays, cfg: ModelConfig, features: GraphFeatures, descriptor: Float32Array, backend: BackendName = 'wasm'): Promise<Float32Array> {
  await initBackend(backend);
  return (await import('./model.js')).forwardOnArrays(params, cfg, features, descriptor);
}
