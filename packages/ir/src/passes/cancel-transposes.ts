// cancel-transposes: tf2onnx keeps TensorFlow's NHWC layout by wrapping every convolution in a
// Transpose to NCHW and one back (…Conv → Transpose(0,2,3,1) → Transpose(0,3,1,2) → Conv…).
// A Transpose that undoes the one before it is removed with it, and its readers read the first
// Transpose's input; what stays is one Transpose at each end of the model.

import { buildGraph, type Layer, type Tensor } from '../graph.js';
import type { Pass } from './pass.js';

export const cancelTransposes: Pass = {
  name: 'cancel-transposes',
  requires: ['sorted', 'static-shapes', 'folded'],
  establishes: ['sorted', 'static-shapes', 'folded'],
  run(g) {
    const perm = (l: Layer): readonly number[] | undefined => (l.op === 'Transpose' && l.domain === '' && l.outputs.length === 1 ? l.attrs.get('perm')?.ints : undefined);
    /** Tensor renames: the second Transpose's output → the first one's input. */
    const rename = new Map<string, string>();
    const removed = new Set<number>();
    for (const second of g.layers) {
      const p2 = perm(second);
      const mid = second.inputs[0];
      const t = mid === undefined ? undefined : g.tensors.get(mid);
      if (p2 === undefined || t?.producer === undefined || removed.has(t.producer)) continue;
      const first = g.layers[t.producer]!;
      const p1 = perm(first);
      if (p1 === undefined || p1.length !== p2.length) continue;
      // Transposing by p1 then p2 gives axis p1[p2[i]] at position i: the identity cancels.
      if (!p2.every((a, i) => p1[a] === i)) continue;
      if ((g.consumers.get(mid!) ?? []).length !== 1 || g.outputs.includes(mid!) || g.outputs.includes(second.outputs[0]!)) continue;
      const source = first.inputs[0]!;
      rename.set(second.outputs[0]!, rename.get(source) ?? source);
      removed.add(first.index);
      removed.add(second.index);
    }
    if (removed.size === 0) return g;
    const layers = g.layers.filter((l) => !removed.has(l.index)).map((l) => (l.inputs.some((i) => rename.has(i)) ? { ...l, inputs: l.inputs.map((i) => rename.get(i) ?? i) } : l));
    const tensors = new Map<string, Tensor>(g.tensors);
    for (const i of removed) for (const o of g.layers[i]!.outputs) tensors.delete(o);
    return buildGraph({ ...g, layers, tensors });
  },
};
