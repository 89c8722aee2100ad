// Min-cut partitioning (as in DADS): the DPU set minimising a weighted sum of DPU time, GPU time
// and link time, over all predecessor-closed sets, not just prefixes of one order. Solved as an
// s-t min cut with Dinic's max-flow: s side = DPU, t side = GPU.

import type { Graph } from '@splitc/ir';

const INF = 1e15;

/** What sets a forward edge's capacity at solve time. */
const enum Edge { Gpu, Dpu, Link, Inf }

/**
 * A flow network whose structure is built once and re-solved for many capacity settings (the
 * planner's weight sweep solves the same graph 39 times). Adjacency in typed arrays.
 */
class FlowNetwork {
  private readonly head: Int32Array;
  private to: Int32Array = new Int32Array(64);
  private next: Int32Array = new Int32Array(64);
  private kind: Uint8Array = new Uint8Array(32);
  private ref: Float64Array = new Float64Array(32);
  private edges = 0;
  cap: Float64Array = new Float64Array(0);
  constructor(readonly size: number) {
    this.head = new Int32Array(size).fill(-1);
  }
  /** A forward edge u→v and its residual twin v→u (index e ^ 1). */
  add(u: number, v: number, kind: Edge, ref: number): void {
    if (2 * this.edges + 2 > this.to.length) {
      const grow = <T extends Int32Array | Uint8Array | Float64Array>(a: T, len: number): T => { const b = new (a.constructor as new (n: number) => T)(len); b.set(a); return b; };
      this.to = grow(this.to, this.to.length * 2);
      this.next = grow(this.next, this.next.length * 2);
      this.kind = grow(this.kind, this.kind.length * 2);
      this.ref = grow(this.ref, this.ref.length * 2);
    }
    const e = 2 * this.edges;
    this.kind[this.edges] = kind;
    this.ref[this.edges] = ref;
    this.edges++;
    this.to[e] = v; this.next[e] = this.head[u]!; this.head[u] = e;
    this.to[e + 1] = u; this.next[e + 1] = this.head[v]!; this.head[v] = e + 1;
  }
  /** Capacities of the forward edges from a function of (kind, ref); residual twins start at 0. */
  setCapacities(capOf: (kind: Edge, ref: number) => number): void {
    this.cap = new Float64Array(2 * this.edges);
    for (let k = 0; k < this.edges; k++) this.cap[2 * k] = Math.max(0, capOf(this.kind[k] as Edge, this.ref[k]!));
  }
  /** Max flow (Dinic), then the set of nodes reachable from s in the residual graph. */
  minCut(s: number, t: number): boolean[] {
    const { head, to, next, cap } = this;
    const level = new Int32Array(this.size);
    const it = new Int32Array(this.size);
    const q = new Int32Array(this.size);
    const bfs = (): boolean => {
      level.fill(-1);
      level[s] = 0;
      q[0] = s;
      for (let qi = 0, qn = 1; qi < qn; qi++) {
        const u = q[qi]!;
        for (let e = head[u]!; e !== -1; e = next[e]!) {
          if (cap[e]! > 1e-12 && level[to[e]!] === -1) { level[to[e]!] = level[u]! + 1; q[qn++] = to[e]!; }
        }
      }
      return level[t] !== -1;
    };
    // Blocking flow along level-graph paths, found with an explicit stack (a recursive search
    // overflowed the call stack on a 10,000-layer chain).
    const pathEdges: number[] = [];
    const augment = (): number => {
      pathEdges.length = 0;
      let u = s;
      for (;;) {
        if (u === t) {
          let f = INF;
          for (const e of pathEdges) f = Math.min(f, cap[e]!);
          for (const e of pathEdges) { cap[e]! -= f; cap[e ^ 1]! += f; }
          return f;
        }
        let advanced = false;
        for (; it[u] !== -1; it[u] = next[it[u]!]!) {
          const e = it[u]!;
          const v = to[e]!;
          if (cap[e]! > 1e-12 && level[v] === level[u]! + 1) {
            pathEdges.push(e);
            u = v;
            advanced = true;
            break;
          }
        }
        if (advanced) continue;
        // Dead end: no path to t through u in this phase. Retreat and skip the edge into u.
        if (u === s) return 0;
        level[u] = -1;
        const back = pathEdges.pop()!;
        u = to[back ^ 1]!;
        it[u] = next[it[u]!]!;
      }
    };
    // Most flow goes straight through one node (s→u→t: a layer priced on both devices). Push
    // it first, in one linear pass: Dinic then only routes what is left. Any maximum flow gives
    // the same minimal source side, so the cut is unchanged.
    for (let e = head[s]!; e !== -1; e = next[e]!) {
      const u = to[e]!;
      for (let f = head[u]!; f !== -1 && cap[e]! > 1e-12; f = next[f]!) {
        if (to[f] !== t || (f & 1) !== 0) continue;
        const push = Math.min(cap[e]!, cap[f]!);
        cap[e]! -= push; cap[e ^ 1]! += push;
        cap[f]! -= push; cap[f ^ 1]! += push;
      }
    }
    while (bfs()) {
      it.set(head);
      for (let f = augment(); f > 0; f = augment());
    }
    const seen = new Array<boolean>(this.size).fill(false);
    const stack = [s];
    seen[s] = true;
    while (stack.length > 0) {
      const u = stack.pop()!;
      for (let e = head[u]!; e !== -1; e = next[e]!) {
        if (cap[e]! > 1e-12 && !seen[to[e]!]) { seen[to[e]!] = true; stack.push(to[e]!); }
      }
    }
    return seen;
  }
}

