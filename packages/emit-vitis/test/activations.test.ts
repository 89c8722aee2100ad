// Decomposed ReLU6 (Max/Min, as tf2onnx and hand-written graphs write it) and GELU's tanh
// approximation (PyTorch approximate='tanh' before opset 20; tf2onnx/Keras) end to end: recognised
// as one layer, ReLU6 on the DPU, the partitions stitched in onnxruntime equal to the source at
// every candidate split, and model.py (nn.ReLU6, nn.GELU(approximate="tanh")) equal to
// onnxruntime in PyTorch.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { emitModelPy } from '@splitc/emit-vitis';
import { analyzeModel, type Graph } from '@splitc/ir';
import { DataType, loadModelFromBytes, type NodeInput } from '@splitc/onnx';
import { partitionGraph, writePartition } from '@splitc/partition';
import { planSplit } from '@splitc/planner';
import { dpuSupport, resolveTarget } from '@splitc/targets';
import { floats, havePython, maxRelDiff, model, runPython, runStitched, vi } from '@splitc/test-support';

const work = mkdtempSync(path.join(tmpdir(), 'splitc-activations-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const scalar = (name: string, v: number) => ({ name, dataType: DataType.FLOAT, dims: [], data: floats([v]) });
const weights = (name: string, dims: number[], seed: number) => ({
  name, dataType: DataType.FLOAT, dims, data: floats(Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => 0.3 * Math.sin(seed + i * 0.7))),
});

/** GELU (tanh) of `x` into `y`, in PyTorch's arrangement (p = prefix for unique names). */
function geluPyTorch(p: string, x: string, y: string): NodeInput[] {
  return [
    { opType: 'Mul', inputs: [x, x], outputs: [`${p}xx`] }, { opType: 'Mul', inputs: [x, `${p}xx`], outputs: [`${p}x3`] },
    { opType: 'Mul', inputs: ['kappa', `${p}x3`], outputs: [`${p}kx3`] }, { opType: 'Add', inputs: [x, `${p}kx3`], outputs: [`${p}s`] },
    { opType: 'Mul', inputs: ['beta', `${p}s`], outputs: [`${p}in`] }, { opType: 'Tanh', inputs: [`${p}in`], outputs: [`${p}t`] },
    { opType: 'Add', inputs: ['one', `${p}t`], outputs: [`${p}a`] }, { opType: 'Mul', inputs: [x, `${p}a`], outputs: [`${p}xa`] },
    { name: `${p}gelu`, opType: 'Mul', inputs: ['half', `${p}xa`], outputs: [y] },
  ];
}

/** The same in tf2onnx's arrangement: Pow(x, 3), 0.5·x first. */
function geluTf2onnx(p: string, x: string, y: string): NodeInput[] {
  return [
    { opType: 'Pow', inputs: [x, 'three'], outputs: [`${p}x3`] }, { opType: 'Mul', inputs: [`${p}x3`, 'kappa'], outputs: [`${p}kx3`] },
    { opType: 'Add', inputs: [`${p}kx3`, x], outputs: [`${p}s`] }, { opType: 'Mul', inputs: [`${p}s`, 'beta'], outputs: [`${p}in`] },
    { opType: 'Tanh', inputs: [`${p}in`], outputs: [`${p}t`] }, { opType: 'Add', inputs: [`${p}t`, 'one'], outputs: [`${p}a`] },
    { opType: 'Mul', inputs: ['half', x], outputs: [`${p}hx`] }, { name: `${p}gelu`, opType: 'Mul', inputs: [`${p}hx`, `${p}a`], outputs: [y] },
  ];
}

/** GELU (erf) of `x` into `y`: x · ½ · (1 + erf(x / √2)), as PyTorch exports nn.GELU() before opset 20. */
function geluErf(p: string, x: string, y: string): NodeInput[] {
  return [
    { opType: 'Div', inputs: [x, 'sqrt2'], outputs: [`${p}d`] }, { opType: 'Erf', inputs: [`${p}d`], outputs: [`${p}e`] },
    { opType: 'Add', inputs: [`${p}e`, 'one'], outputs: [`${p}a`] }, { opType: 'Mul', inputs: [x, `${p}a`], outputs: [`${p}m`] },
    { name: `${p}gelu`, opType: 'Mul', inputs: [`${p}m`, 'half'], outputs: [y] },
  ];
}

const conv = (name: string, x: string, w: string, y: string, pad: number): NodeInput => ({
  name, opType: 'Conv', inputs: [x, w, `${w}_b`], outputs: [y], attributes: [{ name: 'pads', type: 'ints', ints: [pad, pad, pad, pad] }],
});

/** Conv → ReLU6 (Max/Min) → Conv → GELU-tanh (PyTorch) → Conv → ReLU6 (Min(Relu)) → Conv → GELU-tanh (tf2onnx) → GELU (erf). */
const BYTES = model({
  nodes: [
    conv('c1', 'x', 'w1', 'c1', 1), { opType: 'Max', inputs: ['c1', 'zero'], outputs: ['m1'] }, { name: 'relu6a', opType: 'Min', inputs: ['m1', 'six'], outputs: ['r1'] },
    conv('c2', 'r1', 'w2', 'c2', 0), ...geluPyTorch('g1/', 'c2', 'g1'),
    conv('c3', 'g1', 'w3', 'c3', 1), { opType: 'Relu', inputs: ['c3'], outputs: ['rr'] }, { name: 'relu6b', opType: 'Min', inputs: ['rr', 'six'], outputs: ['r2'] },
    conv('c4', 'r2', 'w4', 'c4', 0), ...geluTf2onnx('g2/', 'c4', 'g2'), ...geluErf('g3/', 'g2', 'y'),
  ],
  inputs: [vi('x', [1, 3, 8, 8])], outputs: [vi('y', [1, 4, 8, 8])],
  initializers: [
    weights('w1', [8, 3, 3, 3], 1), weights('w1_b', [8], 2), weights('w2', [8, 8, 1, 1], 3), weights('w2_b', [8], 4),
    weights('w3', [8, 8, 3, 3], 5), weights('w3_b', [8], 6), weights('w4', [4, 8, 1, 1], 7), weights('w4_b', [4], 8),
    scalar('zero', 0), scalar('six', 6), scalar('three', 3), scalar('kappa', 0.044715), scalar('beta', Math.sqrt(2 / Math.PI)), scalar('one', 1), scalar('half', 0.5), scalar('sqrt2', Math.SQRT2),
  ],
});

function input(g: Graph): { name: string; tensor: ort.Tensor } {
  const shape = [...g.tensors.get(g.inputs[0]!)!.shape!];
  const x = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => 3 * Math.sin(i * 0.37) + Math.cos(i * 0.011));
  return { name: g.inputs[0]!, tensor: new ort.Tensor('float32', x, shape) };
}

