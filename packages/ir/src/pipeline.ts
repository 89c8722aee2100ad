// The pass pipeline, in order. Import is not a pass: it turns an ONNX model into the first Graph.

import type { LoadedModel } from '@splitc/onnx';
import type { Graph } from './graph.js';
import { importModel, type ImportOptions } from './import-model.js';
import { costFeatures } from './passes/cost-features.js';
import { foldConstants } from './passes/fold-constants.js';
import { inferShapes } from './passes/infer-shapes.js';
import { runPasses, type Instrument, type Pass } from './passes/pass.js';

export const PIPELINE: readonly Pass[] = [inferShapes, foldConstants, costFeatures];

export interface AnalyzeOptions extends ImportOptions {
  readonly instruments?: readonly Instrument[];
}

/** Import a loaded model and run the analysis pipeline: static shapes, folded constants, costs. */
export function analyzeModel(source: LoadedModel, options: AnalyzeOptions = {}): Graph {
  return runPasses(importModel(source, options), PIPELINE, options.instruments ?? []);
}
