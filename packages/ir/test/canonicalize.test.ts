// The canonicalisation passes for other exporters' patterns (issue 9, item 7), each on small
// models, with the verifier around every pass: constant-weights, recognize-activations,
// fold-affine, and what they make foldable (resize scales computed from initializers). Numerical
// agreement of the rewritten models with onnxruntime is in packages/cli/test/exporters.test.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel, graphTotals, verifier, type Graph } from '@splitc/ir';
import { DataType, loadModel, loadModelFromBytes, type NodeInput, type OnnxAttribute } from '@splitc/onnx';
import ort from 'onnxruntime-node';
import { partitionGraph } from '@splitc/partition';
import { floats, maxRelDiff, model, runStitched, vi } from '@splitc/test-support';

const root = path.resolve(__dirname, '../../..');
const run = (bytes: Uint8Array): Graph => analyzeModel(loadModelFromBytes(bytes, 'test.onnx'), { instruments: [verifier] });
const fixture = (name: string): Graph => analyzeModel(loadModel(path.join(root, 'fixtures/models/exporters', name)), { instruments: [verifier] });
const ops = (g: Graph): string[] => g.layers.map((l) => l.op);
const tensorAttr = (dims: number[], values: number[]): OnnxAttribute => ({ name: 'value', type: 'tensor', t: { name: '', dataType: DataType.FLOAT, dims, data: floats(values), storage: 'raw', docString: '', span: { start: 0, end: 0 } } });
const constant = (out: string, dims: number[], values: number[]): NodeInput => ({ name: `${out}_c`, opType: 'Constant', inputs: [], outputs: [out], attributes: [tensorAttr(dims, values)] });
const scalarInit = (name: string, v: number) => ({ name, dataType: DataType.FLOAT, dims: [], data: floats([v]) });

describe('constant-weights: Constant nodes are tensors exactly like initializers', () => {
  it('the same model with weights in Constant nodes and as initializers: identical totals and layers', () => {
    const a = fixture('constant-weights.onnx');
    const b = fixture('constant-weights-init.onnx');
    // Before the pass, the Constant nodes' small weights were compile-time constants, not
    // parameters: 922 params from initializers, fewer from Constant nodes.
    expect(graphTotals(a)).toEqual(graphTotals(b));
    expect(graphTotals(a).params).toBe(922);
    expect(a.layers.map((l) => [l.name, l.op, l.cost!.macs, l.cost!.params])).toEqual(b.layers.map((l) => [l.name, l.op, l.cost!.macs, l.cost!.params]));
    const w = a.tensors.get(a.layers[0]!.inputs[1]!)!;
    expect(w.kind).toBe('param');
    expect(w.source?.kind).toBe('attribute');
  });

  it('value_float(s) and value_int(s) forms fold like a tensor value', () => {
    const bytes = model({
      nodes: [
        { name: 'shape', opType: 'Constant', inputs: [], outputs: ['shape'], attributes: [{ name: 'value_ints', type: 'ints', ints: [1, 12] }] },
        { name: 'k', opType: 'Constant', inputs: [], outputs: ['k'], attributes: [{ name: 'value_float', type: 'float', f: 2 }] },
        { name: 'r', opType: 'Reshape', inputs: ['x', 'shape'], outputs: ['r'] },
        { name: 'm', opType: 'Mul', inputs: ['r', 'k'], outputs: ['y'] },
      ],
      inputs: [vi('x', [1, 3, 2, 2])], outputs: [vi('y', [1, 12])],
    });
    const g = run(bytes);
    expect(ops(g)).toEqual(['Reshape', 'Mul']);
    expect(g.tensors.get('y')!.shape).toEqual([1, 12]);
    expect(g.tensors.get('k')!.value?.data).toEqual([2]);
    // A scalar of a formula is not a learned parameter.
    expect(graphTotals(g).params).toBe(0);
  });
});

