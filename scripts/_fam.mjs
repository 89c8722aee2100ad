import { buildDataset, forwardJs, gnnPicks, loadWeights, OUTPUT_COLUMNS, VALIDATION_SEED } from '@splitc/gnn';
const w = loadWeights(process.argv[2] || undefined);
const fam = process.argv[3];
const data = buildDataset({ seed: VALIDATION_SEED, models: 300, targetsPerModel: 4, distribution: 'train', zoo: 2 }).filter((s) => s.family === fam);
const picks = gnnPicks(w.members, w.meta.config, data);
const COLS = ['objective', 'dpu-stage', 'gpu-stage', 'link', 'layer-dpu', 'layer-dpu-stream', 'layer-gpu'];
const err = COLS.map(() => [0, 0, 0]);
let miss = 0;
data.forEach((s, i) => {
  const outs = w.members.map((p) => forwardJs(p, w.meta.config, s.features, s.descriptor));
  const out = outs[0].map((_, j) => outs.reduce((a, o) => a + o[j], 0) / outs.length);
  const L = s.labels;
  const lab = [L.objective, L.dpuMs, L.gpuMs, L.linkMs, L.layerDpuMs, L.layerDpuStreamMs, L.layerGpuMs];
  for (let n = 0; n < s.features.nodes; n++) for (let c = 0; c < 7; c++) {
    const v = lab[c][n]; if (c >= 4 && n === 0) continue; if (!(v > 0)) continue;
    const e = out[n * OUTPUT_COLUMNS + c] - Math.log(c >= 4 ? v + 1e-4 : v);
    err[c][0] += Math.abs(e); err[c][1] += e; err[c][2]++;
  }
  const r = s.costs[picks[i]] / s.exactBest - 1;
  if (r > 0.01) {
    miss++;
    const fin = [...s.costs].map((c, k) => [c, k]).filter(([c]) => isFinite(c)).sort((a, b) => a[0] - b[0]);
    const st = (k) => `${k}:${(100*(s.costs[k]/s.exactBest-1)).toFixed(1)}% d${L.dpuMs[k]?.toFixed(3)} g${L.gpuMs[k]?.toFixed(3)} l${L.linkMs[k]?.toFixed(3)} pred obj ${Math.exp(out[k*OUTPUT_COLUMNS]).toFixed(3)}`;
    console.log(`${s.model} ${s.targetLabel} nodes ${s.features.nodes} max ${s.features.maxPrefix} regret ${(100*r).toFixed(1)}% | pick ${st(picks[i])} | best ${st(fin[0][1])}`);
  }
});
console.log(`${fam}: ${data.length} samples, ${miss} misses`);
COLS.forEach((c, k) => console.log(`  ${c.padEnd(18)} ${(err[k][0] / err[k][2]).toFixed(3)} ${(err[k][1] / err[k][2]).toFixed(3)}  n=${err[k][2]}`));
