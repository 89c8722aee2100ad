// The `plan` job as an API: analyse a model, resolve the target, read measured profiles, plan.

import type { GnnPredictor } from '@splitc/gnn';
import { importWarnings, type Graph } from '@splitc/ir';
import { planSplit, withPredictedSplit, type Objective, type Plan } from '@splitc/planner';
import { readDpuProfile, readGpuProfile, resolveTarget, type ResolvedTarget, type TargetRequest } from '@splitc/targets';
import { SplitcError } from '@splitc/diagnostics';
import { sha256HasherFor } from '@splitc/onnx';
import { analyzeFile, type InspectOptions } from './analyze.js';

export interface PlanRequest extends TargetRequest, InspectOptions {
  readonly objective?: string;
  /** trtexec --exportProfile JSON, or a GPU-half timing file (scripts/measure-gpu-half.py), measured on the GPU. */
  readonly profileGpu?: string;
  /** splitc DPU timing file (docs/planning.md, "Measured profiles"). */
  readonly profileDpu?: string;
  /** Which predictor chooses the split: `exact` (the exact search; default) or `gnn` (needs `gnn`: see preparePredictor). */
  readonly predictor?: string;
  /** The loaded GNN predictor (preparePredictor loads it). */
  readonly gnn?: GnnPredictor;
  /** A GNN weights directory (model.json + weights.bin) instead of the shipped one. */
  readonly gnnWeights?: string;
  /** Called with warnings, e.g. a dynamic batch dim planned at 1 (importWarnings). */
  readonly onWarning?: (message: string) => void;
  /**
   * plan() only: read the weights and hash the source only if the plan's `model.sha256` is read
   * (a text summary does not show it; JSON, `-o` and reports do). Then nothing but the model's
   * structure is read unless that happens. Default: hashed on a worker while it is read.
   */
  readonly lazyDigest?: boolean;
}

export function parsePredictor(p: string | undefined): 'exact' | 'gnn' {
  if (p === undefined) return 'exact';
  if (p !== 'exact' && p !== 'gnn') throw new SplitcError('Usage', `predictor ${JSON.stringify(p)} must be exact or gnn`, { field: 'predictor' });
  return p;
}

/** The request with the GNN loaded when it asks for `predictor: 'gnn'` (async: the weights are read on demand; inference is plain JavaScript, TensorFlow.js is not loaded). */
export async function preparePredictor<R extends PlanRequest>(req: R): Promise<R> {
  if (parsePredictor(req.predictor) !== 'gnn' || req.gnn !== undefined) return req;
  // Loaded only here: TensorFlow.js costs every other run ~35 MiB and a second of start-up.
  const { loadPredictor } = await import('@splitc/gnn');
  return { ...req, gnn: await loadPredictor(req.gnnWeights !== undefined ? { weightsDir: req.gnnWeights } : {}) };
}

export function parseObjective(o: string | undefined): Objective {
  if (o === undefined) return 'stream';
  if (o !== 'stream' && o !== 'latency') throw new SplitcError('Usage', `objective ${JSON.stringify(o)} must be stream or latency`, { field: 'objective' });
  return o;
}

/**
 * Plan a split of the model at `path` (the plan records its sha256, hashed while it is read; with
 * `lazyDigest`, read and hashed when first asked for).
 */
export function plan(path: string, req: PlanRequest = {}): Plan {
  if (req.lazyDigest === true) {
    const g = analyzeFile(path, req, { lazyWeights: true });
    for (const w of importWarnings(g)) req.onWarning?.(w);
    return planGraph(g, req);
  }
  const hasher = sha256HasherFor(path);
  try {
    const g = analyzeFile(path, req, { hasher });
    for (const w of importWarnings(g)) req.onWarning?.(w);
    const p = planGraph(g, req);
    // The plan reads the digest on first use (planSplit): take it before the hasher stops.
    void p.model.sha256;
    return p;
  } finally {
    hasher.close();
  }
}

export function planGraph(g: Graph, req: PlanRequest = {}, target: ResolvedTarget = resolveTarget(req)): Plan {
  const objective = parseObjective(req.objective);
  const names = new Set(g.layers.map((l) => l.name));
  const measured = {
    ...(req.profileGpu !== undefined ? { gpu: readGpuProfile(req.profileGpu, names) } : {}),
    ...(req.profileDpu !== undefined ? { dpu: readDpuProfile(req.profileDpu, names) } : {}),
  };
  const exact = planSplit(g, target, { objective, measured });
  if (parsePredictor(req.predictor) === 'exact') return exact;
  if (req.gnn === undefined) throw new SplitcError('Usage', 'predictor gnn is not loaded: await preparePredictor(request) first', { field: 'predictor' });
  return withPredictedSplit(exact, g, req.gnn.predict(g, target, objective).index, { name: 'gnn', weights: req.gnn.weights });
}
