// The layer-graph IR: readonly layers and tensors that refer to each other by name, in one fixed
// topological order, with the topology held in a graphlib graph. Passes never mutate a Graph;
// they build a new one with `buildGraph`.

import { Graph as TopologyGraph } from '@dagrejs/graphlib';
import { SplitcError, assert } from '@splitc/diagnostics';
import type { LoadedModel, OnnxAttribute, OnnxNode, OnnxTensor } from '@splitc/onnx';

export type Shape = readonly number[];

/**
 * input: a real data input of the model. param: learned weights (an initializer, or a graph
 * input that fills weight slots in a structure-only export). constant: compile-time values
 * (Constant nodes, folded shape arithmetic, integer initializers). activation: computed per frame.
 */
export type TensorKind = 'input' | 'param' | 'constant' | 'activation';

/** A small compile-time value (folded shape math, Constant nodes). Integers stay exact below 2^53. */
export interface ConstValue {
  readonly dtype: number;
  readonly shape: Shape;
  readonly data: readonly number[];
}

/** Where a param's or constant's bytes come from. */
export type TensorSource =
  | { readonly kind: 'initializer'; readonly tensor: OnnxTensor }
  | { readonly kind: 'attribute'; readonly tensor: OnnxTensor }
  | { readonly kind: 'graph-input' }
  | { readonly kind: 'alias'; readonly of: string }
  | { readonly kind: 'folded' }
  | { readonly kind: 'derived' }
  /** Made by a canonicalisation pass (a convolution with an affine scale folded in): little-endian element bytes. */
  | { readonly kind: 'computed'; readonly data: Uint8Array };

export interface Tensor {
  readonly name: string;
  readonly kind: TensorKind;
  /** ONNX TensorProto.DataType; 0 until inferred. */
  readonly dtype: number;
  /** Static shape; undefined until inferred. */
  readonly shape: Shape | undefined;
  readonly value?: ConstValue;
  readonly source?: TensorSource;
  /** Index of the producing layer, for activations. */
  readonly producer?: number;
  /** A data input whose symbolic leading (batch) dim was set to 1: that dim's name (null when unnamed). */
  readonly dynamicBatch?: { readonly param: string | null };
}

export interface LayerCost {
  readonly macs: number;
  /** Elements of the learned weights this layer reads. */
  readonly params: number;
  readonly weightBytes: number;
  /** Bytes of activations read (model inputs and other layers' outputs). */
  readonly inputBytes: number;
  readonly outputBytes: number;
}

export interface Layer {
  /** Position in the graph's fixed topological order. */
  readonly index: number;
  /** The ONNX node name, or a generated `<op>_<n>` when the node had none. */
  readonly name: string;
  readonly op: string;
  readonly domain: string;
  /** Tensor names; '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: ReadonlyMap<string, OnnxAttribute>;
  readonly node: OnnxNode;
  /**
   * For one op recognised from several nodes (a decomposed hard-swish): the source nodes it stands
   * for, in order. Partitions write these, so the ONNX they hold computes exactly what the source did.
   */
  readonly fusedNodes?: readonly OnnxNode[];
  readonly cost?: LayerCost;
}

export interface Graph {
  readonly source: LoadedModel;
  /** Version of the default ONNX domain. */
  readonly opset: number;
  readonly layers: readonly Layer[];
  readonly tensors: ReadonlyMap<string, Tensor>;
  /** Real data inputs, in model order. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Layer indices that read each tensor, ascending. */
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  /** Layer-level topology: node ids are layer indices as strings; edges carry tensor names. */
  readonly topology: TopologyGraph;
}

