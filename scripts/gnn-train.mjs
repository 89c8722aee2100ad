#!/usr/bin/env node
// Trains the shipped GNN weights from scratch (packages/gnn/weights: model.json + weights.bin) with
// the defaults, prints the time of each phase, and records the fixed-set evaluation that CI checks
// (packages/gnn/weights/evaluation.json).
// Usage: npm run build && node scripts/gnn-train.mjs [outDir] [--config JSON] [--models N] [--targets N] [--epochs N] [--seed N] [--average F] [--vary-engines] [--no-fixed-set]
// (--config is merged into the default model config; --vary-engines trains on the `train-engines`
// distribution, recorded in model.json; the options are for model-selection runs.)
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixedSetEvaluation, trainGnn, TRAIN_DEFAULTS, DEFAULT_CONFIG } from '@splitc/gnn';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i === -1 ? undefined : args[i + 1]; };
// Flags without a value; every other --flag takes the next argument (so `--no-fixed-set DIR` names DIR).
const BOOLEAN = new Set(['--vary-engines', '--no-fixed-set']);
const positional = args.filter((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--') || BOOLEAN.has(args[i - 1])));
const out = positional[0] ?? path.join(root, 'packages/gnn/weights');
const config = { ...DEFAULT_CONFIG, ...JSON.parse(opt('--config') ?? '{}') };
const num = (name) => (opt(name) === undefined ? {} : { [name.slice(2)]: Number(opt(name)) });
const settings = {
  ...num('--models'), ...num('--epochs'), ...num('--seed'), ...num('--average'), ...(opt('--targets') !== undefined ? { targetsPerModel: Number(opt('--targets')) } : {}),
  ...(args.includes('--vary-engines') ? { distribution: 'train-engines' } : {}),
};
const t0 = performance.now();
const r = await trainGnn({
  out, config, ...settings,
  onProgress: (p) => {
    if (p.phase === 'train') process.stderr.write(`epoch ${p.done}/${p.total} loss ${p.loss.toFixed(4)} (${((performance.now() - t0) / 1e3).toFixed(0)} s)\n`);
    else if (p.done % 200 === 0 || p.done === p.total) process.stderr.write(`dataset ${p.done}/${p.total}\n`);
  },
});
const total = (performance.now() - t0) / 1e3;
console.log(`backend ${r.backend}; ${r.samples} samples; config ${JSON.stringify(config)}; defaults ${JSON.stringify({ ...TRAIN_DEFAULTS, ...settings })}`);
console.log(`dataset ${r.datasetSeconds.toFixed(1)} s, training ${r.trainSeconds.toFixed(1)} s, total ${total.toFixed(1)} s; final loss ${r.losses.at(-1).toFixed(4)}`);
// Model-selection runs skip it (--no-fixed-set): the fixed set is torchvision, never a selection criterion.
if (args.includes('--no-fixed-set')) process.exit(0);
const fixed = await fixedSetEvaluation(out);
writeFileSync(path.join(out, 'evaluation.json'), `${JSON.stringify(fixed, null, 2)}\n`);
console.log(JSON.stringify(fixed, null, 2));
