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

/** What crosses each prefix cut k = 0..n, held in O(layers + tensors) space. */
export interface PrefixCrossings {
  /** Number of crossing tensors of cut k. */
  readonly counts: readonly number[];
  /** Their bytes (one per element). */
  readonly bytes: readonly number[];
  /** The crossing tensors of cut k, sorted by name (the same as cutTensors of the prefix); O(tensors). */
  at(k: number): CutTensor[];
}

/**
 * Crossing counts and bytes of every prefix cut, in one pass over the tensors. A tensor crosses
 * the cuts k in [producer + 1, last reader] (or up to n for a graph output): a difference array
 * per cut instead of a list per cut, which was quadratic (20,000 parallel branches into one
 * Concat: 2·10^8 entries).
 */
export function prefixCrossings(g: Graph): PrefixCrossings {
  const n = g.layers.length;
  const dCount = new Array<number>(n + 2).fill(0);
  const dBytes = new Array<number>(n + 2).fill(0);
  const all = spans(g);
  const range = (s: Span): [number, number] => [s.producer + 1, s.isOutput ? n : Math.min(s.lastConsumer, n)];
  for (const s of all) {
    const [from, to] = range(s);
    if (from > to) continue;
    dCount[from]! += 1; dCount[to + 1]! -= 1;
    dBytes[from]! += s.bytes; dBytes[to + 1]! -= s.bytes;
  }
  const counts: number[] = [];
  const bytes: number[] = [];
  for (let k = 0, c = 0, b = 0; k <= n; k++) {
    c += dCount[k]!;
    b += dBytes[k]!;
    counts.push(c);
    bytes.push(b);
  }
  return {
    counts,
    bytes,
    at(k) {
      const out: CutTensor[] = [];
      for (const s of all) {
        const [from, to] = range(s);
        if (k < from || k > to) continue;
        out.push({ name: s.name, shape: g.tensors.get(s.name)!.shape!, bytes: s.bytes, from: s.producer === -1 ? 'input' : 'dpu' });
      }
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
  };
}