describe('decomposed ReLU6 and GELU (tanh) end to end', () => {
  const g = analyzeModel(loadModelFromBytes(BYTES, 'activations.onnx'));
  const target = resolveTarget();

  it('are one layer each; ReLU6 runs on the DPU, GELU does not (no tanh on the DPUCVDX8G)', () => {
    expect(g.layers.map((l) => l.op)).toEqual(['Conv', 'Clip', 'Conv', 'Gelu', 'Conv', 'Clip', 'Conv', 'Gelu', 'Gelu']);
    const support = g.layers.map((l) => dpuSupport(g, l, target.dpu.limits).ok);
    expect(support).toEqual([true, true, true, false, true, true, true, false, false]);
    const plan = planSplit(g, target);
    // Before: Max and Min were not DPU ops, and the DPU side ended after the first convolution.
    expect(plan.unsupported[0]!.index).toBe(3);
    expect(plan.candidates.filter((c) => c.kind === 'prefix').map((c) => c.index)).toEqual([0, 1, 2, 3]);
  });

  it('the partitions, run one after the other in onnxruntime, equal the source at every candidate split', async () => {
    const feed = input(g);
    const full = await ort.InferenceSession.create(BYTES);
    const ref = (await full.run({ [feed.name]: feed.tensor })).y!;
    await full.release();
    // Every prefix, not just the DPU-valid ones: the fused nodes are copied whatever the side.
    for (let k = 0; k <= g.layers.length; k++) {
      const out = await runStitched(g.outputs, partitionGraph(g, g.layers.map((l) => l.index < k)), feed);
      expect(out.y!.dims).toEqual(ref.dims);
      expect(maxRelDiff(out.y!.data as Float32Array, ref.data as Float32Array), `k=${k}`).toBeLessThanOrEqual(1e-5);
    }
  });

  it.runIf(havePython('torch'))('model.py (nn.ReLU6, nn.GELU(approximate="tanh"), nn.GELU()) equals onnxruntime in PyTorch', async () => {
    const mask = g.layers.map(() => true);
    const p = partitionGraph(g, mask).dpu!;
    writePartition(p, path.join(work, 'partition.onnx'));
    const py = emitModelPy({ graph: g, layers: g.layers, inputs: p.inputs.map((t) => t.name), outputs: p.outputs.map((t) => t.name), modelName: 'activations', splitcVersion: 'test' });
    expect(py.match(/nn\.GELU\(approximate="tanh"\)/g)).toHaveLength(2);
    expect(py.match(/nn\.ReLU6\(\)/g)).toHaveLength(2);
    expect(py.match(/nn\.GELU\(\)/g)).toHaveLength(1);
    writeFileSync(path.join(work, 'model.py'), py);
    const feed = input(g);
    const s = await ort.InferenceSession.create(path.join(work, 'partition.onnx'));
    const ref = (await s.run({ [feed.name]: feed.tensor })).y!.data as Float32Array;
    await s.release();
    writeFileSync(path.join(work, 'x.bin'), new Uint8Array((feed.tensor.data as Float32Array).buffer));
    const out = runPython(['-c', `
import importlib.util, sys
import numpy as np, torch
spec = importlib.util.spec_from_file_location("m", sys.argv[1] + "/model.py")
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
m = mod.load_model()
x = torch.from_numpy(np.fromfile(sys.argv[1] + "/x.bin", dtype=np.float32).reshape(mod.INPUT_SHAPES[0]))
with torch.no_grad():
    y = m(x)
sys.stdout.write(y.numpy().astype(np.float32).tobytes().hex())
`, work]);
    const y = new Float32Array(new Uint8Array(Buffer.from(out.trim(), 'hex')).buffer);
    expect(y.length).toBe(ref.length);
    expect(maxRelDiff(y, ref)).toBeLessThanOrEqual(1e-5);
  });
});
