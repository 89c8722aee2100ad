// @splitc/ir: the layer-graph IR, op rules and the analysis pipeline.
export * from './graph.js';
export { importModel, importWarnings, MAX_FOLDED_ELEMENTS, MAX_FLOAT_VALUE_ELEMENTS, storedTensor, type ImportOptions } from './import-model.js';
export { OP_RULES, ruleFor, OpContext, type OpRule, type TensorType } from './ops/index.js';
export { decodeWindow, windowGeometry, WINDOW_OPS, type WindowGeometry, type AutoPad } from './ops/window.js';
export { runPasses, type Pass, type Instrument, type GraphProperty } from './passes/pass.js';
export { inferShapes } from './passes/infer-shapes.js';
export { constantWeights } from './passes/constant-weights.js';
export { recognizeActivations } from './passes/recognize-activations.js';
export { foldAffine } from './passes/fold-affine.js';
export { cancelTransposes } from './passes/cancel-transposes.js';
export { foldConstants, resolveAlias } from './passes/fold-constants.js';
export { costFeatures, layerCost, graphTotals, isLearnedParam, type GraphTotals } from './passes/cost-features.js';
export { verifyGraph, verifier } from './passes/verify.js';
export { PIPELINE, analyzeModel, type AnalyzeOptions } from './pipeline.js';
export { cutTensors, isClosedCut, type CutTensor } from './cut.js';
export {
  CrossingEntry, SeamSection, crossingEntry, seamSection, dpuLayoutShape, seamInputNames, servedModelName, batchedShape, linkBytes, linkDtype,
  CROSSING_FROM, DPU_LAYOUT, DPU_DTYPE, NCHW_TO_NHWC, NHWC_TO_NCHW, WIRE_PROTOCOL, QUANTIZATION, SEAM_LOADER_PY,
  type CrossingFrom, type SeamInput, type CutTensorLike, type WireTensor,
} from './seam.js';
