// ONNX model → Graph IR. Initializers become params/constants, graph inputs are split into real
// data inputs and weights of structure-only exports, nodes become layers in topological order.

import { oneLine, SplitcError } from '@splitc/diagnostics';
import { DataType, dataTypeSize, decodeValues, elementCount, isFloatType, type LoadedModel, type OnnxAttribute, type OnnxTensor, type ValueInfo } from '@splitc/onnx';
import { buildGraph, type ConstValue, type Graph, type Layer, type Tensor } from './graph.js';

import { MAX_FOLDED_ELEMENTS } from './ops/rule.js';

/** Re-exported for the callers that imported it from here; it lives with the folding rules. */
export { MAX_FOLDED_ELEMENTS };

export interface ImportOptions {
  /** Static shapes for data inputs whose declared shape has symbolic or unknown dims. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
}

export function importModel(source: LoadedModel, options: ImportOptions = {}): Graph {
  const { model, file } = source;
  const g = model.graph;
  const opsetEntry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (opsetEntry === undefined) throw new SplitcError('NotAModel', 'no opset_import for the default ONNX domain', { file, field: 'opset_import' });
  if (g.sparseInitializerCount > 0) throw new SplitcError('UnsupportedControlFlow', 'sparse initializers are not supported', { file, field: 'graph.sparse_initializer' });

  const tensors = new Map<string, Tensor>();
  for (const init of g.initializers) {
    if (tensors.has(init.name)) throw new SplitcError('DuplicateTensor', `initializer ${JSON.stringify(init.name)} is defined twice`, { file, field: 'graph.initializer' });
    tensors.set(init.name, storedTensor(source, init.name, init, 'initializer'));
  }

  const usedNames = new Map<string, number>();
  const layers: Omit<Layer, 'index'>[] = g.nodes.map((node, i) => {
    const base = node.name !== '' ? node.name : `${node.opType}_${i}`;
    const seen = usedNames.get(base) ?? 0;
    usedNames.set(base, seen + 1);
    const attrs = new Map<string, OnnxAttribute>();
    for (const a of node.attributes) attrs.set(a.name, a);
    return {
      name: seen === 0 ? base : `${base}#${seen}`,
      op: node.opType,
      domain: node.domain === 'ai.onnx' ? '' : node.domain,
      inputs: node.inputs,
      outputs: node.outputs,
      attrs,
      node,
    };
  });

  const candidates = g.inputs.filter((vi) => !tensors.has(vi.name));
  const seenInputs = new Set<string>();
  for (const vi of candidates) {
    if (seenInputs.has(vi.name)) throw new SplitcError('DuplicateTensor', `graph input ${JSON.stringify(vi.name)} is declared twice`, { file, field: 'graph.input' });
    seenInputs.add(vi.name);
  }
  const paramInputs = classifyParamInputs(candidates.map((c) => c.name), layers);
  const dataInputs: string[] = [];
  for (const vi of candidates) {
    const isParam = paramInputs.has(vi.name);
    const shape = staticInputShape(vi, isParam ? undefined : options.inputShapes?.[vi.name], file);
    const dtype = vi.elemType ?? 0;
    if (dtype === 0) throw new SplitcError('NotAModel', `graph input ${JSON.stringify(vi.name)} has no tensor type`, { file, field: `graph.input ${vi.name}` });
    const batchSetTo1 = !isParam && options.inputShapes?.[vi.name] === undefined && isDynamicBatch(vi.shape);
    tensors.set(vi.name, isParam
      ? { name: vi.name, kind: 'param', dtype, shape, source: { kind: 'graph-input' } }
      : { name: vi.name, kind: 'input', dtype, shape, ...(batchSetTo1 ? { dynamicBatch: { param: typeof vi.shape![0] === 'string' ? vi.shape![0] : null } } : {}) });
    if (!isParam) dataInputs.push(vi.name);
  }
  for (const name of Object.keys(options.inputShapes ?? {})) {
    if (!dataInputs.includes(name)) {
      throw new SplitcError('Usage', `${JSON.stringify(name)} is not a data input of the model (inputs: ${dataInputs.join(', ')})`, { file, field: 'inputShapes' });
    }
  }
  if (dataInputs.length === 0) throw new SplitcError('NoGraphInputs', 'every graph input is a weight or initializer', { file, field: 'graph.input' });
  if (g.outputs.length === 0) throw new SplitcError('NotAModel', 'graph has no outputs', { file, field: 'graph.output' });

  return buildGraph({
    source,
    opset: opsetEntry.version,
    layers,
    tensors,
    inputs: dataInputs,
    outputs: g.outputs.map((o) => o.name),
  });
}

/**
 * Float tensors of at most this many elements carry their values as well as their bytes (resize
 * scales, clip bounds, epsilons, activation constants), so that arithmetic on them folds; larger
 * float tensors are weights and stay bytes.
 */
export const MAX_FLOAT_VALUE_ELEMENTS = 64;

/** Data types whose values decodeValues reads. */
const DECODABLE = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.INT64, DataType.UINT64, DataType.INT32, DataType.UINT32, DataType.INT16, DataType.UINT16, DataType.INT8, DataType.UINT8, DataType.BOOL]);

