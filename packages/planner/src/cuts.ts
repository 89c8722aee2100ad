// Prefix cuts of the layer DAG. The DPU side is a set of layers closed under predecessors; what
// crosses a cut is defined once, in @splitc/ir's cutTensors.
//
// A split index k means: the first k layers of the graph's fixed topological order run on the
// DPU, the rest on the GPU. k = 0 is GPU-only, k = n is DPU-only. Every prefix of a topological
// order is closed under predecessors, so every k whose layers the DPU supports is a valid cut.

import { elementCount, type CutTensor, type Graph } from '@splitc/ir';

/** Positions that decide when a tensor crosses a prefix cut. */
interface Span { readonly name: string; readonly producer: number; readonly lastConsumer: number; readonly isOutput: boolean; readonly bytes: number }

function spans(g: Graph): Span[] {
  const out: Span[] = [];
  const outputs = new Set(g.outputs);
  for (const [name, t] of g.tensors) {
    if (t.kind !== 'activation' && t.kind !== 'input') continue;
    const consumers = g.consumers.get(name) ?? [];
    out.push({
      name,
      producer: t.producer ?? -1,
      lastConsumer: consumers.length > 0 ? consumers[consumers.length - 1]! : -1,
      isOutput: outputs.has(name),
      bytes: elementCount(t.shape!),
    });
  }
  return out;
}

/** Crossing tensors of every prefix cut k = 0..n (the same as cutTensors of each prefix), in one pass over the tensors. */
export function prefixCrossings(g: Graph): CutTensor[][] {
  const n = g.layers.length;
  const byCut: CutTensor[][] = Array.from({ length: n + 1 }, () => []);
  for (const s of spans(g)) {
    const t = g.tensors.get(s.name)!;
    const c: CutTensor = { name: s.name, shape: t.shape!, bytes: s.bytes, from: s.producer === -1 ? 'input' : 'dpu' };
    // Crosses cut k when made before k (producer < k) and read at or after k, or a graph output.
    const from = s.producer + 1;
    const to = s.isOutput ? n : Math.min(s.lastConsumer, n);
    for (let k = from; k <= to; k++) byCut[k]!.push(c);
  }
  for (const list of byCut) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return byCut;
}
