#!/usr/bin/env node
// The evaluation tables of docs/gnn.md: the shipped weights on unseen torchvision architectures and
// held-out zoo models, under training-distribution and shifted targets, against the two baselines;
// with --lofo, leave-one-family-out (ten trainings from scratch; --fold-models/--fold-epochs size them).
// Usage: npm run build && node scripts/gnn-eval.mjs [--lofo] [--lofo-only] [--fold-models N] [--fold-epochs N] [--weights DIR]
import { evaluateGnn, formatEvalTables, leaveOneFamilyOut } from '@splitc/gnn';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i === -1 ? def : args[i + 1]; };
const foldTraining = { models: Number(opt('--fold-models', 100)), epochs: Number(opt('--fold-epochs', 12)), targetsPerModel: 3 };
const onProgress = (p) => process.stderr.write(`${p.phase} ${p.done}/${p.total}\n`);
const t0 = performance.now();
if (args.includes('--lofo-only')) {
  console.log(formatEvalTables(await leaveOneFamilyOut({ foldTraining, onProgress })));
} else {
  const weightsDir = opt('--weights', undefined);
  const r = await evaluateGnn({ ...(weightsDir !== undefined ? { weightsDir } : {}), leaveOneFamilyOut: args.includes('--lofo'), foldTraining, onProgress });
  console.log(`weights sha256 ${r.weightsSha256}\n`);
  console.log(r.tables);
}
console.error(`${((performance.now() - t0) / 1e3).toFixed(0)} s`);
