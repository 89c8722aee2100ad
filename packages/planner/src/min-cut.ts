// Min-cut partitioning (as in DADS): the DPU set minimising a weighted sum of DPU time, GPU time
// and link time, over all predecessor-closed sets, not just prefixes of one order. Solved as an
// s-t min cut with Dinic's max-flow: s side = DPU, t side = GPU.

import type { Graph } from '@splitc/ir';

const INF = 1e15;

class FlowNetwork {
  private readonly head: number[];
  private readonly to: number[] = [];
  private readonly cap: number[] = [];
  private readonly next: number[] = [];
  constructor(readonly size: number) {
    this.head = new Array<number>(size).fill(-1);
  }
  add(u: number, v: number, c: number): void {
    if (c <= 0) return;
    this.to.push(v); this.cap.push(c); this.next.push(this.head[u]!); this.head[u] = this.to.length - 1;
    this.to.push(u); this.cap.push(0); this.next.push(this.head[v]!); this.head[v] = this.to.length - 1;
  }
  /** Max flow, then the set of nodes reachable from s in the residual graph. */
  minCut(s: number, t: number): boolean[] {
    const level = new Array<number>(this.size);
    const it = new Array<number>(this.size);
    const bfs = (): boolean => {
      level.fill(-1);
      level[s] = 0;
      const q = [s];
      for (let qi = 0; qi < q.length; qi++) {
        const u = q[qi]!;
        for (let e = this.head[u]!; e !== -1; e = this.next[e]!) {
          if (this.cap[e]! > 1e-12 && level[this.to[e]!] === -1) { level[this.to[e]!] = level[u]! + 1; q.push(this.to[e]!); }
        }
      }
      return level[t] !== -1;
    };
    const dfs = (u: number, f: number): number => {
      if (u === t) return f;
      for (; it[u] !== -1; it[u] = this.next[it[u]!]!) {
        const e = it[u]!;
        const v = this.to[e]!;
        if (this.cap[e]! > 1e-12 && level[v] === level[u]! + 1) {
          const d = dfs(v, Math.min(f, this.cap[e]!));
          if (d > 0) { this.cap[e]! -= d; this.cap[e ^ 1]! += d; return d; }
        }
      }
      return 0;
    };
    while (bfs()) {
      for (let i = 0; i < this.size; i++) it[i] = this.head[i]!;
      for (let f = dfs(s, INF); f > 0; f = dfs(s, INF));
    }
    const seen = new Array<boolean>(this.size).fill(false);
    const stack = [s];
    seen[s] = true;
    while (stack.length > 0) {
      const u = stack.pop()!;
      for (let e = this.head[u]!; e !== -1; e = this.next[e]!) {
        if (this.cap[e]! > 1e-12 && !seen[this.to[e]!]) { seen[this.to[e]!] = true; stack.push(this.to[e]!); }
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

/** The predecessor-closed DPU set (mask over layers) minimising a·DPU + b·GPU + c·link. */
export function minCutPartition(g: Graph, w: MinCutWeights): boolean[] {
  const n = g.layers.length;
  const tensorNames = [...w.tensorBytes.keys()];
  const S = n + tensorNames.length;
  const T = S + 1;
  const net = new FlowNetwork(T + 1);
  for (let i = 0; i < n; i++) {
    net.add(S, i, w.b * w.gpuMs[i]!); // cut when the layer is on the GPU side
    net.add(i, T, w.dpuAllowed[i] ? w.a * w.dpuMs[i]! : INF); // cut when on the DPU side
  }
  const outputs = new Set(g.outputs);
  tensorNames.forEach((name, k) => {
    const aux = n + k;
    const t = g.tensors.get(name)!;
    // The producer (or the camera, for a graph input: the source) pays the transfer when any
    // reader is on the GPU side.
    const from = t.producer ?? S;
    net.add(from, aux, w.c * w.linkMsPerByte * w.tensorBytes.get(name)!);
    for (const c of g.consumers.get(name) ?? []) {
      net.add(aux, c, INF);
      if (t.producer !== undefined) net.add(c, t.producer, INF); // closure: a DPU reader needs its producer on the DPU
    }
    if (outputs.has(name)) net.add(aux, T, INF); // results are delivered on the host
  });
  const side = net.minCut(S, T);
  return Array.from({ length: n }, (_, i) => side[i]!);
}