/**
 * The tensor a stored ONNX tensor becomes: an initializer, or a `Constant` node's value (the
 * constant-weights pass). Both go through here, so a weight is a parameter — counted, partitioned,
 * emitted — whichever way the exporter stored it. Float tensors are params, others constants.
 */
export function storedTensor(source: LoadedModel, name: string, t: OnnxTensor, from: 'initializer' | 'attribute'): Tensor {
  const isParam = isFloatType(t.dataType);
  const count = elementCount(t.dims);
  const limit = isParam ? MAX_FLOAT_VALUE_ELEMENTS : MAX_FOLDED_ELEMENTS;
  let value: ConstValue | undefined;
  if (t.storage !== 'external' && count <= limit && DECODABLE.has(t.dataType)) {
    const bytes = source.tensorBytes(t);
    if (bytes.length === count * dataTypeSize(t.dataType)) value = { dtype: t.dataType, shape: t.dims, data: decodeValues(bytes, t.dataType) };
  }
  return {
    name,
    kind: isParam ? 'param' : 'constant',
    dtype: t.dataType,
    shape: t.dims,
    source: { kind: from, tensor: t },
    ...(value !== undefined ? { value } : {}),
  };
}

function staticInputShape(vi: ValueInfo, override: readonly number[] | undefined, file: string): readonly number[] {
  // Errors name the option that fixes them (inputShapes) and the input in words.
  const where = { file, field: 'inputShapes' };
  const input = `input ${JSON.stringify(vi.name)}`;
  if (override !== undefined) {
    if (vi.shape !== undefined && vi.shape.length !== override.length) {
      throw new SplitcError('Usage', `${input}: shape ${override.join('x')} has rank ${override.length}, the model declares rank ${vi.shape.length}`, where);
    }
    vi.shape?.forEach((d, i) => {
      if (typeof d === 'number' && d !== override[i]) {
        throw new SplitcError('Usage', `${input}: dim ${i} is ${d} in the model, ${override[i]} given`, where);
      }
    });
    return override;
  }
  if (vi.shape === undefined) throw new SplitcError('DynamicShape', `${input} has no shape; give it one, e.g. 1x3x224x224`, where);
  return vi.shape.map((d, i) => {
    // A dynamic batch: splitc plans one frame at a time, so it is 1 (importWarnings says so).
    if (i === 0 && isDynamicBatch(vi.shape)) return 1;
    if (typeof d !== 'number') {
      throw new SplitcError('DynamicShape', `${input}: dim ${i} is ${d === null ? 'unknown' : JSON.stringify(d)}; give it a static shape, e.g. ${vi.shape!.map((x) => (typeof x === 'number' ? x : 1)).join('x')}`, where);
    }
    return d;
  });
}

/** A symbolic leading dim of an input whose other dims are static: a dynamic batch (PyTorch dynamic_axes, tf2onnx's unknown batch). */
function isDynamicBatch(shape: ValueInfo['shape']): boolean {
  return shape !== undefined && shape.length >= 2 && typeof shape[0] !== 'number' && shape.slice(1).every((x) => typeof x === 'number');
}

/**
 * What the import assumed that the user should know: each data input whose dynamic batch dim was
 * set to 1, by input and dim name. Reported by inspect (`warnings`), plan and compile.
 */
