// The predictor hook used by plan/compile: load the weights once, then predict synchronously with
// the plain-JS forward pass (infer.ts) — TensorFlow.js is not loaded for inference. The
// prediction is always a valid prefix cut; the planner prices it with the latency model and
// reports the exact optimum beside it.

import type { Graph } from '@splitc/ir';
import type { Objective } from '@splitc/planner';
import type { ResolvedTarget } from '@splitc/targets';
import type { BackendName } from './backend.js';
import type { ModelConfig } from './config.js';
import { graphFeatures, targetDescriptor } from './features.js';
import { decode, ensembleScores } from './infer.js';
import { loadWeights, SHIPPED_WEIGHTS_DIR } from './weights.js';

export interface GnnPrediction {
  /** Layers on the DPU: prefix cut k (0 = GPU-only, layers = DPU-only). */
  readonly index: number;
  /** Softmax over the valid cuts of the scores (minus predicted log objective; an ensemble's: the mean over its members). */
  readonly probability: number;
  /** The model's own estimate of the objective at its cut, ms (not the latency model's; an ensemble's: the geometric mean of its members'). */
  readonly predictedMs: number;
}

export interface GnnPredictor {
  /** sha256 of weights.bin. */
  readonly weights: string;
  readonly config: ModelConfig;
  /** Members of the ensemble (each a network trained from its own seed; their scores are averaged). */
  readonly members: number;
  /** What runs the forward pass: `js` (JavaScript, its matrix products in a WebAssembly SIMD kernel where the runtime has one). */
  readonly backend: string;
  predict(g: Graph, target: ResolvedTarget, objective: Objective): GnnPrediction;
  dispose(): void;
}

export interface LoadPredictorOptions {
  /** A directory with model.json + weights.bin (default: the weights shipped in @splitc/gnn). */
  readonly weightsDir?: string;
  /** Ignored since inference runs in plain JavaScript (kept so existing callers still type-check). */
  readonly backend?: BackendName;
}

/** Load weights (typed errors for missing/corrupt/mismatched files). Async for callers that awaited the tfjs backend. */
export async function loadPredictor(options: LoadPredictorOptions = {}): Promise<GnnPredictor> {
  return loadPredictorSync(options);
}

/** The same, synchronously. */
export function loadPredictorSync(options: LoadPredictorOptions = {}): GnnPredictor {
  const loaded = loadWeights(options.weightsDir ?? SHIPPED_WEIGHTS_DIR);
  const members = loaded.members;
  const config = loaded.meta.config;
  return {
    weights: loaded.meta.weightsSha256,
    config,
    members: members.length,
    backend: 'js',
    predict(g, target, objective) {
      const s = ensembleScores(members, config, graphFeatures(g, target), targetDescriptor(target, objective));
      const index = decode(s);
      let z = 0;
      for (const v of s) if (Number.isFinite(v)) z += Math.exp(v - s[index]!);
      return { index, probability: 1 / z, predictedMs: Math.exp(-s[index]!) };
    },
    dispose() {
      // Nothing to free: the weights are ordinary arrays.
    },
  };
}
