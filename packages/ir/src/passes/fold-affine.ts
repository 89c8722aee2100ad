// fold-affine: a per-channel scale or shift by constants (Mul/Add/Sub/Div) right after a Conv or
// Gemm is folded into that layer's weights and bias, so the DPU sees one convolution rather than
// "a scale outside a convolution" (Keras/tf2onnx write batch norm this way; so do layer scales).
// Legal when the layer's output is read only by the affine op and the constant is one value per
// output channel (or one value); the folded weights are new tensors (`computed` source).
// Before a Conv (input normalisation, a pre-activation batch norm written as Mul/Add), a scale
// s[c] per input channel folds into the weights, W[o, c, k] · s[c], whatever the padding: the
// zeros of the padding stay zeros. A shift t[c] adds Σ W[o, c, k] · t[c] to the bias only when the
// convolution has no padding: at a zero-padded border the shifted input would read t, the folded
// one reads 0, so a shift before a padded convolution stays.

import { DataType, decodeValues } from '@splitc/onnx';
import { buildGraph, elementCount, type Graph, type Layer, type Tensor } from '../graph.js';
import { windowGeometry } from '../ops/window.js';
import type { Pass } from './pass.js';

export const foldAffine: Pass = {
  name: 'fold-affine',
  requires: ['sorted', 'static-shapes', 'folded'],
  establishes: ['sorted', 'static-shapes', 'folded'],
  run(graph) {
    return foldBeforeConv(foldAfter(graph));
  },
};

/** Affine ops after a Conv or Gemm, into its weights and bias. */
function foldAfter(graph: Graph): Graph {
  const g = graph;
  /** Layers being rewritten: their current weights, bias and output. */
  const pending = new Map<number, { w: Float64Array; b: Float64Array; output: string; channelAxisOfW: 0 | 1 }>();
  /** Which rewritten layer makes a tensor now. */
  const madeBy = new Map<string, number>();
  const removed = new Set<number>();
  for (const l of g.layers) {
    const f = affineOf(g, l);
    if (f === undefined) continue;
    const p = madeBy.get(f.y) ?? g.tensors.get(f.y)!.producer;
    if (p === undefined) continue;
    const target = g.layers[p]!;
    if ((g.consumers.get(f.y) ?? []).length !== 1 || g.outputs.includes(f.y)) continue;
    let state = pending.get(p);
    if (state === undefined) {
      const init = initialWeights(g, target);
      if (init === undefined) continue;
      state = { ...init, output: target.outputs[0]! };
    }
    const cout = state.b.length;
    const per = perChannel(g, f.c, cout, g.tensors.get(f.y)!.shape!);
    if (per === undefined) continue;
    if (f.op === 'Div' && per.some((v) => v === 0)) continue;
    const inner = state.w.length / cout;
    for (let o = 0; o < cout; o++) {
      const v = per[o]!;
      if (f.op === 'Add') state.b[o]! += v;
      else if (f.op === 'Sub') state.b[o]! -= v;
      else {
        const s = f.op === 'Mul' ? v : 1 / v;
        state.b[o]! *= s;
        if (state.channelAxisOfW === 0) for (let k = 0; k < inner; k++) state.w[o * inner + k]! *= s;
        else for (let k = 0; k < inner; k++) state.w[k * cout + o]! *= s;
      }
    }
    state.output = l.outputs[0]!;
    pending.set(p, state);
    madeBy.set(state.output, p);
    removed.add(l.index);
  }
  if (pending.size === 0) return graph;

  const tensors = new Map<string, Tensor>(g.tensors);
  const layers: Layer[] = [];
  for (const l of g.layers) {
    if (removed.has(l.index)) continue;
    const state = pending.get(l.index);
    if (state === undefined) { layers.push(l); continue; }
    const w = g.tensors.get(l.inputs[1]!)!;
    const wName = freshName(tensors, l.inputs[1]!);
    const bName = freshName(tensors, l.inputs[2] !== undefined && l.inputs[2] !== '' ? l.inputs[2] : `${l.name}/bias`);
    tensors.set(wName, computed(wName, w.shape!, state.w));
    tensors.set(bName, computed(bName, [state.b.length], state.b));
    // The layer now makes the affine op's output; its own old output disappears.
    tensors.delete(l.outputs[0]!);
    layers.push({ ...l, inputs: [l.inputs[0]!, wName, bName], outputs: [state.output] });
  }
  const live = new Set<string>([...g.inputs, ...g.outputs]);
  for (const l of layers) for (const n of [...l.inputs, ...l.outputs]) live.add(n);
  for (const o of [...removed].flatMap((i) => g.layers[i]!.outputs)) if (!live.has(o)) tensors.delete(o);
  return buildGraph({ ...g, layers, tensors });
}

