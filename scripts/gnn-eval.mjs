#!/usr/bin/env node
// The evaluation tables of docs/gnn.md: the shipped weights on unseen torchvision architectures and
// held-out zoo models, under training-distribution and shifted targets, against the two baselines;
// with --lofo, leave-one-family-out (ten trainings from scratch; --fold-models/--fold-epochs size them).
// With --validation, only the validation sets that model selection used: 60 generated zoo models
// (6 per family) from seed 9001 × 2 targets from the training distribution, and the same models × 2
// shifted targets; the seeds are disjoint from training's and from the evaluation's, and the
// torchvision models are never used to choose settings.
// With --lofo-validation, leave-one-family-out as a validation set (fifth pass): the folds train as
// --lofo-only's do, but each is tested on 12 models of its family from the validation seed 9001
// (seeds 9101–9110), not the evaluation's; --fold-seed N trains each fold as one network of seed N,
// so that several seeds of one recipe can be compared; --fold-seeds N,N makes each fold an ensemble
// of one training per seed (sixth pass). Without either, folds are ensembles of TRAIN_DEFAULTS.seeds,
// as the shipped predictor is.
// With --zoo N, every generated set (validation, held-out, leave-one-family-out folds and tests) is
// drawn from the zoo generator's version N (default: the version the weights were trained on;
// TRAIN_DEFAULTS.zoo, 2, for --lofo-only and --lofo-validation, which read no weights; seventh pass).
// The folds train with graph-balanced label weights as the defaults do (eighth pass), or as the
// weights read were trained (--lofo); --fold-no-graph-balance turns it off (the recipes before the
// eighth pass: with --zoo 1).
// Usage: npm run build && node scripts/gnn-eval.mjs [--validation [--val-models N] [--val-targets N] [--val-distribution train|train-engines|train-bank]] [--lofo] [--lofo-only] [--lofo-validation] [--fold-models N] [--fold-epochs N] [--fold-config JSON] [--fold-seed N] [--fold-seeds N,N,...] [--fold-rank-weight F] [--fold-no-graph-balance] [--zoo N] [--distribution D] [--weights DIR]
// --fold-config is merged into the default model config. The training-distribution targets are
// those the weights were trained on (model.json; --distribution D: D's instead, for the tables'
// first sets). The leave-one-family-out folds train on that distribution too (--lofo-only: on
// TRAIN_DEFAULTS.distribution); --vary-engines makes them train on `train-engines`.
import { buildDataset, compareOn, DEFAULT_CONFIG, evaluateGnn, formatEvalTables, gnnPicks, isTrainingDistribution, leaveOneFamilyOut, loadWeights, trainingDistribution, trainingZoo, TRAINING_DISTRIBUTIONS, VALIDATION_SEED } from '@splitc/gnn';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i === -1 ? def : args[i + 1]; };
const foldConfig = opt('--fold-config', undefined);
const zoo = opt('--zoo', undefined) === undefined ? undefined : Number(opt('--zoo', undefined));
const foldTraining = {
  models: Number(opt('--fold-models', 100)), epochs: Number(opt('--fold-epochs', 12)), targetsPerModel: 3, ...(foldConfig !== undefined ? { config: { ...DEFAULT_CONFIG, ...JSON.parse(foldConfig) } } : {}),
  ...(args.includes('--vary-engines') ? { distribution: 'train-engines' } : {}),
  ...(opt('--fold-seed', undefined) !== undefined ? { seed: Number(opt('--fold-seed', undefined)) } : {}),
  ...(opt('--fold-seeds', undefined) !== undefined ? { seeds: opt('--fold-seeds', undefined).split(',').map(Number) } : {}),
  ...(opt('--fold-rank-weight', undefined) !== undefined ? { rankWeight: Number(opt('--fold-rank-weight', undefined)) } : {}),
  ...(args.includes('--fold-no-graph-balance') ? { graphBalance: false } : {}),
  ...(zoo !== undefined ? { zoo } : {}),
};
const onProgress = (p) => process.stderr.write(`${p.phase} ${p.done}/${p.total}\n`);
const t0 = performance.now();
if (args.includes('--validation')) {
  const w = loadWeights(opt('--weights', undefined));
  console.log(`weights sha256 ${w.meta.weightsSha256}\n`);
  // --val-models/--val-targets enlarge the set (same seed: the first 60 models are the default set's).
  const valModels = Number(opt('--val-models', 60));
  const valTargets = Number(opt('--val-targets', 2));
  // Both target distributions on the same 60 validation models (the shifted one for the structured heads' selection).
  const rows = [];
  const version = zoo ?? trainingZoo(w.meta);
  const name = `Validation (zoo${version === 1 ? '' : ` version ${version}`}, seed ${VALIDATION_SEED})`;
  // --val-distribution measures the first set on another training distribution than the weights'
  // (e.g. weights trained on train-engines against those trained on train, on the same targets).
  const valDist = opt('--val-distribution', trainingDistribution(w.meta));
  if (!isTrainingDistribution(valDist)) throw new Error(`--val-distribution must be one of ${TRAINING_DISTRIBUTIONS.join(', ')}, got ${valDist}`);
  for (const [dist, set] of [[valDist, valDist === 'train' ? name : `${name}, ${valDist} targets`], ['shifted', `${name}, shifted targets`]]) {
    const data = buildDataset({ seed: VALIDATION_SEED, models: valModels, targetsPerModel: valTargets, distribution: dist, zoo: version });
    const picks = gnnPicks(w.members, w.meta.config, data);
    const families = [...new Set(data.map((s) => s.family))];
    rows.push(...families.flatMap((f) => { const idx = data.flatMap((s, i) => (s.family === f ? [i] : [])); return compareOn(set, f, idx.map((i) => data[i]), idx.map((i) => picks[i])); }));
    rows.push(...compareOn(set, 'all', data, picks));
  }
  console.log(formatEvalTables(rows));
} else if (args.includes('--lofo-validation')) {
  console.log(formatEvalTables(await leaveOneFamilyOut({ foldTraining, onProgress, seed: VALIDATION_SEED, heldOutPerFamily: 12 })));
} else if (args.includes('--lofo-only')) {
  console.log(formatEvalTables(await leaveOneFamilyOut({ foldTraining, onProgress })));
} else {
  const weightsDir = opt('--weights', undefined);
  const distribution = opt('--distribution', undefined);
  const r = await evaluateGnn({ ...(weightsDir !== undefined ? { weightsDir } : {}), ...(zoo !== undefined ? { zoo } : {}), ...(distribution !== undefined ? { distribution } : {}), leaveOneFamilyOut: args.includes('--lofo'), foldTraining, onProgress });
  console.log(`weights sha256 ${r.weightsSha256}\n`);
  console.log(r.tables);
}
console.error(`${((performance.now() - t0) / 1e3).toFixed(0)} s`);
