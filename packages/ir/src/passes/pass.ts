// A pass is a named pure function Graph → Graph. Instruments run before and after every pass;
// tests install a verifier there (TVM's well-formedness instrument).

import { SplitcError } from '@splitc/diagnostics';
import type { Graph } from '../graph.js';

export interface Pass {
  readonly name: string;
  /** What the pass needs to hold on its input, checked by the verifier instrument. */
  readonly requires: readonly GraphProperty[];
  /** What holds on its output. */
  readonly establishes: readonly GraphProperty[];
  run(graph: Graph): Graph;
}

/** sorted: layers in topological order, every input produced. static-shapes: every tensor has dtype and shape. */
export type GraphProperty = 'sorted' | 'static-shapes' | 'folded' | 'costed';

export interface Instrument {
  before?(pass: Pass, graph: Graph): void;
  after?(pass: Pass, graph: Graph): void;
}

export function runPasses(graph: Graph, passes: readonly Pass[], instruments: readonly Instrument[] = []): Graph {
  let g = graph;
  for (const pass of passes) {
    for (const i of instruments) i.before?.(pass, g);
    try {
      g = pass.run(g);
    } catch (e) {
      if (e instanceof SplitcError) throw e.at({ file: graph.source.file, pass: pass.name });
      throw e;
    }
    for (const i of instruments) i.after?.(pass, g);
  }
  return g;
}
