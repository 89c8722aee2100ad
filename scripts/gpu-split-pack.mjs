#!/usr/bin/env node
// Measured GPU profiles, step 1 of 2: writes, for each model, the GPU half at every candidate
// prefix split k as splitc-generated PyTorch code (the same emitter as `compile`'s dpu/model.py,
// applied to layers k..n-1 with the cut's crossing tensors as inputs). Step 2,
// scripts/measure-gpu-half.py, runs on the machine with the GPU, times each half with CUDA graphs
// and writes a suffix timing file that `splitc plan --profile-gpu FILE` accepts.
//
//   node scripts/gpu-split-pack.mjs OUT.json MODEL.onnx[:every] [MODEL.onnx[:every] ...]
//
// `:every` keeps every N-th split (default 1: all of them). Weights are not needed: the halves
// are timed with random weights, which does not change a dense kernel's time.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeModel, cutTensors } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';
import { emitModelPy } from '@splitc/emit-vitis';

const [outFile, ...specs] = process.argv.slice(2);
if (outFile === undefined || specs.length === 0) {
  console.error('usage: node scripts/gpu-split-pack.mjs OUT.json MODEL.onnx[:every] ...');
  process.exit(2);
}
const models = [];
for (const spec of specs) {
  const [file, every = '1'] = spec.split(':');
  const step = Number(every);
  const g = analyzeModel(loadModel(file));
  const n = g.layers.length;
  const splits = [];
  for (let k = 0; k < n; k += step) {
    const mask = g.layers.map((_, i) => i < k);
    const crossing = k === 0 ? g.inputs.map((name) => ({ name })) : cutTensors(g, mask);
    const source = emitModelPy({
      graph: g, layers: g.layers.slice(k), inputs: crossing.map((t) => t.name), outputs: [...g.outputs],
      modelName: path.basename(file), splitcVersion: 'gpu-split-pack',
    });
    splits.push({ k, from: g.layers[k].name, inputs: crossing.map((t) => ({ name: t.name, shape: [...g.tensors.get(t.name).shape] })), source });
  }
  models.push({ model: path.basename(file, '.onnx'), file: path.relative(process.cwd(), file), layers: g.layers.map((l) => l.name), splits });
  console.error(`${file}: ${n} layers, ${splits.length} splits`);
}
writeFileSync(outFile, JSON.stringify({ schemaVersion: 1, models }));