export interface GraphParts {
  readonly source: LoadedModel;
  readonly opset: number;
  readonly layers: readonly Omit<Layer, 'index'>[];
  readonly tensors: ReadonlyMap<string, Tensor>;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/**
 * Build a Graph: orders the layers topologically (stable: the given order wins whenever it is
 * valid), indexes producers and consumers, and checks that every tensor read is defined exactly
 * once. Throws GraphCycle / UndefinedTensor / DuplicateTensor.
 */
export function buildGraph(parts: GraphParts): Graph {
  const file = parts.source.file;
  if (parts.layers.length > 0 && 'index' in parts.layers[0]! && sameTopology(parts.layers as readonly Layer[], parts.tensors)) {
    // The previous graph's consumer lists (a pass spreads it into `parts`) depend only on the
    // layers' positions and input lists, which sameTopology has just found unchanged.
    const previous = (parts as { readonly consumers?: ReadonlyMap<string, readonly number[]> }).consumers;
    return assemble(parts, parts.layers as readonly Layer[], previous);
  }
  const producedBy = new Map<string, number>();
  parts.layers.forEach((l, i) => {
    for (const o of l.outputs) {
      if (o === '') continue;
      if (producedBy.has(o)) {
        throw new SplitcError('DuplicateTensor', `${JSON.stringify(o)} is also an output of node ${parts.layers[producedBy.get(o)!]!.name}`, { file, node: l.name, op: l.op });
      }
      const t = parts.tensors.get(o);
      if (t !== undefined && t.kind !== 'activation') {
        throw new SplitcError('DuplicateTensor', `${JSON.stringify(o)} is also a graph input or initializer`, { file, node: l.name, op: l.op });
      }
      producedBy.set(o, i);
    }
  });
  for (const l of parts.layers) {
    for (const name of l.inputs) {
      if (name === '') continue;
      const t = parts.tensors.get(name);
      if (!producedBy.has(name) && (t === undefined || t.kind === 'activation')) {
        throw new SplitcError('UndefinedTensor', `input ${JSON.stringify(name)} is not a graph input, an initializer or any node's output`, { file, node: l.name, op: l.op });
      }
    }
  }
  for (const o of parts.outputs) {
    if (!producedBy.has(o) && !parts.tensors.has(o)) {
      throw new SplitcError('UndefinedTensor', `graph output ${JSON.stringify(o)} is never produced`, { file });
    }
  }

  const order = stableTopologicalOrder(parts.layers, producedBy, file);
  const layers: Layer[] = order.map((old, i) => {
    const l = parts.layers[old]!;
    sortedAt.set(l.inputs, i);
    sortedOutputs.add(l.outputs);
    return { ...l, index: i };
  });
  return assemble(parts, layers);
}

/**
 * The input and output lists of layers that buildGraph ordered and checked (by identity, with
 * the index each was ordered at). A pass that only changes tensors or costs
 * (infer-shapes, cost-features) hands the same layers back: each still at its index, reading and
 * writing the same tensors, so ordering and checking them again would find nothing new.
 */
const sortedAt = new WeakMap<readonly string[], number>();
const sortedOutputs = new WeakSet<readonly string[]>();

function sameTopology(layers: readonly Layer[], tensors: ReadonlyMap<string, Tensor>): boolean {
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    // Same position, and the very input and output lists that were ordered there (a pass that
    // rewires a layer makes new lists; spreading a layer keeps them).
    if (l.index !== i || sortedAt.get(l.inputs) !== i || !sortedOutputs.has(l.outputs)) return false;
    for (const name of l.inputs) if (name !== '' && !tensors.has(name)) return false;
    // The tensors a layer writes must still be activations (a pass may have made one a constant).
    for (const o of l.outputs) {
      const kind = o === '' ? undefined : tensors.get(o)?.kind;
      if (kind !== undefined && kind !== 'activation') return false;
    }
  }
  return true;
}

/** Producers, consumers and the lazy topology of layers already in order. */
function assemble(parts: GraphParts, layers: readonly Layer[], previousConsumers?: ReadonlyMap<string, readonly number[]>): Graph {
  // Graphs are immutable, so the given map is kept as it is unless a tensor must learn its
  // producer (after a pass that keeps the topology, none does: no copy of a 40,000-entry map).
  let tensors: ReadonlyMap<string, Tensor> = parts.tensors;
  let own: Map<string, Tensor> | undefined;
  for (const l of layers) {
    for (const o of l.outputs) {
      if (o === '') continue;
      const prev = tensors.get(o);
      if (prev !== undefined && prev.producer === l.index) continue; // already says so
      if (own === undefined) tensors = own = new Map(parts.tensors);
      own.set(o, prev === undefined ? { name: o, kind: 'activation', dtype: 0, shape: undefined, producer: l.index } : { ...prev, producer: l.index });
    }
  }
  const consumers = previousConsumers ?? consumersOf(layers);
  const graph = { source: parts.source, opset: parts.opset, layers, tensors, inputs: parts.inputs, outputs: parts.outputs, consumers } as Omit<Graph, 'topology'>;
  // The graphlib topology is built on first use only: every pass rebuilds the Graph, and building
  // it eagerly was most of the import time of large graphs. Not enumerable, so `{ ...graph }` in a
  // pass neither builds nor copies it.
  let topology: TopologyGraph | undefined;
  Object.defineProperty(graph, 'topology', { enumerable: false, get: () => (topology ??= topologyOf(layers, tensors)) });
  return graph as Graph;
}

