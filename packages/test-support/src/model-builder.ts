// A small builder of ONNX models for tests (through the package's own encoder).
import { DataType, encodeModel, type ModelInput, type NodeInput, type TensorInput, type ValueInfoInput } from '@splitc/onnx';

export function floats(values: readonly number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

export function int64s(values: readonly number[]): Uint8Array {
  return new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
}

export function vi(name: string, shape: readonly (number | string)[], elemType: number = DataType.FLOAT): ValueInfoInput {
  return { name, elemType, shape };
}

export function model(parts: {
  nodes: readonly NodeInput[];
  inputs: readonly ValueInfoInput[];
  outputs: readonly ValueInfoInput[];
  initializers?: readonly TensorInput[];
  opset?: number;
}): Uint8Array {
  const m: ModelInput = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: parts.opset ?? 13 }],
    producerName: 'splitc-tests',
    graph: { name: 'g', nodes: parts.nodes, initializers: parts.initializers ?? [], inputs: parts.inputs, outputs: parts.outputs },
  };
  return encodeModel(m);
}

/**
 * Two branches from the input, interleaved in node order: a chain of three 3x3 convolutions
 * (a1 → a2 → a3) and a branch through Softmax (s1 → s2), joined by an Add. The DPU can take the
 * conv chain but not the Softmax, so the natural DPU set {a1, a2, a3} is not a prefix of the
 * order a1, s1, a2, s2, a3, add.
 */
export function twoBranchModel(channels: number, size: number, weight: (i: number) => number): Uint8Array {
  const pads = [{ name: 'pads', type: 'ints' as const, ints: [1, 1, 1, 1] }];
  const n = channels * channels * 9;
  return model({
    nodes: [
      { name: 'a1', opType: 'Conv', inputs: ['x', 'w'], outputs: ['a1'], attributes: pads },
      { name: 's1', opType: 'Softmax', inputs: ['x'], outputs: ['s1'] },
      { name: 'a2', opType: 'Conv', inputs: ['a1', 'w'], outputs: ['a2'], attributes: pads },
      { name: 's2', opType: 'Relu', inputs: ['s1'], outputs: ['s2'] },
      { name: 'a3', opType: 'Conv', inputs: ['a2', 'w'], outputs: ['a3'], attributes: pads },
      { name: 'add', opType: 'Add', inputs: ['a3', 's2'], outputs: ['y'] },
    ],
    inputs: [vi('x', [1, channels, size, size])],
    outputs: [vi('y', [1, channels, size, size])],
    initializers: [{ name: 'w', dataType: DataType.FLOAT, dims: [channels, channels, 3, 3], data: floats(Array.from({ length: n }, (_, i) => weight(i))) }],
  });
}
