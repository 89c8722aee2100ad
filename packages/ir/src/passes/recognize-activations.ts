// recognize-activations: activations that exporters write as several nodes become one layer, so
// the DPU rules, the latency model and the PyTorch codegen see the real op:
//   HardSigmoid  relu6(x + 3) / 6            Div|Mul(Clip(Add(x, 3), 0, 6), 6 | 1/6)
//   HardSwish    x · relu6(x + 3) / 6        Div|Mul(Mul(x, Clip(Add(x, 3), 0, 6)), 6 | 1/6)
//                x · HardSigmoid(x)          Mul(x, HardSigmoid(x)) with PyTorch's alpha = 1/6
//   SiLU         x · sigmoid(x)              Mul(x, Sigmoid(x))
//   GELU         x · ½ · (1 + erf(x / √2))   Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5)
//   GELU (tanh)  ½ · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))   the three factors multiplied in
//                any order, x³ as Mul(x, Mul(x, x)) or Pow(x, 3) (PyTorch approximate='tanh' before
//                opset 20, tf2onnx/Keras): Gelu with approximate = "tanh"
//   ReLU6        Min(Max(x, 0), 6), Max(Min(x, 6), 0), Min(Relu(x), 6) (tf2onnx, hand-written
//                graphs): Clip with min = 0, max = 6 as attributes, the form PyTorch's ReLU6 maps to
// A pattern matches only when every intermediate tensor is read by the pattern alone and its
// constants are the formula's (within a relative 1e-5); the recognised layer keeps the source
// nodes (`fusedNodes`), so partitions still hold exactly the computation of the source model.

import { buildGraph, elementCount, type Graph, type Layer, type Tensor } from '../graph.js';
import type { Pass } from './pass.js';

const close = (a: number | undefined, b: number): boolean => a !== undefined && Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

export const recognizeActivations: Pass = {
  name: 'recognize-activations',
  requires: ['sorted', 'static-shapes', 'folded'],
  establishes: ['sorted', 'static-shapes', 'folded'],
  run(graph) {
    let g = graph;
    // HardSigmoid first: HardSwish's second form is built on it.
    for (const match of [matchHardSigmoid, matchHardSwish, matchSilu, matchGelu, matchGeluTanh, matchRelu6]) g = rewrite(g, match);
    return g;
  },
};

interface Match {
  readonly op: string;
  /** The data input. */
  readonly x: string;
  /** Every layer of the pattern, the one producing the result last. */
  readonly layers: readonly Layer[];
  readonly attrs?: Layer['attrs'];
}

type Matcher = (g: Graph, l: Layer) => Match | undefined;

function rewrite(g: Graph, match: Matcher): Graph {
  const replaced = new Map<number, Layer | null>();
  for (const l of g.layers) {
    if (replaced.has(l.index)) continue;
    const m = match(g, l);
    if (m === undefined || m.layers.some((x) => replaced.has(x.index))) continue;
    const ordered = [...m.layers].sort((a, b) => a.index - b.index);
    const last = ordered[ordered.length - 1]!;
    for (const x of ordered) replaced.set(x.index, null);
    replaced.set(last.index, {
      ...last,
      op: m.op,
      domain: '',
      inputs: [m.x],
      attrs: m.attrs ?? new Map(),
      fusedNodes: ordered.flatMap((x) => x.fusedNodes ?? [x.node]),
    });
  }
  if (replaced.size === 0) return g;
  const layers = g.layers.flatMap((l) => {
    const r = replaced.get(l.index);
    return r === undefined ? [l] : r === null ? [] : [r];
  });
  // Intermediate activations of the patterns go; constants they read stay (the fused source nodes read them).
  const live = new Set<string>();
  for (const l of layers) for (const o of l.outputs) live.add(o);
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of g.tensors) if (t.kind !== 'activation' || live.has(name)) tensors.set(name, t);
  return buildGraph({ ...g, layers, tensors });
}

// --- helpers -------------------------------------------------------------------------------------

