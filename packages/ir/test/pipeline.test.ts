// The pass pipeline on small hand-built graphs: folding of PyTorch-style shape arithmetic,
// opset-dependent rules, input classification, and the errors users see.
import { describe, expect, it } from 'vitest';
import { SplitcError } from '@splitc/diagnostics';
import { analyzeModel, graphTotals, importWarnings, verifier, type Graph } from '@splitc/ir';
import { DataType, loadModelFromBytes } from '@splitc/onnx';
import { floats, int64s, model, vi } from '@splitc/test-support';

const I = (name: string, i: number) => ({ name, type: 'int' as const, i });
const INTS = (name: string, ints: number[]) => ({ name, type: 'ints' as const, ints });

function run(bytes: Uint8Array, inputShapes?: Record<string, number[]>): Graph {
  return analyzeModel(loadModelFromBytes(bytes, 'test.onnx'), { instruments: [verifier], ...(inputShapes ? { inputShapes } : {}) });
}

function error(fn: () => unknown): SplitcError {
  try { fn(); } catch (e) { if (e instanceof SplitcError) return e; throw e; }
  throw new Error('no error');
}

describe('folding PyTorch shape arithmetic', () => {
  // x:[2,3,4,5] → Shape → Gather(0) → Unsqueeze → Concat(-1) → Reshape  ==  flatten to [2,60]
  const bytes = model({
    nodes: [
      { name: 'shape', opType: 'Shape', inputs: ['x'], outputs: ['s'] },
      { name: 'gather', opType: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attributes: [I('axis', 0)] },
      { name: 'unsq', opType: 'Unsqueeze', inputs: ['n', 'axes0'], outputs: ['n1'] },
      { name: 'concat', opType: 'Concat', inputs: ['n1', 'minus1'], outputs: ['shape2'], attributes: [I('axis', 0)] },
      { name: 'reshape', opType: 'Reshape', inputs: ['x', 'shape2'], outputs: ['y'] },
      { name: 'relu', opType: 'Relu', inputs: ['y'], outputs: ['z'] },
    ],
    inputs: [vi('x', [2, 3, 4, 5])],
    outputs: [vi('z', [2, 60])],
    initializers: [
      { name: 'zero', dataType: DataType.INT64, dims: [], data: int64s([0]) },
      { name: 'axes0', dataType: DataType.INT64, dims: [1], data: int64s([0]) },
      { name: 'minus1', dataType: DataType.INT64, dims: [1], data: int64s([-1]) },
    ],
  });

  it('computes the Reshape target and removes the arithmetic layers', () => {
    const g = run(bytes);
    expect(g.layers.map((l) => l.op)).toEqual(['Reshape', 'Relu']);
    expect(g.tensors.get('y')!.shape).toEqual([2, 60]);
    expect(g.tensors.get('shape2')!.value!.data).toEqual([2, -1]);
    expect(g.tensors.get('shape2')!.kind).toBe('constant');
  });
});

describe('opset-aware rules', () => {
  it('Squeeze takes axes as an attribute before opset 13 and as an input from 13', () => {
    const v11 = model({
      opset: 11,
      nodes: [{ opType: 'Squeeze', inputs: ['x'], outputs: ['y'], attributes: [INTS('axes', [1])] }],
      inputs: [vi('x', [3, 1, 4])], outputs: [vi('y', [3, 4])],
    });
    expect(run(v11).tensors.get('y')!.shape).toEqual([3, 4]);
    const v13 = model({
      opset: 13,
      nodes: [{ opType: 'Squeeze', inputs: ['x', 'axes'], outputs: ['y'] }],
      inputs: [vi('x', [3, 1, 4])], outputs: [vi('y', [3, 4])],
      initializers: [{ name: 'axes', dataType: DataType.INT64, dims: [1], data: int64s([-2]) }],
    });
    expect(run(v13).tensors.get('y')!.shape).toEqual([3, 4]);
  });

  it('Split takes sizes as an attribute before 13 and as an input from 13', () => {
    const v11 = model({
      opset: 11,
      nodes: [{ opType: 'Split', inputs: ['x'], outputs: ['a', 'b'], attributes: [I('axis', 1), INTS('split', [2, 6])] }],
      inputs: [vi('x', [1, 8])], outputs: [vi('a', [1, 2]), vi('b', [1, 6])],
    });
    const g = run(v11);
    expect([g.tensors.get('a')!.shape, g.tensors.get('b')!.shape]).toEqual([[1, 2], [1, 6]]);
  });
});

describe('conv geometry and MACs', () => {
  it('grouped, strided, padded Conv and ConvTranspose', () => {
    const bytes = model({
      nodes: [
        { name: 'dw', opType: 'Conv', inputs: ['x', 'w1'], outputs: ['y'], attributes: [I('group', 8), INTS('strides', [2, 2]), INTS('pads', [1, 1, 1, 1])] },
        { name: 'up', opType: 'ConvTranspose', inputs: ['y', 'w2'], outputs: ['z'], attributes: [INTS('strides', [2, 2]), INTS('pads', [1, 1, 1, 1]), INTS('output_padding', [1, 1])] },
      ],
      inputs: [vi('x', [1, 8, 15, 15])],
      outputs: [vi('z', [1, 4, 16, 16])],
      initializers: [
        { name: 'w1', dataType: DataType.FLOAT, dims: [8, 1, 3, 3], data: floats(new Array(72).fill(0)) },
        { name: 'w2', dataType: DataType.FLOAT, dims: [8, 4, 3, 3], data: floats(new Array(288).fill(0)) },
      ],
    });
    const g = run(bytes);
    expect(g.tensors.get('y')!.shape).toEqual([1, 8, 8, 8]);
    // ConvTranspose: 2·(8−1) + 1 + 3 − 2 = 16
    expect(g.tensors.get('z')!.shape).toEqual([1, 4, 16, 16]);
    // depthwise: out elements 512 × (8/8) × 9; transpose: in elements 512 × 4 × 9
    expect(g.layers.map((l) => l.cost!.macs)).toEqual([512 * 9, 512 * 4 * 9]);
    expect(graphTotals(g).params).toBe(72 + 288);
  });

  it('MaxPool ceil_mode drops a window that starts in the padding', () => {
    const bytes = model({
      nodes: [{ opType: 'MaxPool', inputs: ['x'], outputs: ['y'], attributes: [INTS('kernel_shape', [3, 3]), INTS('strides', [2, 2]), I('ceil_mode', 1)] }],
      inputs: [vi('x', [1, 1, 56, 56])], outputs: [vi('y', [1, 1, 28, 28])],
    });
    expect(run(bytes).tensors.get('y')!.shape).toEqual([1, 1, 28, 28]);
  });
});

