// verify: the well-formedness check that tests run around every pass.

import { assert } from '@splitc/diagnostics';
import type { Graph } from '../graph.js';
import type { GraphProperty, Instrument, Pass } from './pass.js';

/** Throws (an internal error) if `g` violates any of `props`. */
export function verifyGraph(g: Graph, props: readonly GraphProperty[]): void {
  const available = new Set<string>();
  for (const [name, t] of g.tensors) if (t.kind !== 'activation') available.add(name);
  for (const l of g.layers) {
    assert(g.layers[l.index] === l, `layer ${l.name} has index ${l.index} but sits elsewhere`);
    for (const i of l.inputs) {
      if (i === '') continue;
      assert(g.tensors.has(i), `layer ${l.name} reads unknown tensor ${i}`);
      if (props.includes('sorted')) assert(available.has(i), `layer ${l.name} reads ${i} before it is produced`);
    }
    for (const o of l.outputs) {
      if (o === '') continue;
      assert(g.tensors.get(o)?.producer === l.index, `tensor ${o} does not name layer ${l.name} as its producer`);
      available.add(o);
    }
    if (props.includes('costed')) assert(l.cost !== undefined, `layer ${l.name} has no cost`);
  }
  for (const o of g.outputs) assert(g.tensors.has(o), `graph output ${o} is not a tensor`);
  for (const i of g.inputs) assert(g.tensors.get(i)?.kind === 'input', `graph input ${i} is not an input tensor`);
  if (props.includes('static-shapes')) {
    for (const [name, t] of g.tensors) {
      assert(t.shape !== undefined && t.shape.every((d) => Number.isSafeInteger(d) && d >= 0), `tensor ${name} has no static shape`);
      assert(t.dtype !== 0, `tensor ${name} has no dtype`);
    }
  }
  if (props.includes('folded')) {
    for (const l of g.layers) {
      assert(l.op !== 'Constant', `Constant node ${l.name} survived folding`);
    }
  }
}

/** An instrument that verifies what each pass requires before it and establishes after it. */
export const verifier: Instrument = {
  before(pass: Pass, g: Graph) { verifyGraph(g, pass.requires); },
  after(pass: Pass, g: Graph) { verifyGraph(g, pass.establishes); },
};