export function importWarnings(g: Graph): string[] {
  const out: string[] = [];
  for (const name of g.inputs) {
    const b = g.tensors.get(name)?.dynamicBatch;
    if (b === undefined) continue;
    out.push(oneLine(`input ${JSON.stringify(name)}: dim 0 is dynamic (${b.param === null ? 'unnamed' : JSON.stringify(b.param)}); planned and compiled for a batch of 1 (give an input shape to choose another)`));
  }
  return out;
}

// Weight slots: inputs of these ops at these positions hold learned parameters.
const WEIGHT_SLOTS: Readonly<Record<string, readonly number[]>> = {
  Conv: [1, 2], ConvTranspose: [1, 2], BatchNormalization: [1, 2, 3, 4], InstanceNormalization: [1, 2],
  LayerNormalization: [1, 2], Gemm: [1, 2], PRelu: [1],
};
// Ops that pass a value through unchanged in kind (a weight stays a weight).
const TRANSPARENT = new Set(['Identity', 'Transpose', 'Cast', 'Reshape', 'Unsqueeze', 'Squeeze', 'Dropout']);
// Slots where a weight may sit beside an activation (a bias, a scale, a Linear weight). Any
// other slot is a data slot.
const SIDE_OPERAND_SLOTS: Readonly<Record<string, readonly number[]>> = {
  Add: [0, 1], Sub: [0, 1], Mul: [0, 1], Div: [0, 1], Pow: [0, 1], Max: [0, 1], Min: [0, 1], MatMul: [1],
};
const isSideSlot = (op: string, slot: number): boolean => SIDE_OPERAND_SLOTS[op]?.includes(slot) ?? false;

/**
 * Decide which non-initializer graph inputs are weights (structure-only exports keep weights as
 * graph inputs without initializers). Rule, in order:
 *  1. an input that reaches a weight slot (through Identity/Transpose/… chains) is a weight;
 *  2. an input with a use in a data slot (first input of a non-symmetric op) is data;
 *  3. of the rest, an input whose every use is a side slot (Add, Mul, MatMul's B…) whose other
 *     operand derives from the data found in step 2 is a weight (bias, layer scale);
 *  4. anything else is data.
 */
function classifyParamInputs(names: readonly string[], layers: readonly Omit<Layer, 'index'>[]): Set<string> {
  const uses = new Map<string, { layer: number; slot: number }[]>();
  layers.forEach((l, li) => l.inputs.forEach((name, slot) => {
    if (name === '') return;
    let u = uses.get(name);
    if (u === undefined) uses.set(name, (u = []));
    u.push({ layer: li, slot });
  }));
  // Terminal uses of a tensor, following transparent ops.
  const terminalUses = (name: string): { layer: number; slot: number }[] => {
    const out: { layer: number; slot: number }[] = [];
    const stack = [name];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const u of uses.get(n) ?? []) {
        const l = layers[u.layer]!;
        if (TRANSPARENT.has(l.op) && u.slot === 0) stack.push(...l.outputs.filter((o) => o !== ''));
        else out.push(u);
      }
    }
    return out;
  };
  const params = new Set<string>();
  const data = new Set<string>();
  const undecided: string[] = [];
  for (const name of names) {
    const t = terminalUses(name);
    if (t.some((u) => WEIGHT_SLOTS[layers[u.layer]!.op]?.includes(u.slot))) params.add(name);
    else if (t.some((u) => !isSideSlot(layers[u.layer]!.op, u.slot))) data.add(name);
    else undecided.push(name);
  }
  if (undecided.length === 0) return params;
  // Tensors that depend on the data inputs found so far.
  const dataDerived = new Set<string>(data);
  for (let changed = true; changed;) {
    changed = false;
    for (const l of layers) {
      if (!l.inputs.some((i) => dataDerived.has(i))) continue;
      for (const o of l.outputs) if (!dataDerived.has(o)) { dataDerived.add(o); changed = true; }
    }
  }
  for (const name of undecided) {
    const t = terminalUses(name);
    const isSide = t.length > 0 && t.every((u) => {
      const l = layers[u.layer]!;
      return l.inputs.some((other, slot) => slot !== u.slot && dataDerived.has(other));
    });
    if (isSide) params.add(name);
  }
  return params;
}