function producer(g: Graph, name: string | undefined): Layer | undefined {
  if (name === undefined || name === '') return undefined;
  const p = g.tensors.get(name)?.producer;
  return p === undefined ? undefined : g.layers[p];
}

/** Read by exactly one layer and not a graph output: safe to fold into a pattern. */
function internal(g: Graph, name: string): boolean {
  return (g.consumers.get(name) ?? []).length === 1 && !g.outputs.includes(name);
}

/** The value of a one-element constant input. */
function scalar(g: Graph, name: string | undefined): number | undefined {
  if (name === undefined || name === '') return undefined;
  const t = g.tensors.get(name);
  if (t === undefined || t.kind === 'activation' || t.kind === 'input' || t.value === undefined || elementCount(t.shape!) !== 1) return undefined;
  return t.value.data[0];
}

const isData = (g: Graph, name: string | undefined): boolean => {
  const k = name === undefined || name === '' ? undefined : g.tensors.get(name)?.kind;
  return k === 'activation' || k === 'input';
};

/** For a binary op with one scalar operand: [data input, scalar]. */
function withScalar(g: Graph, l: Layer, ops: readonly string[]): [string, number, number] | undefined {
  if (!ops.includes(l.op) || l.inputs.length !== 2) return undefined;
  const [a, b] = l.inputs as [string, string];
  const sb = scalar(g, b);
  if (sb !== undefined && isData(g, a)) return [a, sb, 1];
  const sa = scalar(g, a);
  // Only commutative ops may take the scalar first.
  if (sa !== undefined && isData(g, b) && (l.op === 'Add' || l.op === 'Mul')) return [b, sa, 0];
  return undefined;
}

/** The result of x/6 or x·(1/6): [x, layer]. */
function divBySix(g: Graph, l: Layer): string | undefined {
  const s = withScalar(g, l, ['Div', 'Mul']);
  if (s === undefined) return undefined;
  return (l.op === 'Div' ? close(s[1], 6) : close(s[1], 1 / 6)) ? s[0] : undefined;
}

function clipBounds(g: Graph, l: Layer): [number | undefined, number | undefined] {
  return [scalar(g, l.inputs[1]) ?? l.attrs.get('min')?.f, scalar(g, l.inputs[2]) ?? l.attrs.get('max')?.f];
}

/** relu6(x + 3): [x, the Add, the Clip] when `name` is made so. */
function relu6Plus3(g: Graph, name: string): [string, Layer, Layer] | undefined {
  const clip = producer(g, name);
  if (clip === undefined || clip.op !== 'Clip' || !internal(g, name)) return undefined;
  const [lo, hi] = clipBounds(g, clip);
  if (lo !== 0 || hi !== 6) return undefined;
  const add = producer(g, clip.inputs[0]);
  if (add === undefined || !internal(g, clip.inputs[0]!)) return undefined;
  const s = withScalar(g, add, ['Add']);
  return s !== undefined && s[1] === 3 ? [s[0], add, clip] : undefined;
}

const HARD_SIGMOID = new Map([['alpha', { name: 'alpha', type: 'float' as const, f: 1 / 6 }], ['beta', { name: 'beta', type: 'float' as const, f: 0.5 }]]);

// --- patterns ------------------------------------------------------------------------------------

const matchHardSigmoid: Matcher = (g, l) => {
  const inner = divBySix(g, l);
  if (inner === undefined) return undefined;
  const r = relu6Plus3(g, inner);
  return r === undefined ? undefined : { op: 'HardSigmoid', x: r[0], layers: [r[1], r[2], l], attrs: HARD_SIGMOID };
};

const isPyTorchHardSigmoid = (l: Layer): boolean => l.op === 'HardSigmoid' && close(l.attrs.get('alpha')?.f ?? 0.2, 1 / 6) && close(l.attrs.get('beta')?.f ?? 0.5, 0.5);

