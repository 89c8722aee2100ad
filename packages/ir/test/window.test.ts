// Window geometry decoded once (ops/window.ts): explicit pads after auto_pad, checked by hand and
// against onnxruntime's output shapes; the same decoding feeds shape inference.
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { analyzeModel, windowGeometry, type Graph } from '@splitc/ir';
import { DataType, loadModelFromBytes, type OnnxAttribute } from '@splitc/onnx';
import { floats, model, vi } from '@splitc/test-support';

const str = (name: string, v: string): OnnxAttribute => ({ name, type: 'string', s: new TextEncoder().encode(v) });
const ints = (name: string, v: number[]): OnnxAttribute => ({ name, type: 'ints', ints: v });
const int = (name: string, v: number): OnnxAttribute => ({ name, type: 'int', i: v });

function oneLayer(op: string, x: number[], w: number[] | null, attributes: OnnxAttribute[]): Uint8Array {
  return model({
    nodes: [{ name: 'n', opType: op, inputs: w === null ? ['x'] : ['x', 'w'], outputs: ['y'], attributes }],
    inputs: [vi('x', x)],
    outputs: [vi('y', ['?'])],
    initializers: w === null ? [] : [{ name: 'w', dataType: DataType.FLOAT, dims: w, data: floats(new Array(w.reduce((a, b) => a * b, 1)).fill(0.01)) }],
  });
}

async function ortShape(bytes: Uint8Array, x: number[]): Promise<number[]> {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({ x: new ort.Tensor('float32', new Float32Array(x.reduce((a, b) => a * b, 1)), x) });
  return [...out.y!.dims];
}

interface Case { label: string; op: string; x: number[]; w: number[] | null; attrs: OnnxAttribute[]; pads: number[]; out: number[]; noOrt?: string }
const cases: Case[] = [
  // total = (ceil(7/2)-1)·2 + 3 - 7 = 2 → 1/1; (ceil(8/2)-1)·2 + 3 - 8 = 1 → UPPER puts it at the end
  { label: 'Conv SAME_UPPER k3 s2', op: 'Conv', x: [1, 2, 7, 8], w: [4, 2, 3, 3], attrs: [str('auto_pad', 'SAME_UPPER'), ints('strides', [2, 2])], pads: [1, 0, 1, 1], out: [4, 4] },
  { label: 'Conv SAME_LOWER k3 s2', op: 'Conv', x: [1, 2, 7, 8], w: [4, 2, 3, 3], attrs: [str('auto_pad', 'SAME_LOWER'), ints('strides', [2, 2])], pads: [1, 1, 1, 0], out: [4, 4] },
  // dilation 2: extent 5, total 4 → 2/2
  { label: 'Conv SAME_UPPER dilated', op: 'Conv', x: [1, 2, 9, 9], w: [2, 2, 3, 3], attrs: [str('auto_pad', 'SAME_UPPER'), ints('dilations', [2, 2])], pads: [2, 2, 2, 2], out: [9, 9], noOrt: 'onnxruntime refuses dilation with SAME auto_pad' },
  { label: 'Conv VALID ignores pads', op: 'Conv', x: [1, 2, 9, 9], w: [2, 2, 3, 3], attrs: [str('auto_pad', 'VALID')], pads: [0, 0, 0, 0], out: [7, 7] },
  { label: 'Conv grouped explicit pads', op: 'Conv', x: [1, 4, 9, 9], w: [4, 2, 3, 3], attrs: [int('group', 2), ints('pads', [0, 1, 2, 1])], pads: [0, 1, 2, 1], out: [9, 9] },
  { label: 'MaxPool SAME_UPPER k2 s2', op: 'MaxPool', x: [1, 2, 7, 7], w: null, attrs: [ints('kernel_shape', [2, 2]), ints('strides', [2, 2]), str('auto_pad', 'SAME_UPPER')], pads: [0, 0, 1, 1], out: [4, 4] },
  { label: 'AveragePool ceil_mode', op: 'AveragePool', x: [1, 2, 8, 8], w: null, attrs: [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1]), int('ceil_mode', 1)], pads: [1, 1, 1, 1], out: [5, 5] },
  // ConvTranspose SAME: out = n·s; total = s(n−1) + k − n·s = 3 − 2 = 1 → UPPER 0/1
  { label: 'ConvTranspose SAME_UPPER', op: 'ConvTranspose', x: [1, 2, 5, 5], w: [2, 3, 3, 3], attrs: [str('auto_pad', 'SAME_UPPER'), ints('strides', [2, 2])], pads: [0, 0, 1, 1], out: [10, 10] },
  { label: 'ConvTranspose output_shape', op: 'ConvTranspose', x: [1, 2, 5, 5], w: [2, 3, 3, 3], attrs: [ints('output_shape', [9, 9]), ints('strides', [2, 2])], pads: [1, 1, 1, 1], out: [9, 9] },
];

describe('windowGeometry', () => {
  for (const c of cases) {
    it(`${c.label}: explicit pads and output agree with shape inference and onnxruntime`, async () => {
      const bytes = oneLayer(c.op, c.x, c.w, c.attrs);
      const g: Graph = analyzeModel(loadModelFromBytes(bytes, 'w.onnx'));
      const layer = g.layers.find((l) => l.op === c.op)!;
      const geo = windowGeometry(g, layer);
      expect(geo.pads).toEqual(c.pads);
      expect(geo.output).toEqual(c.out);
      expect(g.tensors.get('y')!.shape!.slice(2)).toEqual(c.out);
      if (c.noOrt === undefined) expect((await ortShape(bytes, c.x)).slice(2)).toEqual(c.out);
    });
  }

  it('decodes once per graph and layer: the same geometry object each time, each graph its own', () => {
    const attrs = [str('auto_pad', 'SAME_UPPER'), ints('strides', [2, 2])];
    const g1 = analyzeModel(loadModelFromBytes(oneLayer('Conv', [1, 2, 7, 8], [4, 2, 3, 3], attrs), 'a.onnx'));
    const g2 = analyzeModel(loadModelFromBytes(oneLayer('Conv', [1, 2, 9, 9], [4, 2, 3, 3], attrs), 'b.onnx'));
    const [l1, l2] = [g1.layers[0]!, g2.layers[0]!];
    const geo1 = windowGeometry(g1, l1);
    expect(windowGeometry(g1, l1)).toBe(geo1);
    expect(geo1.output).toEqual([4, 4]);
    expect(windowGeometry(g2, l2).output).toEqual([5, 5]);
    // A layer that is not the graph's own is decoded against that graph's tensors and not cached.
    expect(windowGeometry(g2, l1).output).toEqual([5, 5]);
    expect(windowGeometry(g2, l1)).not.toBe(windowGeometry(g2, l1));
    expect(windowGeometry(g1, l1)).toBe(geo1);
    expect(windowGeometry(g2, l2)).toBe(windowGeometry(g2, l2));
  });

  it('refuses an unknown auto_pad naming the field', () => {
    const bytes = oneLayer('Conv', [1, 2, 8, 8], [2, 2, 3, 3], [str('auto_pad', 'SAME')]);
    expect(() => analyzeModel(loadModelFromBytes(bytes, 'w.onnx'))).toThrow(/auto_pad "SAME" is not one of/);
  });
});