describe('values from initializers fold like values from Constant nodes', () => {
  it('Resize scales computed from float initializers (used to fail: "computed at run time")', () => {
    const g = fixture('resize-computed-scales.onnx');
    expect(g.tensors.get(g.outputs[0]!)!.shape).toEqual([1, 4, 16, 16]);
    expect(ops(g)).toEqual(['Conv', 'Relu', 'Resize', 'Conv']);
  });

  it('Clip bounds from initializers are ReLU6 bounds', () => {
    const bytes = model({
      nodes: [{ name: 'c', opType: 'Clip', inputs: ['x', 'lo', 'hi'], outputs: ['y'] }],
      inputs: [vi('x', [1, 2, 2, 2])], outputs: [vi('y', [1, 2, 2, 2])],
      initializers: [scalarInit('lo', 0), scalarInit('hi', 6)],
    });
    const g = run(bytes);
    expect(g.tensors.get('lo')!.value?.data).toEqual([0]);
    expect(g.tensors.get('hi')!.value?.data).toEqual([6]);
  });
});

describe('recognize-activations: decomposed activations become one layer', () => {
  const x = vi('x', [1, 4, 3, 3]);
  const y = vi('y', [1, 4, 3, 3]);
  const consts = [constant('three', [], [3]), constant('zero', [], [0]), constant('six', [], [6]), constant('sixth', [], [1 / 6])];

  it('x · relu6(x + 3) / 6 → HardSwish; relu6(x + 3) / 6 → HardSigmoid; x · HardSigmoid(x) → HardSwish', () => {
    const hs = run(model({
      nodes: [...consts, { opType: 'Add', inputs: ['x', 'three'], outputs: ['a'] }, { opType: 'Clip', inputs: ['a', 'zero', 'six'], outputs: ['c'] },
        { opType: 'Mul', inputs: ['x', 'c'], outputs: ['m'] }, { name: 'out', opType: 'Div', inputs: ['m', 'six'], outputs: ['y'] }],
      inputs: [x], outputs: [y],
    }));
    expect(ops(hs)).toEqual(['HardSwish']);
    expect(hs.layers[0]!.name).toBe('out');
    expect(hs.layers[0]!.inputs).toEqual(['x']);
    expect(hs.layers[0]!.fusedNodes!.map((n) => n.opType)).toEqual(['Add', 'Clip', 'Mul', 'Div']);

    const hsig = run(model({
      nodes: [...consts, { opType: 'Add', inputs: ['three', 'x'], outputs: ['a'] }, { opType: 'Clip', inputs: ['a', 'zero', 'six'], outputs: ['c'] },
        { opType: 'Mul', inputs: ['c', 'sixth'], outputs: ['y'] }],
      inputs: [x], outputs: [y],
    }));
    expect(ops(hsig)).toEqual(['HardSigmoid']);
    expect(hsig.layers[0]!.attrs.get('alpha')!.f).toBeCloseTo(1 / 6, 7);

    const native = run(model({
      nodes: [{ opType: 'HardSigmoid', inputs: ['x'], outputs: ['h'], attributes: [{ name: 'alpha', type: 'float', f: 1 / 6 }] }, { opType: 'Mul', inputs: ['h', 'x'], outputs: ['y'] }],
      inputs: [x], outputs: [y],
    }));
    expect(ops(native)).toEqual(['HardSwish']);
  });

  it('x · sigmoid(x) → Silu; x · ½(1 + erf(x/√2)) → Gelu', () => {
    const silu = run(model({ nodes: [{ opType: 'Sigmoid', inputs: ['x'], outputs: ['s'] }, { opType: 'Mul', inputs: ['x', 's'], outputs: ['y'] }], inputs: [x], outputs: [y] }));
    expect(ops(silu)).toEqual(['Silu']);
    const gelu = run(model({
      nodes: [constant('sqrt2', [], [Math.SQRT2]), constant('one', [], [1]), constant('half', [], [0.5]),
        { opType: 'Div', inputs: ['x', 'sqrt2'], outputs: ['d'] }, { opType: 'Erf', inputs: ['d'], outputs: ['e'] }, { opType: 'Add', inputs: ['e', 'one'], outputs: ['a'] },
        { opType: 'Mul', inputs: ['x', 'a'], outputs: ['m'] }, { opType: 'Mul', inputs: ['m', 'half'], outputs: ['y'] }],
      inputs: [x], outputs: [y],
    }));
    expect(ops(gelu)).toEqual(['Gelu']);
  });

  it('leaves patterns alone when an intermediate is read elsewhere, or the constants differ', () => {
    const shared = run(model({
      nodes: [{ opType: 'Sigmoid', inputs: ['x'], outputs: ['s'] }, { opType: 'Mul', inputs: ['x', 's'], outputs: ['m'] }, { opType: 'Add', inputs: ['m', 's'], outputs: ['y'] }],
      inputs: [x], outputs: [y],
    }));
    expect(ops(shared)).toEqual(['Sigmoid', 'Mul', 'Add']);
    const seSigmoid = run(model({ nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['r'] }, { opType: 'Sigmoid', inputs: ['r'], outputs: ['s'] }, { opType: 'Mul', inputs: ['x', 's'], outputs: ['y'] }], inputs: [x], outputs: [y] }));
    expect(ops(seSigmoid)).toEqual(['Relu', 'Sigmoid', 'Mul']);
    const clip5 = run(model({
      nodes: [...consts, constant('five', [], [5]), { opType: 'Add', inputs: ['x', 'three'], outputs: ['a'] }, { opType: 'Clip', inputs: ['a', 'zero', 'five'], outputs: ['c'] },
        { opType: 'Div', inputs: ['c', 'six'], outputs: ['y'] }],
      inputs: [x], outputs: [y],
    }));
    expect(ops(clip5)).toEqual(['Add', 'Clip', 'Div']);
  });
});