const matchHardSwish: Matcher = (g, l) => {
  // x · HardSigmoid(x)
  if (l.op === 'Mul' && l.inputs.length === 2) {
    for (const k of [0, 1]) {
      const x = l.inputs[k]!;
      const h = producer(g, l.inputs[1 - k]);
      if (h !== undefined && isPyTorchHardSigmoid(h) && h.inputs[0] === x && internal(g, l.inputs[1 - k]!)) {
        return { op: 'HardSwish', x, layers: [h, l] };
      }
    }
  }
  // (x · relu6(x + 3)) / 6
  const inner = divBySix(g, l);
  const mul = inner === undefined ? undefined : producer(g, inner);
  if (mul === undefined || mul.op !== 'Mul' || mul.inputs.length !== 2 || !internal(g, inner!)) return undefined;
  for (const k of [0, 1]) {
    const x = mul.inputs[k]!;
    const r = relu6Plus3(g, mul.inputs[1 - k]!);
    if (r !== undefined && r[0] === x) return { op: 'HardSwish', x, layers: [r[1], r[2], mul, l] };
  }
  return undefined;
};

const matchSilu: Matcher = (g, l) => {
  if (l.op !== 'Mul' || l.inputs.length !== 2) return undefined;
  for (const k of [0, 1]) {
    const x = l.inputs[k]!;
    const s = producer(g, l.inputs[1 - k]);
    if (s !== undefined && s.op === 'Sigmoid' && s.inputs[0] === x && internal(g, l.inputs[1 - k]!)) return { op: 'Silu', x, layers: [s, l] };
  }
  return undefined;
};

const matchGelu: Matcher = (g, l) => {
  // Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5)
  const half = withScalar(g, l, ['Mul']);
  if (half === undefined || !close(half[1], 0.5) || !internal(g, half[0])) return undefined;
  const mul = producer(g, half[0]);
  if (mul === undefined || mul.op !== 'Mul' || mul.inputs.length !== 2) return undefined;
  for (const k of [0, 1]) {
    const x = mul.inputs[k]!;
    const add = producer(g, mul.inputs[1 - k]);
    if (add === undefined || !internal(g, mul.inputs[1 - k]!)) continue;
    const one = withScalar(g, add, ['Add']);
    if (one === undefined || one[1] !== 1 || !internal(g, one[0])) continue;
    const erf = producer(g, one[0]);
    if (erf === undefined || erf.op !== 'Erf' || !internal(g, erf.inputs[0]!)) continue;
    const div = producer(g, erf.inputs[0]);
    const d = div === undefined ? undefined : withScalar(g, div, ['Div']);
    if (div === undefined || d === undefined || d[0] !== x || !close(d[1], Math.SQRT2)) continue;
    return { op: 'Gelu', x, layers: [div, erf, add, mul, l] };
  }
  return undefined;
};

const attr = (name: string, f: number) => [name, { name, type: 'float' as const, f }] as const;
const RELU6 = new Map([attr('min', 0), attr('max', 6)]);
const TANH = new Map([['approximate', { name: 'approximate', type: 'string' as const, s: new TextEncoder().encode('tanh') }]]);

/** Max(x, lo) or Min(x, hi) with a scalar bound: [x, bound]. */
function bound(g: Graph, l: Layer, op: 'Max' | 'Min'): [string, number] | undefined {
  if (l.op !== op || l.inputs.length !== 2) return undefined;
  for (const k of [0, 1]) {
    const v = scalar(g, l.inputs[1 - k]);
    if (v !== undefined && isData(g, l.inputs[k])) return [l.inputs[k]!, v];
  }
  return undefined;
}