function consumersOf(layers: readonly Layer[]): Map<string, number[]> {
  const consumers = new Map<string, number[]>();
  for (const l of layers) {
    // Each reader once per tensor; a Set only for long input lists (a 20,000-input Concat).
    const seen = l.inputs.length > 8 ? new Set<string>() : undefined;
    for (let k = 0; k < l.inputs.length; k++) {
      const name = l.inputs[k]!;
      if (name === '') continue;
      if (seen !== undefined ? seen.has(name) : l.inputs.indexOf(name) !== k) continue;
      seen?.add(name);
      let list = consumers.get(name);
      if (list === undefined) consumers.set(name, (list = []));
      list.push(l.index);
    }
  }
  return consumers;
}

function topologyOf(layers: readonly Layer[], tensors: ReadonlyMap<string, Tensor>): TopologyGraph {
  const topology = new TopologyGraph({ directed: true, multigraph: true });
  for (const l of layers) topology.setNode(String(l.index), l.name);
  for (const l of layers) {
    for (const name of new Set(l.inputs)) {
      const p = name === '' ? undefined : tensors.get(name)?.producer;
      if (p !== undefined) topology.setEdge(String(p), String(l.index), name, name);
    }
  }
  return topology;
}

/** Kahn's algorithm, always taking the lowest original index that is ready. */
function stableTopologicalOrder(layers: readonly Omit<Layer, 'index'>[], producedBy: ReadonlyMap<string, number>, file: string): number[] {
  const n = layers.length;
  const indegree = new Array<number>(n).fill(0);
  const succ: number[][] = layers.map(() => []);
  layers.forEach((l, i) => {
    const preds = new Set<number>();
    for (const name of l.inputs) {
      const p = producedBy.get(name);
      if (p !== undefined) preds.add(p);
    }
    for (const p of preds) {
      succ[p]!.push(i);
      indegree[i]!++;
    }
  });
  const ready = new MinHeap();
  indegree.forEach((d, i) => { if (d === 0) ready.push(i); });
  const order: number[] = [];
  while (ready.size > 0) {
    const i = ready.pop();
    order.push(i);
    for (const s of succ[i]!) if (--indegree[s]! === 0) ready.push(s);
  }
  if (order.length !== n) {
    const names = findCycle(layers, producedBy, indegree).map((i) => layers[i]!.name).sort();
    throw new SplitcError('GraphCycle', `nodes ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''} depend on each other`, { file });
  }
  return order;
}

/**
 * One cycle among the layers Kahn's algorithm could not order (each of them still has a producer
 * among them): walk from producer to producer until a layer repeats. Iterative: graphlib's
 * findCycles recursed once per layer and overflowed the stack on a 20,000-layer cycle.
 */
function findCycle(layers: readonly Omit<Layer, 'index'>[], producedBy: ReadonlyMap<string, number>, indegree: readonly number[]): number[] {
  const left = (i: number | undefined): i is number => i !== undefined && indegree[i]! > 0;
  let at = indegree.findIndex((d) => d > 0);
  const seenAt = new Map<number, number>();
  const path: number[] = [];
  while (at >= 0 && !seenAt.has(at)) {
    seenAt.set(at, path.length);
    path.push(at);
    const next = layers[at]!.inputs.map((name) => producedBy.get(name)).find(left);
    at = next ?? -1;
  }
  return at < 0 ? path : path.slice(seenAt.get(at));
}

class MinHeap {
  private readonly a: number[] = [];
  get size(): number { return this.a.length; }
  push(v: number): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= v) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    assert(top !== undefined, 'pop from an empty heap');
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r]! < a[l]! ? r : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/** The tensor named `name`; an internal error if it does not exist. */
export function tensorOf(g: Graph, name: string): Tensor {
  const t = g.tensors.get(name);
  assert(t !== undefined, `unknown tensor ${name}`);
  return t;
}

/** The one element count (defined in @splitc/onnx, the lowest package that needs it). */
export { elementCount } from '@splitc/onnx';