export interface MinCutWeights {
  readonly dpuMs: readonly number[];
  readonly gpuMs: readonly number[];
  /** Layers that may not run on the DPU. */
  readonly dpuAllowed: readonly boolean[];
  /** Link cost of one byte, ms. */
  readonly linkMsPerByte: number;
  /** Multipliers: the cut minimises a·DPU + b·GPU + c·link. */
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly tensorBytes: ReadonlyMap<string, number>;
}

/** The layer-and-tensor network of a graph, built once; `solve` for each weighting. */
export interface MinCutProblem {
  solve(w: Omit<MinCutWeights, 'tensorBytes'>): boolean[];
}

export function prepareMinCut(g: Graph, tensorBytes: ReadonlyMap<string, number>): MinCutProblem {
  const n = g.layers.length;
  const outputs = new Set(g.outputs);
  // A tensor with one reader needs no node of its own: an edge from its producer to the reader
  // is cut exactly when the producer is on the DPU side and the reader on the GPU side. Tensors
  // with several readers (or delivered as outputs) get a node, so their transfer is paid once.
  const tensorNames = [...tensorBytes.keys()];
  const shared = tensorNames.filter((name) => (g.consumers.get(name) ?? []).length !== 1 || outputs.has(name));
  const S = n + shared.length;
  const T = S + 1;
  const net = new FlowNetwork(T + 1);
  for (let i = 0; i < n; i++) {
    net.add(S, i, Edge.Gpu, i); // cut when the layer is on the GPU side
    net.add(i, T, Edge.Dpu, i); // cut when on the DPU side
  }
  const auxOf = new Map(shared.map((name, k) => [name, n + k]));
  for (const name of tensorNames) {
    const t = g.tensors.get(name)!;
    // The producer (or the camera, for a graph input: the source) pays the transfer when any
    // reader is on the GPU side.
    const from = t.producer ?? S;
    const readers = g.consumers.get(name) ?? [];
    const aux = auxOf.get(name);
    if (aux === undefined) {
      net.add(from, readers[0]!, Edge.Link, tensorBytes.get(name)!);
      if (t.producer !== undefined) net.add(readers[0]!, t.producer, Edge.Inf, 0); // closure: a DPU reader needs its producer on the DPU
      continue;
    }
    net.add(from, aux, Edge.Link, tensorBytes.get(name)!);
    for (const c of readers) {
      net.add(aux, c, Edge.Inf, 0);
      if (t.producer !== undefined) net.add(c, t.producer, Edge.Inf, 0);
    }
    if (outputs.has(name)) net.add(aux, T, Edge.Inf, 0); // results are delivered on the host
  }
  return {
    solve(w) {
      net.setCapacities((kind, ref) => {
        switch (kind) {
          case Edge.Gpu: return w.b * w.gpuMs[ref]!;
          case Edge.Dpu: return w.dpuAllowed[ref] ? w.a * w.dpuMs[ref]! : INF;
          case Edge.Link: return w.c * w.linkMsPerByte * ref;
          default: return INF;
        }
      });
      const side = net.minCut(S, T);
      return Array.from({ length: n }, (_, i) => side[i]!);
    },
  };
}

/** The predecessor-closed DPU set (mask over layers) minimising a·DPU + b·GPU + c·link. */
export function minCutPartition(g: Graph, w: MinCutWeights): boolean[] {
  return prepareMinCut(g, w.tensorBytes).solve(w);
}