/** Affine ops on a Conv's input, into its weights (scales) and bias (shifts, without padding only). */
function foldBeforeConv(g: Graph): Graph {
  const removed = new Set<number>();
  const rewritten = new Map<number, { input: string; w: Float64Array; b: Float64Array }>();
  for (const l of g.layers) {
    if (l.op !== 'Conv' || l.domain !== '' || l.outputs.length !== 1) continue;
    let state: { input: string; w: Float64Array; b: Float64Array } | undefined;
    let x = l.inputs[0]!;
    for (;;) {
      const p = g.tensors.get(x)?.producer;
      if (p === undefined || (g.consumers.get(x) ?? []).length !== 1 || g.outputs.includes(x)) break;
      const f = affineOf(g, g.layers[p]!);
      const xShape = f === undefined ? undefined : g.tensors.get(f.y)?.shape;
      if (f === undefined || xShape === undefined || !sameShape(xShape, g.tensors.get(x)!.shape!)) break;
      if (state === undefined) {
        const init = initialWeights(g, l);
        if (init === undefined) break;
        state = { input: x, w: init.w, b: init.b };
      }
      const wShape = g.tensors.get(l.inputs[1]!)!.shape!;
      const cin = xShape[1]!;
      const per = perChannel(g, f.c, cin, xShape);
      if (per === undefined) break;
      const shift = f.op === 'Add' || f.op === 'Sub';
      if (shift && windowGeometry(g, l).pads.some((v) => v !== 0)) break;
      if (f.op === 'Div' && per.some((v) => v === 0)) break;
      const cout = wShape[0]!;
      const perGroup = wShape[1]!;
      const groups = cin / perGroup;
      const k = state.w.length / (cout * perGroup);
      for (let o = 0; o < cout; o++) {
        const first = Math.floor(o / (cout / groups)) * perGroup;
        for (let ci = 0; ci < perGroup; ci++) {
          const v = per[first + ci]!;
          const at = (o * perGroup + ci) * k;
          if (shift) {
            const t = f.op === 'Add' ? v : -v;
            for (let j = 0; j < k; j++) state.b[o]! += state.w[at + j]! * t;
          } else {
            const s = f.op === 'Mul' ? v : 1 / v;
            for (let j = 0; j < k; j++) state.w[at + j]! *= s;
          }
        }
      }
      removed.add(p);
      x = f.y;
      state.input = x;
    }
    if (state !== undefined) rewritten.set(l.index, state);
  }
  if (rewritten.size === 0) return g;

  const tensors = new Map<string, Tensor>(g.tensors);
  const layers: Layer[] = [];
  for (const l of g.layers) {
    if (removed.has(l.index)) {
      tensors.delete(l.outputs[0]!);
      continue;
    }
    const state = rewritten.get(l.index);
    if (state === undefined) { layers.push(l); continue; }
    const wName = freshName(tensors, l.inputs[1]!);
    const bName = freshName(tensors, l.inputs[2] !== undefined && l.inputs[2] !== '' ? l.inputs[2] : `${l.name}/bias`);
    tensors.set(wName, computed(wName, g.tensors.get(l.inputs[1]!)!.shape!, state.w));
    tensors.set(bName, computed(bName, [state.b.length], state.b));
    layers.push({ ...l, inputs: [state.input, wName, bName] });
  }
  return buildGraph({ ...g, layers, tensors });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function freshName(tensors: ReadonlyMap<string, Tensor>, base: string): string {
  let name = `${base}/splitc_folded`;
  for (let k = 1; tensors.has(name); k++) name = `${base}/splitc_folded_${k}`;
  return name;
}

function computed(name: string, shape: readonly number[], values: Float64Array): Tensor {
  const data = new Uint8Array(new Float32Array(values).buffer);
  return { name, kind: 'param', dtype: DataType.FLOAT, shape, source: { kind: 'computed', data } };
}

/** An affine op on a data tensor y by a constant c: y·c, y + c, c + y, y − c, y / c. */
function affineOf(g: Graph, l: Layer): { op: 'Mul' | 'Add' | 'Sub' | 'Div'; y: string; c: string } | undefined {
  if (l.domain !== '' || l.inputs.length !== 2 || l.outputs.length !== 1) return undefined;
  if (l.op !== 'Mul' && l.op !== 'Add' && l.op !== 'Sub' && l.op !== 'Div') return undefined;
  const kind = (n: string) => g.tensors.get(n)?.kind;
  const [a, b] = l.inputs as [string, string];
  const isConst = (n: string) => kind(n) === 'param' || kind(n) === 'constant';
  const isData = (n: string) => kind(n) === 'activation' || kind(n) === 'input';
  if (isData(a) && isConst(b)) return { op: l.op, y: a, c: b };
  if (isConst(a) && isData(b) && (l.op === 'Mul' || l.op === 'Add')) return { op: l.op, y: b, c: a };
  return undefined;
}

/** Float32 element values of a stored tensor, when its bytes are at hand. */
function floatValues(g: Graph, name: string): Float64Array | undefined {
  const t = g.tensors.get(name);
  if (t === undefined || t.dtype !== DataType.FLOAT) return undefined;
  const s = t.source?.kind === 'alias' ? g.tensors.get(t.source.of)?.source : t.source;
  let bytes: Uint8Array | undefined;
  if (s?.kind === 'computed') bytes = s.data;
  else if ((s?.kind === 'initializer' || s?.kind === 'attribute') && s.tensor.storage !== 'empty') bytes = g.source.tensorBytes(s.tensor);
  else if (t.value !== undefined) return Float64Array.from(t.value.data);
  if (bytes === undefined || bytes.length !== elementCount(t.shape!) * 4) return undefined;
  return Float64Array.from(decodeValues(bytes, DataType.FLOAT));
}

/** Weights and bias of a Conv (2-D or any rank) or a Gemm that the fold can rewrite. */
function initialWeights(g: Graph, l: Layer): { w: Float64Array; b: Float64Array; channelAxisOfW: 0 | 1 } | undefined {
  if (l.domain !== '' || l.outputs.length !== 1) return undefined;
  const w = l.inputs[1] === undefined ? undefined : floatValues(g, l.inputs[1]);
  if (w === undefined || g.tensors.get(l.inputs[0]!)?.dtype !== DataType.FLOAT) return undefined;
  const wShape = g.tensors.get(l.inputs[1]!)!.shape!;
  let cout: number;
  let axis: 0 | 1;
  if (l.op === 'Conv') {
    cout = wShape[0]!;
    axis = 0;
  } else if (l.op === 'Gemm') {
    const at = (n: string) => l.attrs.get(n);
    if ((at('alpha')?.f ?? 1) !== 1 || (at('beta')?.f ?? 1) !== 1 || (at('transA')?.i ?? 0) !== 0 || wShape.length !== 2) return undefined;
    const transB = (at('transB')?.i ?? 0) === 1;
    cout = transB ? wShape[0]! : wShape[1]!;
    axis = transB ? 0 : 1;
  } else {
    return undefined;
  }
  let b: Float64Array;
  const bias = l.inputs[2];
  if (bias === undefined || bias === '') b = new Float64Array(cout);
  else {
    const v = floatValues(g, bias);
    if (v === undefined || v.length !== cout) return undefined; // a Gemm C that broadcasts over rows only
    b = v;
  }
  return { w, b, channelAxisOfW: axis };
}

/** The constant as one value per output channel, or undefined when it varies along other axes. */
function perChannel(g: Graph, c: string, cout: number, yShape: readonly number[]): Float64Array | undefined {
  const t = g.tensors.get(c)!;
  const shape = t.shape!;
  if (shape.length > yShape.length) return undefined;
  const values = floatValues(g, c);
  if (values === undefined) return undefined;
  // Right-align: every dim must be 1 except the channel dim (axis 1 of y), which is 1 or C.
  const lead = yShape.length - shape.length;
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const axis = i + lead;
    if (axis === 1) { if (shape[i] !== 1 && shape[i] !== cout) return undefined; n = shape[i]!; } else if (shape[i] !== 1) return undefined;
  }
  if (yShape[1] !== cout) return undefined;
  return n === 1 ? new Float64Array(cout).fill(values[0]!) : values;
}
