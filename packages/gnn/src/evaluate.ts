// Evaluation against the exact planner: per-layer device agreement, optimal-equivalent splits
// (cost within 1% of the optimum), latency regret; and the two simple baselines the GNN must beat.

import type { ModelConfig } from './config.js';
import type { Sample } from './dataset.js';
import { decode, ensembleScores } from './infer.js';
import type { ParamArrays } from './weights.js';

/** A cut within this fraction of the optimum counts as optimal-equivalent. */
export const OPTIMAL_EQUIVALENT = 0.01;

export interface Metrics {
  readonly samples: number;
  /** Mean over samples of the fraction of layers placed on the same device as the exact plan. */
  readonly layerAgreement: number;
  /** Fraction of samples whose cut costs within 1% of the exact optimum. */
  readonly optimalEquivalent: number;
  /** Regret = cost / optimum − 1. */
  readonly regretMean: number;
  readonly regretP95: number;
  readonly regretMax: number;
}

export type Predictor = (s: Sample) => number;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

/** Metrics of chosen prefix cuts (layers on the DPU) against the exact plans. */
export function metricsOf(samples: readonly Sample[], picks: readonly number[]): Metrics {
  const regrets: number[] = [];
  let agree = 0;
  let equivalent = 0;
  samples.forEach((s, i) => {
    const k = picks[i]!;
    const cost = s.costs[k]!;
    if (!Number.isFinite(cost)) throw new Error(`prediction ${k} for ${s.model} is not a valid cut`);
    const regret = Math.max(0, cost / s.exactBest - 1);
    regrets.push(regret);
    if (regret <= OPTIMAL_EQUIVALENT) equivalent++;
    let same = 0;
    const n = s.exactMask.length;
    for (let l = 0; l < n; l++) if ((l < k ? 1 : 0) === s.exactMask[l]) same++;
    agree += n === 0 ? 1 : same / n;
  });
  const sorted = [...regrets].sort((a, b) => a - b);
  const n = samples.length;
  return {
    samples: n,
    layerAgreement: agree / n,
    optimalEquivalent: equivalent / n,
    regretMean: regrets.reduce((a, b) => a + b, 0) / n,
    regretP95: quantile(sorted, 0.95),
    regretMax: sorted[n - 1] ?? NaN,
  };
}

/** Baseline 1: the valid cut with the fewest crossing bytes (lowest index on ties). */
export const smallestCrossing: Predictor = (s) => {
  let best = 0;
  for (let k = 1; k < s.costs.length; k++) {
    if (!Number.isFinite(s.costs[k]!)) continue;
    if (s.features.cutBytes[k]! < s.features.cutBytes[best]!) best = k;
  }
  return best;
};

/** Baseline 2: the valid cut whose DPU share of MACs is closest to the DPU's share of peak throughput. */
export const macFraction: Predictor = (s) => {
  const total = s.features.macs.reduce((a, b) => a + b, 0) || 1;
  let best = 0;
  let bestGap = Infinity;
  let prefix = 0;
  for (let k = 0; k < s.costs.length; k++) {
    if (k > 0) prefix += s.features.macs[k - 1]!;
    if (!Number.isFinite(s.costs[k]!)) continue;
    const gap = Math.abs(prefix / total - s.dpuShare);
    if (gap < bestGap) { best = k; bestGap = gap; }
  }
  return best;
};

/** The GNN's own decoded picks (the plain-JS forward pass, as `--predictor gnn` runs it): one member, or an ensemble's mean scores. */
export function gnnPicks(members: readonly ParamArrays[], cfg: ModelConfig, samples: readonly Sample[]): number[] {
  return samples.map((s) => decode(ensembleScores(members, cfg, s.features, s.descriptor)));
}

// --- the evaluation protocol (`splitc gnn eval`) -------------------------------------------------

export type PredictorName = 'gnn' | 'smallest-crossing' | 'mac-fraction';

export interface EvalRow {
  /** Which evaluation: e.g. `torchvision, training targets`. */
  readonly set: string;
  /** A model, a family, or `all`. */
  readonly group: string;
  readonly predictor: PredictorName;
  readonly metrics: Metrics;
}

/** All three predictors on one group of samples. */
export function compareOn(set: string, group: string, samples: readonly Sample[], gnn: readonly number[]): EvalRow[] {
  return [
    { set, group, predictor: 'gnn', metrics: metricsOf(samples, gnn) },
    { set, group, predictor: 'smallest-crossing', metrics: metricsOf(samples, samples.map(smallestCrossing)) },
    { set, group, predictor: 'mac-fraction', metrics: metricsOf(samples, samples.map(macFraction)) },
  ];
}

const pct = (v: number, digits = 2): string => (v * 100).toFixed(digits);

/** Markdown tables, one per set: a row per group and predictor. */
export function formatEvalTables(rows: readonly EvalRow[]): string {
  const out: string[] = [];
  const sets = [...new Set(rows.map((r) => r.set))];
  for (const set of sets) {
    out.push(`### ${set}`, '', '| group | predictor | samples | layer agreement % | optimal-equivalent % | regret mean % | regret p95 % | regret max % |', '|---|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows.filter((x) => x.set === set)) {
      const m = r.metrics;
      out.push(`| ${r.group} | ${r.predictor} | ${m.samples} | ${pct(m.layerAgreement)} | ${pct(m.optimalEquivalent, 1)} | ${pct(m.regretMean)} | ${pct(m.regretP95)} | ${pct(m.regretMax, 1)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
