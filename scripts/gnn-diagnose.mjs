#!/usr/bin/env node
// Where the GNN's predicted times go wrong, on the validation set only (zoo seed 9001, never the
// torchvision test set): mean |log error| of each predicted quantity against the planner's labels,
// per target distribution, and of the per-layer times per op class. An ensemble's prediction of a
// quantity is the mean of its members' log predictions (as its scores are).
// Usage: npm run build && node scripts/gnn-diagnose.mjs [--weights DIR]
import { buildDataset, forwardJs, loadWeights, NODE_FEATURES, OUTPUT_COLUMNS, TARGET_FEATURES, trainingDistribution, trainingZoo, VALIDATION_SEED } from '@splitc/gnn';

const args = process.argv.slice(2);
const i = args.indexOf('--weights');
const w = loadWeights(i === -1 ? undefined : args[i + 1]);
const COLS = ['objective', 'dpu-stage', 'gpu-stage', 'link', 'layer-dpu', 'layer-dpu-stream', 'layer-gpu'];
const ops = NODE_FEATURES.map((f, j) => [f, j]).filter(([f]) => f.startsWith('op:'));
const F = NODE_FEATURES.length;
for (const dist of ['train', 'shifted']) {
  const data = buildDataset({ seed: VALIDATION_SEED, models: 60, targetsPerModel: 2, distribution: dist === 'train' ? trainingDistribution(w.meta) : dist, zoo: trainingZoo(w.meta) });
  const err = COLS.map(() => [0, 0, 0]); // sum |e|, sum e, n
  const byOp = new Map();
  for (const s of data) {
    const outs = w.members.map((p) => forwardJs(p, w.meta.config, s.features, s.descriptor));
    const out = outs[0].map((_, j) => outs.reduce((a, o) => a + o[j], 0) / outs.length);
    const L = s.labels;
    // Column 1 is the DPU stage the objective uses when the weights were trained with objectiveStage.
    const dpuStage = w.meta.config.objectiveStage === true && s.descriptor[TARGET_FEATURES.indexOf('objective-stream')] === 1 ? L.dpuStreamMs : L.dpuMs;
    const lab = [L.objective, dpuStage, L.gpuMs, L.linkMs, L.layerDpuMs, L.layerDpuStreamMs, L.layerGpuMs];
    for (let n = 0; n < s.features.nodes; n++) {
      for (let c = 0; c < 7; c++) {
        const v = lab[c][n];
        if (c >= 4 && n === 0) continue;
        if (!(v > 0)) continue;
        const truth = Math.log(c >= 4 ? v + 1e-4 : v);
        const e = out[n * OUTPUT_COLUMNS + c] - truth;
        err[c][0] += Math.abs(e); err[c][1] += e; err[c][2]++;
        if (c >= 4 && v > 1e-3) {
          const op = ops.find(([, j]) => s.features.x[n * F + j] === 1)?.[0] ?? 'none';
          const key = `${op} ${COLS[c]}`;
          const a = byOp.get(key) ?? [0, 0, 0];
          a[0] += Math.abs(e); a[1] += e; a[2]++;
          byOp.set(key, a);
        }
      }
    }
  }
  console.log(`\n${dist} targets (${data.length} samples): mean |log err|, mean log err (pred − label)`);
  COLS.forEach((c, k) => console.log(`  ${c.padEnd(18)} ${(err[k][0] / err[k][2]).toFixed(3)} ${(err[k][1] / err[k][2]).toFixed(3)}  n=${err[k][2]}`));
  console.log('  per op class (layers over 1 µs):');
  for (const [k, a] of [...byOp].sort()) console.log(`    ${k.padEnd(34)} ${(a[0] / a[2]).toFixed(3)} ${(a[1] / a[2]).toFixed(3)}  n=${a[2]}`);
}
