// Cuts of the layer graph: which tensors cross from a DPU-side set of layers to the GPU side.
// The planner prices them; the partition writer makes them the two partitions' interface.

import type { Graph } from './graph.js';
import { linkBytes, type CrossingFrom } from './seam.js';

export interface CutTensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** Bytes per frame on the link (seam.ts, linkBytes): INT8 from the DPU, the uint8 camera frame for a model input. */
  readonly bytes: number;
  /** dpu: made by a DPU-side layer; input: a model input read on the GPU side. */
  readonly from: CrossingFrom;
}

/**
 * The tensors crossing a cut: made on the DPU side (model inputs count as made there, at the
 * camera) and read on the GPU side, plus graph outputs made on the DPU side (results are
 * delivered on the host). Sorted by name.
 */
export function cutTensors(g: Graph, onDpu: readonly boolean[]): CutTensor[] {
  const out: CutTensor[] = [];
  const outputs = new Set(g.outputs);
  for (const [name, t] of g.tensors) {
    if (t.kind !== 'activation' && t.kind !== 'input') continue;
    const from: CrossingFrom | null = t.producer === undefined ? 'input' : onDpu[t.producer] ? 'dpu' : null;
    if (from === null) continue;
    const readOnGpu = (g.consumers.get(name) ?? []).some((c) => !onDpu[c]);
    if (readOnGpu || (from === 'dpu' && outputs.has(name))) out.push({ name, shape: t.shape!, bytes: linkBytes(t.shape!), from });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** True when every DPU-side layer's producers are on the DPU side too. */
export function isClosedCut(g: Graph, onDpu: readonly boolean[]): boolean {
  for (const l of g.layers) {
    if (!onDpu[l.index]) continue;
    for (const i of l.inputs) {
      const p = i === '' ? undefined : g.tensors.get(i)!.producer;
      if (p !== undefined && !onDpu[p]) return false;
    }
  }
  return true;
}
