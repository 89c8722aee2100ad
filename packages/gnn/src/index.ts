// @splitc/gnn: the learned split predictor — graph features, the message-passing model
// (TensorFlow.js), dataset, training, evaluation and the bundled weights.
export { NODE_FEATURES, TARGET_FEATURES, FEATURE_SCHEMA_VERSION, featureSchemaHash, graphFeatures, targetDescriptor, type GraphFeatures } from './features.js';
export { sampleTarget, TRAIN_LINK_BANDWIDTH, TRAIN_PERTURBATION, type SampledTarget, type TargetDistribution } from './target-sampling.js';
export { buildDataset, graphSamples, labelSample, dpuThroughputShare, type DatasetOptions, type Sample } from './dataset.js';
export { DEFAULT_CONFIG, type ModelConfig, type StageLabels } from './model.js';
export { initBackend, type BackendName } from './backend.js';
export { trainGnn, TRAIN_DEFAULTS, type TrainOptions, type TrainProgress, type TrainResult } from './train.js';
export { loadWeights, saveWeights, SHIPPED_WEIGHTS_DIR, type ModelJson, type LoadedWeights } from './weights.js';
export { metricsOf, gnnPicks, smallestCrossing, macFraction, OPTIMAL_EQUIVALENT, type Metrics, type Predictor } from './evaluate.js';
export { compareOn, formatEvalTables, type EvalRow, type PredictorName } from './evaluate.js';
export { loadPredictor, type GnnPredictor, type GnnPrediction, type LoadPredictorOptions } from './predict.js';
export { gnnDataset, evaluateGnn, fixedSetEvaluation, leaveOneFamilyOut, type DatasetCommandOptions, type DatasetSummary, type EvalOptions, type EvalReport, type Progress } from './protocol.js';
