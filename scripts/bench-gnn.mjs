#!/usr/bin/env node
// GNN inference time after load: ResNet152 (and two others) on the default target, the model
// analysed once; each prediction computes the features, runs the network once per ensemble member
// (JavaScript with WebAssembly SIMD products, packages/gnn/src/infer.ts) and decodes a cut. Also
// the first prediction on a freshly analysed graph, and the cost of loading: importing @splitc/gnn and reading the weights (TensorFlow.js is not loaded for inference; the script says whether it was).
// Prints wall-clock and CPU time (user + system of this process): on a shared machine the wall
// clock includes time spent waiting for a core, the CPU time does not.
// Usage: npm run build && node scripts/bench-gnn.mjs [weightsDir]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeModel } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';
import { resolveTarget } from '@splitc/targets';

console.log(`load average ${(await import('node:os')).loadavg().map((v) => v.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores`);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let t0 = performance.now();
const { graphFeatures, loadPredictor, ensembleScores, targetDescriptor, decode, wasmMatmulAvailable } = await import('@splitc/gnn');
const importMs = performance.now() - t0;
t0 = performance.now();
const predictor = await loadPredictor(process.argv[2] !== undefined ? { weightsDir: process.argv[2] } : {});
console.log(`import @splitc/gnn: ${importMs.toFixed(1)} ms; load weights: ${(performance.now() - t0).toFixed(1)} ms; forward pass: ${predictor.backend} (WebAssembly SIMD products: ${wasmMatmulAvailable()}), ${predictor.members} member${predictor.members === 1 ? '' : 's'}; TensorFlow.js loaded: ${globalThis._tfengine !== undefined}; config ${JSON.stringify(predictor.config)}`);
const { loadWeights } = await import('@splitc/gnn');
const w = loadWeights(process.argv[2]);
const target = resolveTarget();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const min = (xs) => Math.min(...xs);
for (const name of ['resnet152', 'densenet121', 'mobilenetv2']) {
  const g = analyzeModel(loadModel(path.join(root, 'fixtures/models', `${name}.onnx`)));
  for (let i = 0; i < 10; i++) predictor.predict(g, target, 'stream'); // warm-up (JIT)
  const feats = [];
  const net = [];
  const total = [];
  const cpu = [];
  let k = -1;
  for (let i = 0; i < 30; i++) {
    let t = performance.now();
    const f = graphFeatures(g, target);
    feats.push(performance.now() - t);
    const d = targetDescriptor(target, 'stream');
    t = performance.now();
    decode(ensembleScores(w.members, w.meta.config, f, d));
    net.push(performance.now() - t);
    t = performance.now();
    const c = process.cpuUsage();
    k = predictor.predict(g, target, 'stream').index;
    const u = process.cpuUsage(c);
    total.push(performance.now() - t);
    cpu.push((u.user + u.system) / 1e3);
  }
  // The first prediction on a freshly analysed graph: the per-graph caches (window geometry, GPU
  // roles, DPU classes) are empty then (in plan/compile the exact planner has filled them first).
  // Right after an analysis, V8's collector and compiler threads are still busy with what it left
  // and slow every prediction, on old graphs too, for a few calls: wait for them first.
  const first = [];
  for (let i = 0; i < 10; i++) {
    const fresh = analyzeModel(loadModel(path.join(root, 'fixtures/models', `${name}.onnx`)));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const t = performance.now();
    predictor.predict(fresh, target, 'stream');
    first.push(performance.now() - t);
  }
  console.log(`${name} (${g.layers.length} layers): first prediction on a freshly analysed graph median ${median(first).toFixed(2)} ms`);
  console.log(`${name} (${g.layers.length} layers): predict median ${median(total).toFixed(2)} ms wall (min ${min(total).toFixed(2)}), ${median(cpu).toFixed(2)} ms CPU; features median ${median(feats).toFixed(2)} ms (min ${min(feats).toFixed(2)}), network + decode median ${median(net).toFixed(2)} ms (min ${min(net).toFixed(2)}); k = ${k}`);
}
