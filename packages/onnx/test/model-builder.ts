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
