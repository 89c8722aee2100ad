#!/usr/bin/env node
// Where the GNN's predicted times go wrong, on the validation set only (zoo seed 9001, never the
// torchvision test set): mean |log error| of each predicted quantity against the planner's labels,
// per target distribution, and of the per-layer times per op class. An ensemble's prediction of a
// quantity is the mean of its members' log predictions (as its scores are).
// With --gpu-roles (twelfth pass), the GPU per-layer errors instead, by the GPU model's kernel role
// and class, the GEMM tile use of a kernel's output channels and how much of its traffic the cache
// holds (150 validation models × 2 targets of the weights' training distribution).
// Usage: npm run build && node scripts/gnn-diagnose.mjs [--weights DIR] [--gpu-roles]
import { buildDataset, datasetModels, forwardJs, labelSample, loadWeights, NODE_FEATURES, OUTPUT_COLUMNS, TARGET_FEATURES, trainingDistribution, trainingZoo, VALIDATION_SEED } from '@splitc/gnn';
import { gpuLayerTerms, gpuRoles, gpuTileUse } from '@splitc/targets';

const args = process.argv.slice(2);
const i = args.indexOf('--weights');
const w = loadWeights(i === -1 ? undefined : args[i + 1]);
/** An ensemble's prediction: the mean of its members' log outputs. */
const predict = (s) => {
  const outs = w.members.map((p) => forwardJs(p, w.meta.config, s.features, s.descriptor));
  return outs[0].map((_, j) => outs.reduce((a, o) => a + o[j], 0) / outs.length);
};
const line = (k, a) => `    ${k.padEnd(34)} ${(a[0] / a[2]).toFixed(3)} ${(a[1] / a[2]).toFixed(3)}  n=${a[2]}`;
if (args.includes('--gpu-roles')) {
  // The same models and targets as buildDataset draws, with the graphs kept (the GPU roles need them).
  const dist = trainingDistribution(w.meta);
  const by = new Map();
  const add = (k, e) => { const a = by.get(k) ?? [0, 0, 0]; a[0] += Math.abs(e); a[1] += e; a[2]++; by.set(k, a); };
  const bucket = (u) => (u >= 0.999 ? '1' : u >= 0.75 ? '[0.75, 1)' : u >= 0.5 ? '[0.5, 0.75)' : u >= 0.25 ? '[0.25, 0.5)' : '< 0.25');
  for (const { graph: g, model, family, targets } of datasetModels({ seed: VALIDATION_SEED, models: 150, targetsPerModel: 2, distribution: dist, zoo: trainingZoo(w.meta) })) {
    const roles = gpuRoles(g);
    for (const t of targets) {
      const s = labelSample(g, model, family, t.target, t.objective, t.label);
      const out = predict(s);
      for (const l of g.layers) {
        const v = s.labels.layerGpuMs[l.index + 1];
        if (!(v > 1e-3)) continue;
        const e = out[(l.index + 1) * OUTPUT_COLUMNS + 6] - Math.log(v + 1e-4);
        const role = roles[l.index];
        add(`role ${role.kind === 'kernel' ? `kernel ${role.cls}` : role.kind === 'fused' ? `fused${role.counted ? '' : ', weights only'}` : role.kind}`, e);
        if (role.kind !== 'kernel' || role.cls === 'memory' || role.cls === 'depthwise') continue;
        add(`tile use ${bucket(gpuTileUse(g, l, role.cls))}`, e);
        const terms = gpuLayerTerms(g, l, t.target.gpu, t.target.precision);
        const cached = terms.cachedMs / (terms.cachedMs + terms.peakMemoryMs);
        add(`cached share of traffic ${cached === 0 ? '0' : cached > 0.5 ? '> 0.5' : '(0, 0.5]'}`, e);
      }
    }
  }
  console.log(`GPU per-layer times (layers over 1 µs), ${dist} targets, 150 validation models × 2: mean |log err|, mean log err (pred − label)`);
  for (const [k, a] of [...by].sort()) console.log(line(k, a));
  process.exit(0);
}
const COLS = ['objective', 'dpu-stage', 'gpu-stage', 'link', 'layer-dpu', 'layer-dpu-stream', 'layer-gpu'];
const ops = NODE_FEATURES.map((f, j) => [f, j]).filter(([f]) => f.startsWith('op:'));
const F = NODE_FEATURES.length;
// The weights' training distribution (train-bank for the shipped weights), then the shifted one.
for (const dist of [trainingDistribution(w.meta), 'shifted']) {
  const data = buildDataset({ seed: VALIDATION_SEED, models: 60, targetsPerModel: 2, distribution: dist, zoo: trainingZoo(w.meta) });
  const err = COLS.map(() => [0, 0, 0]); // sum |e|, sum e, n
  const byOp = new Map();
  for (const s of data) {
    const out = predict(s);
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
  for (const [k, a] of [...byOp].sort()) console.log(line(k, a));
}
