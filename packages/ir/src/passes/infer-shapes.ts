// infer-shapes: gives every tensor a static shape and dtype, in topological order, and computes
// the values of small constant tensors on the way (PyTorch's Shape → Gather → Concat → Reshape
// arithmetic), so that every downstream shape is known. Ops without a rule fail together.

import { SplitcError } from '@splitc/diagnostics';
import { dataTypeName } from '@splitc/onnx';
import type { Tensor } from '../graph.js';
import { buildGraph, elementCount } from '../graph.js';
import { OpContext, ruleFor, type TensorType } from '../ops/index.js';
import { MAX_TOTAL_FOLDED_ELEMENTS, withFoldBudget } from '../ops/rule.js';
import type { Pass } from './pass.js';

export const inferShapes: Pass = {
  name: 'infer-shapes',
  requires: ['sorted'],
  establishes: ['static-shapes'],
  run(graph) {
    const missing = new Map<string, string[]>();
    for (const l of graph.layers) {
      if (ruleFor(l.domain, l.op) === undefined) {
        const key = l.domain === '' ? l.op : `${l.domain}::${l.op}`;
        const list = missing.get(key) ?? [];
        list.push(l.name);
        missing.set(key, list);
      }
    }
    if (missing.size > 0) {
      const parts = [...missing.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([op, nodes]) => `${op} (${nodes.length} node${nodes.length > 1 ? 's' : ''}, first ${nodes[0]})`);
      throw new SplitcError('UnsupportedOps', `${missing.size} op type${missing.size > 1 ? 's' : ''}: ${parts.join('; ')}`);
    }

    const tensors = new Map<string, Tensor>(graph.tensors);
    // Element counts past 2^53 cannot be counted exactly in a double: refused, inputs and outputs alike.
    for (const name of graph.inputs) {
      const shape = tensors.get(name)?.shape;
      if (shape !== undefined && !Number.isSafeInteger(elementCount(shape))) {
        throw new SplitcError('BadDims', `element count of [${shape.join(',')}] exceeds 2^53`, { field: `graph.input ${name}` });
      }
    }
    const typeOf = (name: string): TensorType | undefined => {
      if (name === '') return undefined;
      const t = tensors.get(name)!;
      if (t.shape === undefined) return undefined;
      return t.value !== undefined ? { dtype: t.dtype, shape: t.shape, value: t.value } : { dtype: t.dtype, shape: t.shape };
    };
    withFoldBudget(MAX_TOTAL_FOLDED_ELEMENTS, () => {
      for (const l of graph.layers) {
        const ins = l.inputs.map(typeOf);
        l.inputs.forEach((name, i) => {
          if (name !== '' && ins[i] === undefined) throw new SplitcError('DynamicShape', `input ${JSON.stringify(name)} has no known shape`, { node: l.name, op: l.op });
        });
        const ctx = new OpContext(l, graph.opset, ins);
        const outs = ruleFor(l.domain, l.op)!.infer(ctx);
        l.outputs.forEach((name, i) => {
          if (name === '') return;
          const ty = outs[i];
          if (ty === undefined) throw new SplitcError('ShapeError', `output ${i} (${JSON.stringify(name)}) is not produced by the op's rule`, { node: l.name, op: l.op });
          if (ty.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
            throw new SplitcError('ShapeError', `inferred an invalid shape [${ty.shape.join(',')}] for ${JSON.stringify(name)}`, { node: l.name, op: l.op });
          }
          if (!Number.isSafeInteger(elementCount(ty.shape))) {
            throw new SplitcError('BadDims', `element count of [${ty.shape.join(',')}] for ${JSON.stringify(name)} exceeds 2^53`, { node: l.name, op: l.op });
          }
          if (ty.dtype === 0) throw new SplitcError('ShapeError', `no dtype for ${JSON.stringify(name)} (${dataTypeName(0)})`, { node: l.name, op: l.op });
          const prev = tensors.get(name)!;
          tensors.set(name, { ...prev, dtype: ty.dtype, shape: ty.shape, ...(ty.value !== undefined ? { value: ty.value } : {}) });
        });
      }
    });
    return buildGraph({ ...graph, tensors });
  },
};