describe('input classification', () => {
  it('a weight used only as a bias next to an activation is a parameter', () => {
    const bytes = model({
      nodes: [
        { opType: 'MatMul', inputs: ['x', 'w'], outputs: ['h'] },
        { opType: 'Add', inputs: ['h', 'b'], outputs: ['y'] },
        { opType: 'Relu', inputs: ['y'], outputs: ['z'] },
      ],
      inputs: [vi('x', [1, 4]), vi('w', [4, 3]), vi('b', [3])],
      outputs: [vi('z', [1, 3])],
    });
    const g = run(bytes);
    expect(g.inputs).toEqual(['x']);
    expect(g.tensors.get('b')!.kind).toBe('param');
  });

  it('two operands of an Add with no other evidence are both data', () => {
    const bytes = model({
      nodes: [{ opType: 'Add', inputs: ['a', 'b'], outputs: ['y'] }],
      inputs: [vi('a', [1, 4]), vi('b', [1, 4])],
      outputs: [vi('y', [1, 4])],
    });
    expect(run(bytes).inputs).toEqual(['a', 'b']);
  });
});

describe('errors', () => {
  it('lists every op without a rule in one error', () => {
    const bytes = model({
      nodes: [
        { name: 'n1', opType: 'FancyOp', inputs: ['x'], outputs: ['a'] },
        { name: 'n2', opType: 'FancyOp', inputs: ['a'], outputs: ['b'] },
        { name: 'n3', opType: 'Other', domain: 'com.example', inputs: ['b'], outputs: ['c'] },
        { name: 'n4', opType: 'Relu', inputs: ['c'], outputs: ['d'] },
      ],
      inputs: [vi('x', [1, 4])], outputs: [vi('d', [1, 4])],
    });
    const e = error(() => run(bytes));
    expect(e.code).toBe('SPLITC3001');
    expect(e.message).toBe('test.onnx: in pass infer-shapes: no shape rule for 2 op types: FancyOp (2 nodes, first n1); com.example::Other (1 node, first n3)');
  });

  it('names the pass, node and op on a shape error', () => {
    const bytes = model({
      nodes: [{ name: '/layer1/conv', opType: 'Conv', inputs: ['x', 'w'], outputs: ['y'] }],
      inputs: [vi('x', [1, 3, 8, 8])], outputs: [vi('y', [1, 4, 6, 6])],
      initializers: [{ name: 'w', dataType: DataType.FLOAT, dims: [4, 2, 3, 3], data: floats(new Array(72).fill(0)) }],
    });
    const e = error(() => run(bytes));
    expect(e.code).toBe('SPLITC3002');
    expect(e.message).toBe('test.onnx: in pass infer-shapes: node /layer1/conv (Conv): weight has 2 input channels per group, input gives 3/1');
  });

  it('a symbolic input dim other than the batch asks for --input-shape; giving one works', () => {
    const bytes = model({
      nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }],
      inputs: [vi('x', ['batch', 'width'])], outputs: [vi('y', ['batch', 'width'])],
    });
    const e = error(() => run(bytes));
    expect(e.code).toBe('SPLITC3003');
    expect(e.message).toContain('dim 0 is "batch"');
    // The API option that fixes it, not a CLI flag (the CLI shows --input-shape for it).
    expect(e.location.field).toBe('inputShapes');
    expect(e.message).toContain('input "x": dim 0 is "batch"; give it a static shape, e.g. 1x1');
    expect(run(bytes, { x: [4, 3] }).tensors.get('y')!.shape).toEqual([4, 3]);
  });

  it('a symbolic batch dim alone is a dynamic batch: planned at 1 unless --input-shape says otherwise', () => {
    const bytes = model({
      nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }],
      inputs: [vi('x', ['N', 3, 4, 4])], outputs: [vi('y', ['N', 3, 4, 4])],
    });
    const g = run(bytes);
    expect(g.tensors.get('y')!.shape).toEqual([1, 3, 4, 4]);
    // Not silently: the assumption is a warning naming the input and the dim's name.
    expect(importWarnings(g)).toEqual(['input "x": dim 0 is dynamic ("N"); planned and compiled for a batch of 1 (give an input shape to choose another)']);
    const given = run(bytes, { x: [2, 3, 4, 4] });
    expect(given.tensors.get('y')!.shape).toEqual([2, 3, 4, 4]);
    expect(importWarnings(given)).toEqual([]);
    expect(importWarnings(run(bytes, { x: [1, 3, 4, 4] }))).toEqual([]);
    const unnamed = model({ nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [vi('x', [1, 3, 4, 4])], outputs: [vi('y', [1, 3, 4, 4])] });
    expect(importWarnings(run(unnamed))).toEqual([]);
  });
});
