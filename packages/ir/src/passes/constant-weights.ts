// constant-weights: `Constant` nodes become tensors exactly like initializers (tf2onnx, Keras and
// older PyTorch exports keep weights in Constant nodes). A float value is a parameter — counted,
// partitioned and emitted like an initializer — and small values fold the same whichever way
// they were stored.

import { DataType } from '@splitc/onnx';
import { buildGraph, type Layer, type Tensor } from '../graph.js';
import { storedTensor } from '../import-model.js';
import type { Pass } from './pass.js';

export const constantWeights: Pass = {
  name: 'constant-weights',
  requires: ['sorted'],
  establishes: ['sorted'],
  run(graph) {
    const tensors = new Map<string, Tensor>(graph.tensors);
    const outputs = new Set(graph.outputs);
    const keep: Layer[] = [];
    for (const l of graph.layers) {
      const out = l.outputs[0];
      // A Constant that is itself a graph output stays a layer: something must produce it.
      const t = l.op === 'Constant' && l.domain === '' && l.outputs.length === 1 && out !== undefined && out !== '' && !outputs.has(out) ? fromAttributes(graph.source, l, out) : undefined;
      if (t === undefined) keep.push(l);
      else tensors.set(out!, t);
    }
    if (keep.length === graph.layers.length) return graph;
    return buildGraph({ ...graph, layers: keep, tensors });
  },
};

/** The tensor a Constant node holds; undefined for forms left to its op rule (strings, sparse, malformed). */
function fromAttributes(source: Parameters<typeof storedTensor>[0], l: Layer, name: string): Tensor | undefined {
  if (l.attrs.size !== 1) return undefined;
  const a = l.attrs.get('value') ?? l.attrs.get('value_float') ?? l.attrs.get('value_floats') ?? l.attrs.get('value_int') ?? l.attrs.get('value_ints');
  if (a === undefined) return undefined;
  if (a.name === 'value') return a.t === undefined || a.t.dataType === DataType.STRING ? undefined : storedTensor(source, name, a.t, 'attribute');
  const list = a.name === 'value_float' ? (a.f === undefined ? undefined : [a.f]) : a.name === 'value_int' ? (a.i === undefined ? undefined : [a.i]) : a.name === 'value_floats' ? a.floats : a.ints;
  if (list === undefined) return undefined;
  const isFloat = a.name.startsWith('value_float');
  const dtype = isFloat ? DataType.FLOAT : DataType.INT64;
  const shape = a.name === 'value_float' || a.name === 'value_int' ? [] : [list.length];
  return { name, kind: isFloat ? 'param' : 'constant', dtype, shape, value: { dtype, shape, data: list }, source: { kind: 'folded' } };
}
