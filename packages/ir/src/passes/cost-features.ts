// cost-features: per-layer MACs (from each op's rule), learned parameters, weight bytes and
// activation bytes in and out — the features the latency model and the GNN read.

import { dataTypeSize } from '@splitc/onnx';
import { buildGraph, elementCount, type Graph, type Layer, type LayerCost } from '../graph.js';
import { OpContext, ruleFor, type TensorType } from '../ops/index.js';
import type { Pass } from './pass.js';
import { resolveAlias } from './fold-constants.js';

export const costFeatures: Pass = {
  name: 'cost-features',
  requires: ['sorted', 'static-shapes'],
  establishes: ['sorted', 'static-shapes', 'costed'],
  run(graph) {
    const layers = graph.layers.map((l): Layer => ({ ...l, cost: layerCost(graph, l) }));
    return buildGraph({ ...graph, layers });
  },
};

function bytesOf(g: Graph, name: string): number {
  const t = g.tensors.get(name)!;
  return elementCount(t.shape!) * dataTypeSize(t.dtype);
}

/** Float operands that are attributes passed as tensors (bounds, scales, exponents), not weights. */
const ATTRIBUTE_SLOTS: Readonly<Record<string, readonly number[]>> = {
  Clip: [1, 2], Pad: [2], Resize: [1, 2], Upsample: [1], Pow: [1],
};
/** Elementwise ops whose one-element operands are constants of a formula (x + 3, x / 6, 0.5 · x). */
const FORMULA_OPS = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Sum', 'Mean', 'Where']);

/**
 * Whether input `slot` of `l` is a learned parameter: a float tensor stored in the model (an
 * initializer or a Constant node alike) that is neither an attribute-like operand nor a scalar of
 * an elementwise formula. PReLU's one slope, a layer scale [C,1,1] and every weight slot count.
 */
export function isLearnedParam(g: Graph, l: Layer, slot: number): boolean {
  const name = l.inputs[slot];
  if (name === undefined || name === '') return false;
  const t = g.tensors.get(name)!;
  if (t.kind !== 'param') return false;
  if (ATTRIBUTE_SLOTS[l.op]?.includes(slot)) return false;
  return !(FORMULA_OPS.has(l.op) && elementCount(t.shape!) === 1);
}

export function layerCost(g: Graph, l: Layer): LayerCost {
  const type = (name: string): TensorType | undefined => {
    if (name === '') return undefined;
    const t = g.tensors.get(name)!;
    return t.value !== undefined ? { dtype: t.dtype, shape: t.shape!, value: t.value } : { dtype: t.dtype, shape: t.shape! };
  };
  const rule = ruleFor(l.domain, l.op);
  const ctx = new OpContext(l, g.opset, l.inputs.map(type));
  const outs = l.outputs.map((o) => type(o)!).filter((t) => t !== undefined);
  const macs = rule?.macs?.(ctx, outs) ?? 0;
  let params = 0;
  let weightBytes = 0;
  let inputBytes = 0;
  const seen = new Set<string>();
  l.inputs.forEach((name, slot) => {
    if (name === '' || seen.has(name)) return;
    seen.add(name);
    const t = g.tensors.get(name)!;
    if (t.kind === 'param') {
      if (isLearnedParam(g, l, slot)) params += elementCount(resolveAlias(g, name).shape!);
      weightBytes += bytesOf(g, name);
    } else if (t.kind === 'activation' || t.kind === 'input') {
      inputBytes += bytesOf(g, name);
    }
  });
  let outputBytes = 0;
  for (const o of l.outputs) if (o !== '') outputBytes += bytesOf(g, o);
  return { macs, params, weightBytes, inputBytes, outputBytes };
}

export interface GraphTotals {
  readonly macs: number;
  /** Distinct learned parameters (a weight shared by two layers counts once). */
  readonly params: number;
  readonly layers: number;
}

export function graphTotals(g: Graph): GraphTotals {
  let macs = 0;
  const seen = new Set<string>();
  let params = 0;
  for (const l of g.layers) {
    macs += l.cost?.macs ?? 0;
    for (const [slot, name] of l.inputs.entries()) {
      if (!isLearnedParam(g, l, slot)) continue;
      const root = resolveAlias(g, name);
      if (seen.has(root.name)) continue;
      seen.add(root.name);
      params += elementCount(root.shape!);
    }
  }
  return { macs, params, layers: g.layers.length };
}