const matchRelu6: Matcher = (g, l) => {
  // Min(Max(x, 0), 6) | Max(Min(x, 6), 0) | Min(Relu(x), 6)
  for (const [outer, inner, outerBound, innerBound] of [['Min', 'Max', 6, 0], ['Max', 'Min', 0, 6]] as const) {
    const o = bound(g, l, outer);
    if (o === undefined || o[1] !== outerBound || !internal(g, o[0])) continue;
    const p = producer(g, o[0]);
    if (p === undefined) continue;
    const i = bound(g, p, inner);
    if (i !== undefined && i[1] === innerBound) return { op: 'Clip', x: i[0], layers: [p, l], attrs: RELU6 };
    if (outer === 'Min' && p.op === 'Relu' && isData(g, p.inputs[0])) return { op: 'Clip', x: p.inputs[0]!, layers: [p, l], attrs: RELU6 };
  }
  return undefined;
};

/** The leaves of a tree of two-input Muls whose inner products are private to it, with the Muls. */
function productLeaves(g: Graph, l: Layer, maxLeaves: number): { leaves: string[]; muls: Layer[] } | undefined {
  if (l.op !== 'Mul' || l.inputs.length !== 2) return undefined;
  const leaves: string[] = [];
  const muls: Layer[] = [l];
  for (let k = 0; k < muls.length; k++) {
    for (const name of muls[k]!.inputs) {
      const p = producer(g, name);
      if (p !== undefined && p.op === 'Mul' && p.inputs.length === 2 && internal(g, name) && muls.length + leaves.length < maxLeaves) muls.push(p);
      else leaves.push(name);
    }
  }
  return leaves.length <= maxLeaves ? { leaves, muls } : undefined;
}

/** x³ as Mul(x, Mul(x, x)), Mul(Mul(x, x), x) or Pow(x, 3): the layers, when `name` is so made. */
function cubeOf(g: Graph, name: string, x: string): Layer[] | undefined {
  const c = producer(g, name);
  if (c === undefined || !internal(g, name)) return undefined;
  if (c.op === 'Pow') return c.inputs[0] === x && scalar(g, c.inputs[1]) === 3 ? [c] : undefined;
  const t = productLeaves(g, c, 3);
  return t !== undefined && t.leaves.length === 3 && t.leaves.every((n) => n === x) ? t.muls : undefined;
}

const matchGeluTanh: Matcher = (g, l) => {
  // ½ · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))), the three factors in any order.
  const top = productLeaves(g, l, 3);
  if (top === undefined || top.leaves.length !== 3) return undefined;
  const halfAt = top.leaves.findIndex((n) => close(scalar(g, n), 0.5));
  if (halfAt < 0) return undefined;
  const rest = top.leaves.filter((_, i) => i !== halfAt);
  for (const k of [0, 1]) {
    const x = rest[k]!;
    const a = rest[1 - k]!;
    if (!isData(g, x) || !internal(g, a)) continue;
    const add = producer(g, a);
    const one = add === undefined ? undefined : withScalar(g, add, ['Add']);
    if (one === undefined || one[1] !== 1 || !internal(g, one[0])) continue;
    const tanh = producer(g, one[0]);
    if (tanh === undefined || tanh.op !== 'Tanh' || !internal(g, tanh.inputs[0]!)) continue;
    const scale = producer(g, tanh.inputs[0]);
    const beta = scale === undefined ? undefined : withScalar(g, scale, ['Mul']);
    if (beta === undefined || !close(beta[1], Math.sqrt(2 / Math.PI)) || !internal(g, beta[0])) continue;
    const sum = producer(g, beta[0]);
    if (sum === undefined || sum.op !== 'Add' || sum.inputs.length !== 2) continue;
    const other = sum.inputs[0] === x ? sum.inputs[1]! : sum.inputs[1] === x ? sum.inputs[0]! : undefined;
    if (other === undefined || !internal(g, other)) continue;
    const kappaMul = producer(g, other);
    const kappa = kappaMul === undefined ? undefined : withScalar(g, kappaMul, ['Mul']);
    if (kappa === undefined || !close(kappa[1], 0.044715)) continue;
    const cube = cubeOf(g, kappa[0], x);
    if (cube === undefined) continue;
    return { op: 'Gelu', x, layers: [...cube, kappaMul!, sum, scale!, tanh, add!, ...top.muls], attrs: TANH };
  }
  return undefined;
};
