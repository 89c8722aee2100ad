// Generated model.py files run in Debian's PyTorch 1.13 and match onnxruntime on their partition
// (within 1e-4 of the output's scale), on every weighted fixture at several splits.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { SplitcError } from '@splitc/diagnostics';
import { emitModelPy } from '@splitc/emit-vitis';
import { analyzeModel } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';
import { partitionGraph, writePartition } from '@splitc/partition';
import { planSplit } from '@splitc/planner';
import { resolveTarget } from '@splitc/targets';
import { havePython, runPython } from '@splitc/test-support';

const root = path.resolve(__dirname, '../../..');
const work = mkdtempSync(path.join(tmpdir(), 'splitc-modelpy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Case { dir: string; label: string }

/** Writes partition.onnx, model.py, the input and onnxruntime's outputs for one split. */
async function prepare(name: string, k: number): Promise<Case> {
  const g = analyzeModel(loadModel(path.join(root, 'fixtures/models', `${name}.onnx`)));
  const mask = g.layers.map((l) => l.index < k);
  const p = partitionGraph(g, mask);
  const dpu = p.dpu!;
  const dir = path.join(work, `${name.replace('/', '_')}-${k}`);
  mkdirSync(dir);
  writePartition(dpu, path.join(dir, 'partition.onnx'));
  writeFileSync(path.join(dir, 'model.py'), emitModelPy({
    graph: g, layers: g.layers.filter((l) => mask[l.index]), inputs: dpu.inputs.map((t) => t.name), outputs: dpu.outputs.map((t) => t.name), modelName: name, splitcVersion: 'test',
  }));
  const shape = dpu.inputs[0]!.shape;
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n).map((_, i) => Math.sin(i * 0.37) + 0.25 * Math.cos(i * 0.011));
  writeFileSync(path.join(dir, 'x.bin'), new Uint8Array(x.buffer));
  const s = await ort.InferenceSession.create(path.join(dir, 'partition.onnx'));
  const out = await s.run({ [dpu.inputs[0]!.name]: new ort.Tensor('float32', x, [...shape]) });
  dpu.outputs.forEach((o, i) => writeFileSync(path.join(dir, `y${i}.bin`), new Uint8Array((out[o.name]!.data as Float32Array).buffer)));
  await s.release();
  return { dir, label: `${name} k=${k}` };
}

const CHECK = `
import importlib.util, json, sys
import numpy as np, torch
torch.manual_seed(0)
results = {}
for d in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location("model_" + str(abs(hash(d))), d + "/model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = mod.load_model()
    assert not m.training
    x = torch.from_numpy(np.fromfile(d + "/x.bin", dtype=np.float32).reshape(mod.INPUT_SHAPES[0]))
    with torch.no_grad():
        y = m(x)
    y = y if isinstance(y, tuple) else (y,)
    worst = 0.0
    for i, t in enumerate(y):
        ref = np.fromfile(d + "/y%d.bin" % i, dtype=np.float32).reshape(mod.OUTPUT_SHAPES[i])
        assert list(t.shape) == list(ref.shape), (d, i, t.shape, ref.shape)
        worst = max(worst, float(np.abs(t.numpy() - ref).max() / max(1e-12, float(np.abs(ref).max()))))
    results[d] = {"rel": worst, "outputs": len(y), "class": type(m).__name__}
print(json.dumps(results))
`;

describe.runIf(havePython('torch'))('model.py in PyTorch matches onnxruntime on the DPU partition', () => {
  it('every weighted fixture at the best split and at spread-out splits', async () => {
    const cases: Case[] = [];
    // exporters/*: recognised hard-swish/hard-sigmoid, affine scales folded into convolutions, NHWC ends, opset 7/9 forms.
    for (const name of ['lenet5-weights', 'tinyres-weights', 'mobilenetv2-weights', 'exporters/mobilenetv3-decomposed', 'exporters/tf2onnx-nhwc', 'exporters/constant-weights', 'exporters/dynamic-batch', 'exporters/opset9-upsample', 'exporters/opset7-legacy']) {
      const g = analyzeModel(loadModel(path.join(root, 'fixtures/models', `${name}.onnx`)));
      const n = g.layers.length;
      const plan = planSplit(g, resolveTarget());
      const best = plan.best.index ?? n;
      // Only splits whose DPU side the DPU can run (every layer, for the torchvision exports).
      const maxK = Math.max(...plan.candidates.filter((c) => c.kind === 'prefix').map((c) => c.index!));
      const ks = [...new Set([1, Math.floor(n / 3), Math.floor(n / 2), Math.floor((2 * n) / 3), n - 1, n, best])].filter((k) => k >= 1 && k <= maxK);
      for (const k of ks) cases.push(await prepare(name, k));
    }
    const results = JSON.parse(runPython(['-c', CHECK, ...cases.map((c) => c.dir)])) as Record<string, { rel: number; class: string }>;
    for (const c of cases) {
      expect(results[c.dir], c.label).toBeDefined();
      expect(results[c.dir]!.rel, c.label).toBeLessThanOrEqual(1e-4);
      expect(results[c.dir]!.class).toBe('DpuPartition');
    }
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });
});

describe('model.py generation refuses what it cannot translate, all at once', () => {
  it('lists every untranslatable layer', () => {
    const g = analyzeModel(loadModel(path.join(root, 'fixtures/models/efficientnet_b0.onnx')));
    const layers = g.layers.slice(0, 6);
    try {
      emitModelPy({ graph: g, layers, inputs: g.inputs, outputs: [layers.at(-1)!.outputs[0]!], modelName: 'e', splitcVersion: 'test' });
      expect.unreachable();
    } catch (e) {
      expect((e as SplitcError).code).toBe('SPLITC5004');
      // x·sigmoid(x) is one SiLU layer once recognised (recognize-activations); the DPU cannot run it.
      expect((e as SplitcError).message).toMatch(/^cannot generate code: 2 DPU layer\(s\) have no PyTorch translation: .*\(Silu\): no PyTorch translation for Silu; .*\(Silu\)/);
    }
  });
});
