// The pass pipeline, in order. Import is not a pass: it turns an ONNX model into the first Graph.

import type { LoadedModel } from '@splitc/onnx';
import type { Graph } from './graph.js';
import { importModel, type ImportOptions } from './import-model.js';
import { constantWeights } from './passes/constant-weights.js';
import { costFeatures } from './passes/cost-features.js';
import { cancelTransposes } from './passes/cancel-transposes.js';
import { foldAffine } from './passes/fold-affine.js';
import { foldConstants } from './passes/fold-constants.js';
import { inferShapes } from './passes/infer-shapes.js';
import { recognizeActivations } from './passes/recognize-activations.js';
import { runPasses, type Instrument, type Pass } from './passes/pass.js';

/**
 * constant-weights, cancel-transposes and recognize-activations/fold-affine canonicalise what other
 * exporters write (weights in Constant nodes, NHWC transposes around convolutions, decomposed
 * activations, batch norm as a scale and a shift) into the
 * form the rest of splitc knows; activations are recognised before affine folding, which would
 * otherwise take the `+ 3` of a hard-sigmoid into the convolution before it.
 */
export const PIPELINE: readonly Pass[] = [constantWeights, inferShapes, foldConstants, cancelTransposes, recognizeActivations, foldAffine, costFeatures];

export interface AnalyzeOptions extends ImportOptions {
  readonly instruments?: readonly Instrument[];
}

/** Import a loaded model and run the analysis pipeline: static shapes, folded constants, costs. */
export function analyzeModel(source: LoadedModel, options: AnalyzeOptions = {}): Graph {
  return runPasses(importModel(source, options), PIPELINE, options.instruments ?? []);
}
