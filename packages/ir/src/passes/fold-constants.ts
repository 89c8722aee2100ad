// fold-constants: removes layers that compute nothing per frame — Constant nodes, shape
// arithmetic whose values infer-shapes computed, and aliases/reshapes of weights (Identity on a
// parameter) — so that the layer list holds only the work a device does.

import { isFloatType } from '@splitc/onnx';
import type { Graph, Layer, Tensor, TensorSource } from '../graph.js';
import { buildGraph } from '../graph.js';
import type { Pass } from './pass.js';

/** Ops that return their first input unchanged at inference time. */
const ALIAS_OPS = new Set(['Identity', 'Dropout']);

export const foldConstants: Pass = {
  name: 'fold-constants',
  requires: ['sorted', 'static-shapes'],
  establishes: ['sorted', 'static-shapes', 'folded'],
  run(graph) {
    const tensors = new Map<string, Tensor>(graph.tensors);
    const isStatic = (name: string): boolean => name === '' || tensors.get(name)!.kind !== 'activation' && tensors.get(name)!.kind !== 'input';
    const hasData = (name: string): boolean => {
      const s = tensors.get(name)!.source;
      return s === undefined || (s.kind !== 'graph-input' && s.kind !== 'derived');
    };
    const keep: Layer[] = [];
    for (const l of graph.layers) {
      const outs = l.outputs.filter((o) => o !== '').map((o) => tensors.get(o)!);
      const allValued = outs.every((t) => t.value !== undefined);
      // Shape(x) of an activation has a compile-time value; anything else must read only static tensors.
      if ((!allValued && !l.inputs.every(isStatic)) || graph.outputs.some((o) => l.outputs.includes(o))) {
        keep.push(l);
        continue;
      }
      // An alias has one used output (Dropout's mask output, when present, is not an alias).
      const alias = ALIAS_OPS.has(l.op) && l.inputs[0] !== undefined && l.inputs[0] !== '' && outs.length === 1;
      const dataless = l.inputs.some((i) => i !== '' && !hasData(i));
      const isConstantNode = l.op === 'Constant';
      if (!(allValued || alias || dataless || isConstantNode)) {
        keep.push(l);
        continue;
      }
      for (const t of outs) {
        let source: TensorSource;
        let kind: Tensor['kind'];
        if (alias) {
          const src = tensors.get(l.inputs[0]!)!;
          source = { kind: 'alias', of: src.source?.kind === 'alias' ? src.source.of : src.name };
          kind = src.kind;
        } else if (isConstantNode && t.value === undefined) {
          source = { kind: 'attribute', tensor: l.attrs.get('value')!.t! };
          kind = isFloatType(t.dtype) ? 'param' : 'constant';
        } else if (t.value !== undefined) {
          // Arithmetic on weights (a scale times a weight) is a weight; shape arithmetic is not.
          source = { kind: 'folded' };
          kind = isFloatType(t.dtype) && l.inputs.some((i) => i !== '' && tensors.get(i)!.kind === 'param') ? 'param' : 'constant';
        } else {
          source = { kind: 'derived' };
          kind = isFloatType(t.dtype) ? 'param' : 'constant';
        }
        const { producer: _drop, ...rest } = t;
        tensors.set(t.name, { ...rest, kind, source });
      }
    }
    // Only tensors still referenced survive, so dropped shape arithmetic leaves no litter.
    const live = new Set<string>([...graph.inputs, ...graph.outputs]);
    for (const l of keep) for (const n of [...l.inputs, ...l.outputs]) if (n !== '') live.add(n);
    for (const name of [...live]) {
      const s = tensors.get(name)?.source;
      if (s?.kind === 'alias') live.add(s.of);
    }
    for (const name of [...tensors.keys()]) if (!live.has(name)) tensors.delete(name);
    return buildGraph({ ...graph, layers: keep, tensors });
  },
};

/** The tensor that actually holds a param's bytes (following Identity aliases). */
export function resolveAlias(g: Graph, name: string): Tensor {
  const t = g.tensors.get(name)!;
  return t.source?.kind === 'alias' ? g.tensors.get(t.source.of) ?? t : t;
}
