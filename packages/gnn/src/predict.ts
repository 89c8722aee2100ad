// The predictor hook used by plan/compile: load the weights once (async: the wasm backend starts
// asynchronously), then predict synchronously. The prediction is always a valid prefix cut; the
// planner prices it with the latency model and reports the exact optimum beside it.


import type { Graph } from '@splitc/ir';
import type { Objective } from '@splitc/planner';
import type { ResolvedTarget } from '@splitc/targets';
import { initBackend, type BackendName } from './backend.js';
import { graphFeatures, targetDescriptor } from './features.js';
import { decode, disposeBatch, makeBatch, scores, type ModelConfig } from './model.js';
import { loadWeights, SHIPPED_WEIGHTS_DIR } from './weights.js';

export interface GnnPrediction {
  /** Layers on the DPU: prefix cut k (0 = GPU-only, layers = DPU-only). */
  readonly index: number;
  /** Softmax over the valid cuts of the scores (minus predicted log objective). */
  readonly probability: number;
  /** The model's own estimate of the objective at its cut, ms (not the latency model's). */
  readonly predictedMs: number;
}

export interface GnnPredictor {
  /** sha256 of weights.bin. */
  readonly weights: string;
  readonly config: ModelConfig;
  readonly backend: string;
  predict(g: Graph, target: ResolvedTarget, objective: Objective): GnnPrediction;
  dispose(): void;
}

export interface LoadPredictorOptions {
  /** A directory with model.json + weights.bin (default: the weights shipped in @splitc/gnn). */
  readonly weightsDir?: string;
  readonly backend?: BackendName;
}

/** Load weights (typed errors for missing/corrupt/mismatched files) and start the backend. */
export async function loadPredictor(options: LoadPredictorOptions = {}): Promise<GnnPredictor> {
  const backend = await initBackend(options.backend ?? 'wasm');
  const loaded = loadWeights(options.weightsDir ?? SHIPPED_WEIGHTS_DIR);
  const params = loaded.tensors;
  const config = loaded.meta.config;
  return {
    weights: loaded.meta.weightsSha256,
    config,
    backend,
    predict(g, target, objective) {
      const features = graphFeatures(g, target);
      const b = makeBatch([{ features, descriptor: targetDescriptor(target, objective) }]);
      try {
        const s = scores(params, config, b)[0]!;
        const index = decode(s);
        let z = 0;
        for (const v of s) if (Number.isFinite(v)) z += Math.exp(v - s[index]!);
        return { index, probability: 1 / z, predictedMs: Math.exp(-s[index]!) };
      } finally {
        disposeBatch(b);
      }
    },
    dispose() {
      for (const t of params.values()) t.dispose();
    },
  };
}

