#!/usr/bin/env node
// The evaluation tables of docs/gnn.md: the shipped weights on unseen torchvision architectures and
// held-out zoo models, under training-distribution and shifted targets, against the two baselines;
// with --lofo, leave-one-family-out (ten trainings from scratch; --fold-models/--fold-epochs size them).
// With --validation, only the validation set that model selection used: 60 generated zoo models
// (6 per family) × 2 training-distribution targets from seed 9001, disjoint from training's seed and
// from the evaluation's seeds; the torchvision models are never used to choose settings.
// Usage: npm run build && node scripts/gnn-eval.mjs [--validation] [--lofo] [--lofo-only] [--fold-models N] [--fold-epochs N] [--weights DIR]
import { buildDataset, compareOn, evaluateGnn, formatEvalTables, gnnPicks, leaveOneFamilyOut, loadWeights } from '@splitc/gnn';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i === -1 ? def : args[i + 1]; };
const foldTraining = { models: Number(opt('--fold-models', 100)), epochs: Number(opt('--fold-epochs', 12)), targetsPerModel: 3 };
const onProgress = (p) => process.stderr.write(`${p.phase} ${p.done}/${p.total}\n`);
const t0 = performance.now();
if (args.includes('--validation')) {
  const w = loadWeights(opt('--weights', undefined));
  const data = buildDataset({ seed: 9001, models: 60, targetsPerModel: 2 });
  const picks = gnnPicks(w.params, w.meta.config, data);
  const families = [...new Set(data.map((s) => s.family))];
  const rows = families.flatMap((f) => { const idx = data.flatMap((s, i) => (s.family === f ? [i] : [])); return compareOn('Validation (zoo, seed 9001)', f, idx.map((i) => data[i]), idx.map((i) => picks[i])); });
  console.log(`weights sha256 ${w.meta.weightsSha256}\n`);
  console.log(formatEvalTables([...rows, ...compareOn('Validation (zoo, seed 9001)', 'all', data, picks)]));
} else if (args.includes('--lofo-only')) {
  console.log(formatEvalTables(await leaveOneFamilyOut({ foldTraining, onProgress })));
} else {
  const weightsDir = opt('--weights', undefined);
  const r = await evaluateGnn({ ...(weightsDir !== undefined ? { weightsDir } : {}), leaveOneFamilyOut: args.includes('--lofo'), foldTraining, onProgress });
  console.log(`weights sha256 ${r.weightsSha256}\n`);
  console.log(r.tables);
}
console.error(`${((performance.now() - t0) / 1e3).toFixed(0)} s`);