describe('recognize-activations: ReLU6 from Max/Min and GELU\'s tanh approximation', () => {
  const x = vi('x', [1, 4, 3, 3]);
  const y = vi('y', [1, 4, 3, 3]);
  const relu6Layer = (g: Graph) => {
    expect(ops(g)).toEqual(['Clip']);
    const l = g.layers[0]!;
    expect(l.inputs).toEqual(['x']);
    expect([l.attrs.get('min')!.f, l.attrs.get('max')!.f]).toEqual([0, 6]);
    return l;
  };

  it('Min(Max(x, 0), 6), Max(Min(6, x), 0) and Min(Relu(x), 6) → Clip(0, 6), bounds from Constant nodes or initializers', () => {
    const a = relu6Layer(run(model({
      nodes: [constant('zero', [], [0]), constant('six', [], [6]), { opType: 'Max', inputs: ['x', 'zero'], outputs: ['m'] }, { name: 'out', opType: 'Min', inputs: ['m', 'six'], outputs: ['y'] }],
      inputs: [x], outputs: [y],
    })));
    expect(a.name).toBe('out');
    expect(a.fusedNodes!.map((n) => n.opType)).toEqual(['Max', 'Min']);
    relu6Layer(run(model({
      nodes: [{ opType: 'Min', inputs: ['six', 'x'], outputs: ['m'] }, { opType: 'Max', inputs: ['zero', 'm'], outputs: ['y'] }],
      inputs: [x], outputs: [y], initializers: [scalarInit('zero', 0), scalarInit('six', 6)],
    })));
    relu6Layer(run(model({
      nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['r'] }, { opType: 'Min', inputs: ['r', 'six'], outputs: ['y'] }],
      inputs: [x], outputs: [y], initializers: [scalarInit('six', 6)],
    })));
  });

  it('leaves other bounds, three-input Min/Max and shared intermediates alone', () => {
    const chain = (lo: number, hi: number) => ops(run(model({
      nodes: [{ opType: 'Max', inputs: ['x', 'lo'], outputs: ['m'] }, { opType: 'Min', inputs: ['m', 'hi'], outputs: ['y'] }],
      inputs: [x], outputs: [y], initializers: [scalarInit('lo', lo), scalarInit('hi', hi)],
    })));
    expect(chain(0, 5)).toEqual(['Max', 'Min']);
    expect(chain(-1, 6)).toEqual(['Max', 'Min']);
    expect(ops(run(model({
      nodes: [{ opType: 'Max', inputs: ['x', 'lo'], outputs: ['m'] }, { opType: 'Min', inputs: ['m', 'hi'], outputs: ['n'] }, { opType: 'Add', inputs: ['n', 'm'], outputs: ['y'] }],
      inputs: [x], outputs: [y], initializers: [scalarInit('lo', 0), scalarInit('hi', 6)],
    })))).toEqual(['Max', 'Min', 'Add']);
    expect(ops(run(model({
      nodes: [{ opType: 'Max', inputs: ['x', 'lo'], outputs: ['m'] }, { opType: 'Min', inputs: ['m', 'hi', 'x'], outputs: ['y'] }],
      inputs: [x], outputs: [y], initializers: [scalarInit('lo', 0), scalarInit('hi', 6)],
    })))).toEqual(['Max', 'Min']);
  });

  /** ½ · x · (1 + tanh(√(2/π) · (x + κ · x³))) as PyTorch (approximate='tanh', opset < 20) or tf2onnx write it. */
  const geluTanh = (form: 'pytorch' | 'tf2onnx', kappa = 0.044715) => model({
    nodes: form === 'pytorch'
      ? [constant('beta', [], [Math.sqrt(2 / Math.PI)]), constant('kappa', [], [kappa]), constant('one', [], [1]), constant('half', [], [0.5]),
        { opType: 'Mul', inputs: ['x', 'x'], outputs: ['xx'] }, { opType: 'Mul', inputs: ['x', 'xx'], outputs: ['x3'] },
        { opType: 'Mul', inputs: ['kappa', 'x3'], outputs: ['kx3'] }, { opType: 'Add', inputs: ['x', 'kx3'], outputs: ['s'] },
        { opType: 'Mul', inputs: ['beta', 's'], outputs: ['inner'] }, { opType: 'Tanh', inputs: ['inner'], outputs: ['t'] },
        { opType: 'Add', inputs: ['one', 't'], outputs: ['a'] }, { opType: 'Mul', inputs: ['x', 'a'], outputs: ['xa'] },
        { name: 'out', opType: 'Mul', inputs: ['half', 'xa'], outputs: ['y'] }]
      : [constant('three', [], [3]), constant('beta', [], [0.7978845608028654]), constant('kappa', [], [kappa]), constant('one', [], [1]), constant('half', [], [0.5]),
        { opType: 'Pow', inputs: ['x', 'three'], outputs: ['x3'] }, { opType: 'Mul', inputs: ['x3', 'kappa'], outputs: ['kx3'] },
        { opType: 'Add', inputs: ['kx3', 'x'], outputs: ['s'] }, { opType: 'Mul', inputs: ['s', 'beta'], outputs: ['inner'] },
        { opType: 'Tanh', inputs: ['inner'], outputs: ['t'] }, { opType: 'Add', inputs: ['t', 'one'], outputs: ['a'] },
        { opType: 'Mul', inputs: ['half', 'x'], outputs: ['hx'] }, { name: 'out', opType: 'Mul', inputs: ['hx', 'a'], outputs: ['y'] }],
    inputs: [x], outputs: [y],
  });

  it('GELU\'s tanh approximation, PyTorch\'s and tf2onnx\'s arrangement → Gelu(approximate = "tanh")', () => {
    for (const form of ['pytorch', 'tf2onnx'] as const) {
      const g = run(geluTanh(form));
      expect(ops(g), form).toEqual(['Gelu']);
      const l = g.layers[0]!;
      expect(l.name).toBe('out');
      expect(l.inputs).toEqual(['x']);
      expect(new TextDecoder().decode(l.attrs.get('approximate')!.s)).toBe('tanh');
      expect(l.fusedNodes!.length, form).toBe(form === 'pytorch' ? 9 : 8);
      expect(graphTotals(g).params).toBe(0);
    }
  });

  it('a different constant or a shared intermediate is not GELU', () => {
    expect(ops(run(geluTanh('pytorch', 0.05)))).not.toContain('Gelu');
    const shared = run(model({
      nodes: [constant('beta', [], [Math.sqrt(2 / Math.PI)]), constant('kappa', [], [0.044715]), constant('one', [], [1]), constant('half', [], [0.5]),
        { opType: 'Mul', inputs: ['x', 'x'], outputs: ['xx'] }, { opType: 'Mul', inputs: ['x', 'xx'], outputs: ['x3'] },
        { opType: 'Mul', inputs: ['kappa', 'x3'], outputs: ['kx3'] }, { opType: 'Add', inputs: ['x', 'kx3'], outputs: ['s'] },
        { opType: 'Mul', inputs: ['beta', 's'], outputs: ['inner'] }, { opType: 'Tanh', inputs: ['inner'], outputs: ['t'] },
        { opType: 'Add', inputs: ['one', 't'], outputs: ['a'] }, { opType: 'Mul', inputs: ['x', 'a'], outputs: ['xa'] },
        { opType: 'Mul', inputs: ['half', 'xa'], outputs: ['g'] }, { opType: 'Add', inputs: ['g', 't'], outputs: ['y'] }],
      inputs: [x], outputs: [y],
    }));
    expect(ops(shared)).not.toContain('Gelu');
  });
});

