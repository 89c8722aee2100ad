#!/usr/bin/env node
// Calibrates the VCK190 DPU profile against the published Vitis AI 3.0 Model Zoo figures and
// prints the estimate-vs-published table of docs/calibration.md.
//
//   node scripts/calibrate-dpu.mjs            # print the table for the shipped profile
//   node scripts/calibrate-dpu.mjs --fit      # grid-search the fitted parameters, print them
//   node scripts/calibrate-dpu.mjs --fit --write   # ... and write them into the profile
//
// Fitted parameters: conv/fc efficiency, depthwise efficiency, per-layer overhead, memory
// efficiency. The data: the multi-thread (saturated stream) fps of ResNet50, MobileNetV2 and
// VGG16 on 1 x DPUCVDX8G C32B6 @ 1250 MHz, which the DPU-only stream estimate must match within
// +-30%. Three points and four parameters: this is a calibration, not a validation.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeModel } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';
import { planSplit } from '@splitc/planner';
import { resolveTarget } from '@splitc/targets';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const profileFile = path.join(root, 'packages/targets/profiles/vck190.json');

// Vitis AI 3.0 Model Zoo, VCK190 (1 x DPUCVDX8G 192 AIEs C32B6CU1L2S2 @ 1250 MHz), INT8, end to end.
const PUBLISHED = [
  { zoo: 'pt_resnet50', model: 'resnet50', singleFps: 1345.7, multiFps: 2688.35 },
  { zoo: 'tf_mobilenetv2_1.0', model: 'mobilenetv2', singleFps: 1887.59, multiFps: 4930.31 },
  { zoo: 'tf_vgg16', model: 'vgg16', singleFps: 505.43, multiFps: 621.19 },
];

const graphs = Object.fromEntries(PUBLISHED.map((p) => [p.model, analyzeModel(loadModel(path.join(root, 'fixtures/models', `${p.model}.onnx`)))]));
const base = resolveTarget({ target: 'vck190+rtx2080' });

function withParams(dpu, q) {
  return { ...base, dpu: { ...dpu, efficiency: { ...dpu.efficiency, conv: q.conv, fc: q.conv, depthwise: q.depthwise, grouped: q.depthwise }, overheads: { ...dpu.overheads, perLayerMs: q.perLayerMs }, memory: { ...dpu.memory, efficiency: q.memory } } };
}

function estimate(target) {
  return PUBLISHED.map((p) => {
    const plan = planSplit(graphs[p.model], target, { minCut: false });
    const dpuOnly = plan.baselines.dpuOnly;
    return { ...p, streamMs: dpuOnly.streamMs, frameMs: dpuOnly.dpuMs, fps: 1000 / dpuOnly.streamMs };
  });
}

function table(rows) {
  const lines = ['| model (zoo) | published multi-thread fps | estimate fps (DPU-only, stream) | error | published single-thread fps | estimate one-frame latency |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const err = (r.fps / r.multiFps - 1) * 100;
    lines.push(`| ${r.model} (${r.zoo}) | ${r.multiFps} | ${r.fps.toFixed(1)} | ${err >= 0 ? '+' : ''}${err.toFixed(1)}% | ${r.singleFps} | ${r.frameMs.toFixed(3)} ms |`);
  }
  return lines.join('\n');
}

const args = process.argv.slice(2);
if (args.includes('--fit')) {
  let best;
  for (const conv of [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1])
    for (const depthwise of [0.05, 0.1, 0.15, 0.2, 0.3])
      for (const perLayerMs of [0, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05])
        for (const memory of [0.4, 0.5, 0.6, 0.7, 0.8]) {
          const q = { conv, depthwise, perLayerMs, memory };
          const rows = estimate(withParams(base.dpu, q));
          const worst = Math.max(...rows.map((r) => Math.abs(Math.log(r.fps / r.multiFps))));
          if (best === undefined || worst < best.worst - 1e-12) best = { q, worst, rows };
        }
  console.log('fitted:', JSON.stringify(best.q), `worst error ${((Math.exp(best.worst) - 1) * 100).toFixed(1)}%`);
  console.log(table(best.rows));
  if (args.includes('--write')) {
    const json = JSON.parse(readFileSync(profileFile, 'utf8'));
    const d = json.devices.vck190;
    d.efficiency = { conv: best.q.conv, depthwise: best.q.depthwise, grouped: best.q.depthwise, fc: best.q.conv };
    d.overheads.perLayerMs = best.q.perLayerMs;
    d.memory.efficiency = best.q.memory;
    writeFileSync(profileFile, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`wrote ${path.relative(root, profileFile)}`);
  }
} else {
  console.log(table(estimate(base)));
  // GPU plausibility (not a calibration): ResNet-50 batch 1 on the RTX 2080 against the nearest
  // published Turing figures.
  console.log('\n| GPU estimate | ResNet-50, batch 1 | reference points |\n|---|---|---|');
  for (const precision of ['fp32', 'fp16']) {
    const plan = planSplit(graphs.resnet50, resolveTarget({ precision }), { minCut: false });
    const ref = precision === 'fp32' ? 'RTX 2080 Ti 2.044 ms (TensorRT 7.1); T4 2.97 ms (TensorRT 7.2)' : 'T4 1.26 ms (TensorRT 7.2)';
    console.log(`| RTX 2080 ${precision} | ${plan.baselines.gpuOnly.gpuMs.toFixed(3)} ms | ${ref} |`);
  }
}
