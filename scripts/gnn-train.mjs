#!/usr/bin/env node
// Trains the shipped GNN weights from scratch (packages/gnn/weights: model.json + weights.bin) with
// the defaults — an ensemble of one member per seed of TRAIN_DEFAULTS.seeds, the members in parallel
// processes — prints the time of each member's phases and the wall time, and records the fixed-set
// evaluation that CI checks (packages/gnn/weights/evaluation.json).
// Usage: npm run build && node scripts/gnn-train.mjs [outDir] [--config JSON] [--models N] [--targets N] [--epochs N] [--seeds N,N,...|--seed N] [--parallel N] [--average F] [--rank-weight F] [--zoo N] [--no-graph-balance] [--vary-engines | --distribution train|train-engines|train-bank] [--no-fixed-set]
// (--config is merged into the default model config; --vary-engines trains on the `train-engines`
// distribution, --zoo 1 on the zoo generator's version 1 instead of the default 2, and
// --no-graph-balance weighs each graph by its node count, each recorded in model.json as it
// differs from the files before the option; the options are for model-selection runs.)
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixedSetEvaluation, trainEnsemble, TRAIN_DEFAULTS, DEFAULT_CONFIG } from '@splitc/gnn';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i === -1 ? undefined : args[i + 1]; };
// Flags without a value; every other --flag takes the next argument (so `--no-fixed-set DIR` names DIR).
const BOOLEAN = new Set(['--vary-engines', '--no-fixed-set', '--graph-balance', '--no-graph-balance']);
const positional = args.filter((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--') || BOOLEAN.has(args[i - 1])));
const out = positional[0] ?? path.join(root, 'packages/gnn/weights');
const config = { ...DEFAULT_CONFIG, ...JSON.parse(opt('--config') ?? '{}') };
const num = (name) => (opt(name) === undefined ? {} : { [name.slice(2)]: Number(opt(name)) });
const settings = {
  ...num('--models'), ...num('--epochs'), ...num('--average'), ...num('--parallel'), ...num('--zoo'), ...(opt('--targets') !== undefined ? { targetsPerModel: Number(opt('--targets')) } : {}),
  ...(opt('--rank-weight') !== undefined ? { rankWeight: Number(opt('--rank-weight')) } : {}),
  ...(opt('--seed') !== undefined ? { seeds: [Number(opt('--seed'))] } : opt('--seeds') !== undefined ? { seeds: opt('--seeds').split(',').map(Number) } : {}),
  ...(args.includes('--vary-engines') ? { distribution: 'train-engines' } : opt('--distribution') !== undefined ? { distribution: opt('--distribution') } : {}),
  // On by default (TRAIN_DEFAULTS.graphBalance); --graph-balance is accepted for the seventh pass's commands.
  ...(args.includes('--no-graph-balance') ? { graphBalance: false } : args.includes('--graph-balance') ? { graphBalance: true } : {}),
};
const t0 = performance.now();
const r = await trainEnsemble({
  out, config, ...settings,
  onProgress: (p) => {
    const who = `member ${p.member + 1}/${p.members}`;
    if (p.phase === 'train') process.stderr.write(`${who} epoch ${p.done}/${p.total} loss ${p.loss.toFixed(4)} (${((performance.now() - t0) / 1e3).toFixed(0)} s)\n`);
    else if (p.done % 200 === 0 || p.done === p.total) process.stderr.write(`${who} dataset ${p.done}/${p.total}\n`);
  },
});
console.log(`config ${JSON.stringify(config)}; defaults ${JSON.stringify({ ...TRAIN_DEFAULTS, ...settings })}`);
for (const m of r.members) {
  console.log(`member seed ${m.seed}: backend ${m.backend}; ${m.samples} samples; dataset ${m.datasetSeconds.toFixed(1)} s, training ${m.trainSeconds.toFixed(1)} s; final loss ${m.losses.at(-1).toFixed(4)}`);
}
console.log(`ensemble of ${r.members.length}: ${r.seconds.toFixed(1)} s wall`);
// Model-selection runs skip it (--no-fixed-set): the fixed set is torchvision, never a selection criterion.
if (args.includes('--no-fixed-set')) process.exit(0);
const fixed = await fixedSetEvaluation(out);
writeFileSync(path.join(out, 'evaluation.json'), `${JSON.stringify(fixed, null, 2)}\n`);
console.log(JSON.stringify(fixed, null, 2));
