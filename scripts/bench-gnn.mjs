#!/usr/bin/env node
// GNN inference time after load: ResNet152 (and two others) on the default target, the model
// analysed once; each prediction computes the features, runs the network and decodes a cut.
// Prints wall-clock and CPU time (user + system of this process): on a shared machine the wall
// clock includes time spent waiting for a core, the CPU time does not.
// Usage: npm run build && node scripts/bench-gnn.mjs [weightsDir]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { graphFeatures, loadPredictor } from '@splitc/gnn';
import { analyzeModel } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';
import { resolveTarget } from '@splitc/targets';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const t0 = performance.now();
const predictor = await loadPredictor(process.argv[2] !== undefined ? { weightsDir: process.argv[2] } : {});
console.log(`load (weights + ${predictor.backend} backend): ${(performance.now() - t0).toFixed(1)} ms; config ${JSON.stringify(predictor.config)}`);
const target = resolveTarget();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const name of ['resnet152', 'densenet121', 'mobilenetv2']) {
  const g = analyzeModel(loadModel(path.join(root, 'fixtures/models', `${name}.onnx`)));
  for (let i = 0; i < 10; i++) predictor.predict(g, target, 'stream'); // warm-up (JIT, wasm memory growth)
  const feats = [];
  const total = [];
  const cpu = [];
  let k = -1;
  for (let i = 0; i < 20; i++) {
    let t = performance.now();
    graphFeatures(g, target);
    feats.push(performance.now() - t);
    t = performance.now();
    const c = process.cpuUsage();
    k = predictor.predict(g, target, 'stream').index;
    const d = process.cpuUsage(c);
    total.push(performance.now() - t);
    cpu.push((d.user + d.system) / 1e3);
  }
  console.log(`${name} (${g.layers.length} layers): predict median ${median(total).toFixed(2)} ms wall, ${median(cpu).toFixed(2)} ms CPU (features alone ${median(feats).toFixed(2)} ms wall); k = ${k}`);
}
