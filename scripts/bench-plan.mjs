#!/usr/bin/env node
// Benchmark: `splitc plan` on ResNet152, the time spent beyond import (target resolution, costs,
// prefix cuts, min-cut sweep, plan assembly). Prints figures; not a test.
//
//   node scripts/bench-plan.mjs [MODEL] [--runs N]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeModel } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';
import { planSplit } from '@splitc/planner';
import { resolveTarget } from '@splitc/targets';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 10;
const model = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs') ?? path.join(root, 'fixtures/models/resnet152.onnx');

const t0 = performance.now();
const g = analyzeModel(loadModel(model));
const importMs = performance.now() - t0;
const times = [];
let plan;
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  plan = planSplit(g, resolveTarget({}), {});
  times.push(performance.now() - t);
}
const sorted = [...times].sort((a, b) => a - b);
console.log(`model            ${path.relative(root, model)} (${g.layers.length} layers, ${plan.candidates.length} candidates)`);
console.log(`import+analyse   ${importMs.toFixed(1)} ms (first run, includes JIT warm-up)`);
console.log(`plan beyond import: first ${times[0].toFixed(1)} ms, median ${sorted[Math.floor(runs / 2)].toFixed(1)} ms, max ${sorted[runs - 1].toFixed(1)} ms over ${runs} runs`);
console.log(`target           < 300 ms: ${times[0] < 300 && sorted[runs - 1] < 300 ? 'met' : 'NOT met'}`);
