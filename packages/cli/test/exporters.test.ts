// Handmade models in other exporters' patterns (fixtures/models/exporters, made by
// scripts/make-exporter-fixtures.mjs): each imports, plans and compiles, and its two partitions,
// run one after the other in onnxruntime, reproduce the source model at every candidate split —
// through the canonicalisation passes (Constant-node weights, recognised activations, affine
// scales folded into convolutions, dynamic batch, opset 7/9 forms).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel, graphTotals, type Graph } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';
import { partitionGraph } from '@splitc/partition';
import { maxRelDiff, runStitched } from '@splitc/test-support';
import { planSplit } from '@splitc/planner';
import { resolveTarget } from '@splitc/targets';
import { compile, inspect, plan } from 'splitc';
import { ROOT, splitc } from './run-cli.js';

const dir = path.join(ROOT, 'fixtures/models/exporters');
const work = mkdtempSync(path.join(tmpdir(), 'splitc-exporters-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function feed(g: Graph): { name: string; tensor: ort.Tensor } {
  const name = g.inputs[0]!;
  const shape = [...g.tensors.get(name)!.shape!];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.37) * 2 + 0.5 * Math.cos(i * 0.011);
  return { name, tensor: new ort.Tensor('float32', x, shape) };
}

const FIXTURES = readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort();

describe('exporter patterns: import, plan, compile, stitched partitions agree with onnxruntime', () => {
  it('has the fixtures', () => expect(FIXTURES.length).toBeGreaterThanOrEqual(8));
  for (const file of FIXTURES) {
    it(file, async () => {
      const src = loadModel(path.join(dir, file));
      const g = analyzeModel(src);
      const input = feed(g);
      const full = await ort.InferenceSession.create(src.bytes);
      const ref = await full.run({ [input.name]: input.tensor });
      const plan = planSplit(g, resolveTarget());
      let checked = 0;
      for (const c of plan.candidates) {
        const mask = c.kind === 'prefix' ? g.layers.map((l) => l.index < c.index!) : g.layers.map((l) => plan.split.dpuLayers.includes(l.name));
        const out = await runStitched(g.outputs, partitionGraph(g, mask), input);
        for (const o of g.outputs) {
          expect(out[o]!.dims, `${file} k=${c.index}`).toEqual(ref[o]!.dims);
          expect(maxRelDiff(out[o]!.data as Float32Array, ref[o]!.data as Float32Array), `${file} k=${c.index}`).toBeLessThanOrEqual(1e-4);
        }
        checked++;
      }
      expect(checked).toBe(plan.candidates.length);
      await full.release();
      const m = compile(path.join(dir, file), { output: path.join(work, file), force: true });
      expect(m.artifacts.length).toBeGreaterThan(0);
    });
  }
});

describe('what the canonicalisation buys', () => {
  it('weights as Constant nodes and as initializers: identical inspect --json totals and layers', () => {
    const a = inspect(path.join(dir, 'constant-weights.onnx'));
    const b = inspect(path.join(dir, 'constant-weights-init.onnx'));
    expect(a.totals).toEqual(b.totals);
    expect(a.layers).toEqual(b.layers);
    expect(graphTotals(analyzeModel(loadModel(path.join(dir, 'constant-weights.onnx')))).params).toBe(a.totals.params);
  });

  it('MobileNetV3-style (decomposed hard-swish, affine scales): the whole backbone goes to the DPU', () => {
    const g = analyzeModel(loadModel(path.join(dir, 'mobilenetv3-decomposed.onnx')));
    const plan = planSplit(g, resolveTarget());
    // Every layer up to the classifier may run on the DPU (before: the first `x + 3` of the
    // decomposed hard-swish, "Add of a constant", stopped the DPU side after one convolution).
    expect(plan.unsupported).toEqual([]);
    const onDpu = new Set(plan.split.dpuLayers);
    for (const l of g.layers.filter((x) => ['Conv', 'HardSwish', 'HardSigmoid'].includes(x.op))) expect(onDpu.has(l.name), l.name).toBe(true);
  });

  it('tf2onnx NHWC: the transposes between convolutions cancel; the model can run DPU-only', () => {
    const g = analyzeModel(loadModel(path.join(dir, 'tf2onnx-nhwc.onnx')));
    expect(g.layers.filter((l) => l.op === 'Transpose').map((l) => l.index)).toEqual([0, g.layers.length - 1]);
    expect(planSplit(g, resolveTarget()).baselines.dpuOnly).not.toBeNull();
  });

  it('a dynamic batch is planned at batch 1, with a warning naming the input and the dim (inspect, plan, compile, the CLI)', () => {
    const model = path.join(dir, 'dynamic-batch.onnx');
    const r = inspect(model);
    expect(r.inputs[0]!.shape).toEqual([1, 3, 16, 16]);
    expect(r.totals).toEqual(inspect(path.join(dir, 'constant-weights-init.onnx')).totals);
    const warning = 'input "input": dim 0 is dynamic ("N"); planned and compiled for a batch of 1 (give an input shape to choose another)';
    // Before, the batch became 1 silently.
    expect(r.warnings).toEqual([warning]);
    expect(inspect(model, { inputShapes: { input: [1, 3, 16, 16] } }).warnings).toEqual([]);
    expect(inspect(path.join(dir, 'constant-weights-init.onnx')).warnings).toEqual([]);
    const planned: string[] = [];
    plan(model, { onWarning: (w) => planned.push(w) });
    expect(planned).toEqual([warning]);
    const compiled: string[] = [];
    compile(model, { output: path.join(work, 'dynamic-batch-warned'), force: true, onWarning: (w) => compiled.push(w) });
    expect(compiled).toEqual([warning]);
    const cli = splitc(['compile', model, '-o', path.join(work, 'dynamic-batch-cli'), '--force']);
    expect(cli.status).toBe(0);
    expect(cli.stderr).toBe(`warning: ${warning}\n`);
    const json = splitc(['inspect', model, '--json']);
    expect(JSON.parse(json.stdout).warnings).toEqual([warning]);
    expect(json.stderr).toBe(`warning: ${warning}\n`);
    for (const args of [['inspect', model], ['plan', model]]) {
      const r2 = splitc(args);
      expect(r2.status, args.join(' ')).toBe(0);
      expect(r2.stderr, args.join(' ')).toBe(`warning: ${warning}\n`);
      // --quiet silences warnings.
      expect(splitc([...args, '--quiet']).stderr, args.join(' ')).toBe('');
    }
  });
});
