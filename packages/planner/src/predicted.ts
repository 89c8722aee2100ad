// A plan whose split was chosen by a predictor (the GNN) instead of the exact search: `best` and
// `split` become the predicted prefix cut, and the exact optimum stays beside it with the regret.

import { SplitcError } from '@splitc/diagnostics';
import { cutTensors, type Graph } from '@splitc/ir';
import { dataTypeName } from '@splitc/onnx';
import type { Candidate, Plan } from './plan-schema.js';

const objectiveOf = (c: Candidate, o: Plan['objective']): number => (o === 'stream' ? c.streamMs : c.latencyMs);

/** The plan with prefix cut `index` as its choice, priced by the plan's own candidates. */
export function withPredictedSplit(plan: Plan, g: Graph, index: number, predictor: { readonly name: 'gnn'; readonly weights: string }): Plan {
  const chosen = plan.candidates.find((c) => c.kind === 'prefix' && c.index === index);
  if (chosen === undefined) throw new SplitcError('BadSplit', `the ${predictor.name} predictor chose split ${index}, which is not a valid cut of this plan`);
  const exact = plan.best;
  const regret = Math.max(0, objectiveOf(chosen, plan.objective) / objectiveOf(exact, plan.objective) - 1);
  const mask = g.layers.map((l) => l.index < index);
  const names = g.layers.map((l) => l.name);
  const speedup = (base: Candidate | null): number | null => (base === null ? null : objectiveOf(base, plan.objective) / objectiveOf(chosen, plan.objective));
  return {
    ...plan,
    split: {
      kind: 'prefix',
      index,
      dpuLayers: names.filter((_, i) => mask[i]),
      gpuLayers: names.filter((_, i) => !mask[i]),
      cutTensors: cutTensors(g, mask).map((t) => ({ name: t.name, shape: [...t.shape], dtype: dataTypeName(g.tensors.get(t.name)!.dtype), bytes: t.bytes })),
    },
    best: chosen,
    speedups: { overDpuOnly: speedup(plan.baselines.dpuOnly), overGpuOnly: speedup(plan.baselines.gpuOnly) },
    predictor: { name: predictor.name, exact, regret, weights: predictor.weights },
    notes: [...plan.notes.filter((n) => !n.startsWith('the best cut is not a prefix')), `the GNN predictor chose k = ${index}; the exact optimum is ${exact.kind === 'prefix' ? `k = ${exact.index}` : 'a min-cut set'} (regret ${(regret * 100).toFixed(2)}%)`],
  };
}