describe('fold-affine: per-channel scales and shifts fold into the convolution or Gemm before them', () => {
  it('the MobileNetV3-style fixture: no scale outside a convolution, activations recognised', () => {
    const g = fixture('mobilenetv3-decomposed.onnx');
    expect(ops(g)).toEqual(['Conv', 'HardSwish', 'Conv', 'Relu', 'GlobalAveragePool', 'Conv', 'Relu', 'Conv', 'HardSigmoid', 'Mul', 'Conv', 'Conv', 'HardSwish', 'GlobalAveragePool', 'Flatten', 'Gemm']);
    // The one Mul left is the squeeze-excitation product of two activations.
    const mul = g.layers.find((l) => l.op === 'Mul')!;
    expect(mul.inputs.every((i) => g.tensors.get(i)!.kind === 'activation')).toBe(true);
    const conv0 = g.layers[0]!;
    expect(g.tensors.get(conv0.inputs[1]!)!.source?.kind).toBe('computed');
    expect(g.tensors.get(conv0.inputs[2]!)!.shape).toEqual([16]);
  });

  it('folds Sub and Div of a Conv and Mul/Add of a Gemm; keeps an affine op whose input is read twice', () => {
    const w = Array.from({ length: 2 * 2 * 9 }, (_, i) => Math.sin(i));
    const bytes = model({
      nodes: [
        { name: 'conv', opType: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attributes: [{ name: 'pads', type: 'ints', ints: [1, 1, 1, 1] }] },
        { name: 'sub', opType: 'Sub', inputs: ['c', 'shift'], outputs: ['s'] },
        { name: 'div', opType: 'Div', inputs: ['s', 'scale'], outputs: ['d'] },
        { name: 'flat', opType: 'Flatten', inputs: ['d'], outputs: ['f'] },
        { name: 'fc', opType: 'Gemm', inputs: ['f', 'fw'], outputs: ['g'] },
        { name: 'mul', opType: 'Mul', inputs: ['g', 'gscale'], outputs: ['m'] },
        { name: 'add', opType: 'Add', inputs: ['m', 'm'], outputs: ['y'] },
      ],
      inputs: [vi('x', [1, 2, 3, 3])], outputs: [vi('y', [1, 3])],
      initializers: [
        { name: 'w', dataType: DataType.FLOAT, dims: [2, 2, 3, 3], data: floats(w) },
        { name: 'shift', dataType: DataType.FLOAT, dims: [2, 1, 1], data: floats([0.5, -1]) },
        { name: 'scale', dataType: DataType.FLOAT, dims: [1, 2, 1, 1], data: floats([2, 4]) },
        { name: 'fw', dataType: DataType.FLOAT, dims: [18, 3], data: floats(Array.from({ length: 54 }, (_, i) => Math.cos(i))) },
        { name: 'gscale', dataType: DataType.FLOAT, dims: [3], data: floats([1, 2, 3]) },
      ],
    });
    const g = run(bytes);
    expect(ops(g)).toEqual(['Conv', 'Flatten', 'Gemm', 'Add']);
    const conv = g.layers[0]!;
    expect(conv.outputs).toEqual(['d']);
    const bias = g.tensors.get(conv.inputs[2]!)!;
    const data = bias.source?.kind === 'computed' ? [...new Float32Array(bias.source.data.slice().buffer)] : [];
    expect(data).toEqual([-0.25, 0.25]); // (0 − 0.5) / 2, (0 + 1) / 4
    // Gemm with transB = 0: the scale multiplies the columns of B.
    expect(g.layers[2]!.outputs).toEqual(['m']);
  });

  it('leaves a structure-only export (no weight bytes) alone', () => {
    const bytes = model({
      nodes: [{ name: 'conv', opType: 'Conv', inputs: ['x', 'w'], outputs: ['c'] }, { name: 'mul', opType: 'Mul', inputs: ['c', 'k'], outputs: ['y'] }],
      inputs: [vi('x', [1, 2, 3, 3]), vi('w', [2, 2, 1, 1]), vi('k', [2, 1, 1])], outputs: [vi('y', [1, 2, 3, 3])],
    });
    expect(ops(run(bytes))).toEqual(['Conv', 'Mul']);
  });
});

describe('fold-affine: per-input-channel scales before a convolution; shifts only where nothing is padded', () => {
  const W = (dims: number[], seed: number) => ({ name: `w${seed}`, dataType: DataType.FLOAT, dims, data: floats(Array.from({ length: dims.reduce((p, q) => p * q, 1) }, (_, i) => 0.4 * Math.sin(seed + 0.9 * i))) });
  const C = (name: string, values: number[]) => ({ name, dataType: DataType.FLOAT, dims: [1, values.length, 1, 1], data: floats(values) });
  const padded = (pad: number, group = 1): OnnxAttribute[] => [{ name: 'pads', type: 'ints', ints: [pad, pad, pad, pad] }, { name: 'group', type: 'int', i: group }];
  const feed = (g: Graph) => {
    const shape = [...g.tensors.get(g.inputs[0]!)!.shape!];
    const data = new Float32Array(shape.reduce((p, q) => p * q, 1)).map((_, i) => 2 * Math.sin(0.37 * i) + 0.5);
    return { name: g.inputs[0]!, tensor: new ort.Tensor('float32', data, shape) };
  };
  /** The analysed graph's partitions, stitched at every prefix, against the source model in onnxruntime. */
  const agrees = async (bytes: Uint8Array, g: Graph): Promise<void> => {
    const input = feed(g);
    const full = await ort.InferenceSession.create(bytes);
    const ref = (await full.run({ [input.name]: input.tensor }))[g.outputs[0]!]!;
    await full.release();
    for (let k = 0; k <= g.layers.length; k++) {
      const out = (await runStitched(g.outputs, partitionGraph(g, g.layers.map((l) => l.index < k)), input))[g.outputs[0]!]!;
      expect(out.dims).toEqual(ref.dims);
      expect(maxRelDiff(out.data as Float32Array, ref.data as Float32Array), `k=${k}`).toBeLessThanOrEqual(1e-5);
    }
  };

  it('input normalisation (x − mean) / std before a padded convolution: the division folds, the subtraction stays', async () => {
    const bytes = model({
      nodes: [
        { name: 'sub', opType: 'Sub', inputs: ['x', 'mean'], outputs: ['s'] }, { name: 'div', opType: 'Div', inputs: ['s', 'std'], outputs: ['d'] },
        { name: 'conv', opType: 'Conv', inputs: ['d', 'w1', 'b'], outputs: ['c'], attributes: padded(1) }, { name: 'relu', opType: 'Relu', inputs: ['c'], outputs: ['y'] },
      ],
      inputs: [vi('x', [1, 3, 6, 6])], outputs: [vi('y', [1, 4, 6, 6])],
      initializers: [W([4, 3, 3, 3], 1), C('mean', [0.5, -0.25, 1]), C('std', [2, 0.5, 4]), { name: 'b', dataType: DataType.FLOAT, dims: [4], data: floats([0.1, 0.2, -0.3, 0]) }],
    });
    const g = run(bytes);
    expect(ops(g)).toEqual(['Sub', 'Conv', 'Relu']);
    expect(g.layers[1]!.inputs[0]).toBe('s');
    // W[o, c, k] / std[c]; the bias unchanged.
    const w = g.tensors.get(g.layers[1]!.inputs[1]!)!;
    const data = w.source?.kind === 'computed' ? new Float32Array(w.source.data.slice().buffer) : new Float32Array();
    expect(data[0]).toBeCloseTo(0.4 * Math.sin(1) / 2, 6);
    expect(data[9]).toBeCloseTo(0.4 * Math.sin(1 + 0.9 * 9) / 0.5, 6);
    await agrees(bytes, g);
  });

  it('a shift folds into the bias of an unpadded convolution; a scale folds into a depthwise one', async () => {
    const bytes = model({
      nodes: [
        { name: 'add', opType: 'Add', inputs: ['shift', 'x'], outputs: ['a'] }, { name: 'mul', opType: 'Mul', inputs: ['a', 'scale'], outputs: ['m'] },
        { name: 'conv', opType: 'Conv', inputs: ['m', 'w1'], outputs: ['c'], attributes: padded(0) },
        { name: 'scale2', opType: 'Mul', inputs: ['c', 'scale2'], outputs: ['m2'] },
        { name: 'dw', opType: 'Conv', inputs: ['m2', 'w2'], outputs: ['y'], attributes: padded(1, 4) },
      ],
      inputs: [vi('x', [1, 3, 6, 6])], outputs: [vi('y', [1, 4, 4, 4])],
      initializers: [W([4, 3, 3, 3], 1), W([4, 1, 3, 3], 2), C('shift', [1, -2, 0.5]), C('scale', [0.5, 3, -1]), C('scale2', [2, -1, 0.25, 4])],
    });
    const g = run(bytes);
    // The Mul after the first convolution folds into it (its output is read by the Mul alone).
    expect(ops(g)).toEqual(['Conv', 'Conv']);
    expect(g.layers[0]!.inputs[0]).toBe('x');
    await agrees(bytes, g);
  });

  it('a shift before a zero-padded convolution is not folded (the border would read the shift)', async () => {
    const bytes = model({
      nodes: [{ name: 'add', opType: 'Add', inputs: ['x', 'shift'], outputs: ['a'] }, { name: 'conv', opType: 'Conv', inputs: ['a', 'w1'], outputs: ['y'], attributes: padded(1) }],
      inputs: [vi('x', [1, 3, 5, 5])], outputs: [vi('y', [1, 4, 5, 5])],
      initializers: [W([4, 3, 3, 3], 1), C('shift', [1, -2, 0.5])],
    });
    const g = run(bytes);
    expect(ops(g)).toEqual(['Add', 'Conv']);
    await agrees(bytes, g);
  });

  it('leaves a scale whose input is read elsewhere, or that is not per channel', () => {
    const shared = run(model({
      nodes: [{ name: 'mul', opType: 'Mul', inputs: ['x', 'scale'], outputs: ['m'] }, { name: 'conv', opType: 'Conv', inputs: ['m', 'w1'], outputs: ['c'] }, { name: 'add', opType: 'Add', inputs: ['m', 'm'], outputs: ['y2'] }],
      inputs: [vi('x', [1, 3, 5, 5])], outputs: [vi('c', [1, 4, 3, 3]), vi('y2', [1, 3, 5, 5])],
      initializers: [W([4, 3, 3, 3], 1), C('scale', [1, 2, 3])],
    }));
    expect(ops(shared)).toEqual(['Mul', 'Conv', 'Add']);
    const spatial = run(model({
      nodes: [{ name: 'mul', opType: 'Mul', inputs: ['x', 'scale'], outputs: ['m'] }, { name: 'conv', opType: 'Conv', inputs: ['m', 'w1'], outputs: ['y'] }],
      inputs: [vi('x', [1, 3, 5, 5])], outputs: [vi('y', [1, 4, 3, 3])],
      initializers: [W([4, 3, 3, 3], 1), { name: 'scale', dataType: DataType.FLOAT, dims: [1, 1, 1, 5], data: floats([1, 2, 3, 4, 5]) }],
    }));
    expect(ops(spatial)).toEqual(['Mul', 'Conv']);
  });
});

describe('the exporter fixtures are what their generator writes', () => {
  it('scripts/make-exporter-fixtures.mjs names each one in fixtures/models/README.md', () => {
    const readme = readFileSync(path.join(root, 'fixtures/models/README.md'), 'utf8');
    for (const f of ['constant-weights.onnx', 'constant-weights-init.onnx', 'dynamic-batch.onnx', 'resize-computed-scales.onnx', 'mobilenetv3-decomposed.onnx', 'tf2onnx-nhwc.onnx', 'opset9-upsample.onnx', 'opset7-legacy.onnx']) {
      expect(readme, f).toContain(f);
    }
  });
});
