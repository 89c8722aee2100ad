// The GPU's kernel structure at batch 1: which ONNX layers run as one GPU kernel. At batch 1 a
// GPU kernel costs a floor of microseconds whatever its size, so the number of kernels matters
// more than FLOPs; and what TensorRT and cuDNN fuse (activations, batch norms, residual adds and
// whole elementwise chains into a convolution's or GEMM's epilogue; a decomposed LayerNorm or GELU
// into one kernel; transposes, reshapes and padding folded into their neighbours) is no kernel of
// its own.
//
// Rules, applied in topological order:
// - free: views and layout ops (Reshape, Flatten, Transpose, Slice, Pad…) launch nothing;
// - an anchor (Conv, ConvTranspose, Gemm, MatMul) starts a kernel;
// - an elementwise op joins the kernel that produced one of its inputs when that kernel is open to
//   it (an anchor whose output has as many elements, a normalisation, or an elementwise chain)
//   and its other inputs were computed before that kernel started (so the fused kernel needs
//   nothing it produces later); otherwise it starts an elementwise kernel;
// - a reduction (ReduceMean, GlobalAveragePool, LayerNormalization, Softmax…) starts a
//   normalisation kernel that later reductions and elementwise ops may join (a decomposed
//   LayerNorm is one kernel);
// - everything else (pooling, Concat, Resize…) is a kernel of its own that nothing joins.

import { elementCount, type Graph, type Layer } from '@splitc/ir';
import { convKind } from './op-class.js';

/** `narrow`: a dense convolution with fewer than 8 input channels (an RGB stem), too narrow for the tensor cores' reduction. */
export type GpuKernelClass = 'conv' | 'narrow' | 'depthwise' | 'grouped' | 'fc' | 'memory';

/** Input channels per group below which a dense convolution is `narrow`. */
export const NARROW_CHANNELS = 8;

function anchorClass(g: Graph, l: Layer): GpuKernelClass {
  if (l.op !== 'Conv' && l.op !== 'ConvTranspose') return 'fc';
  const kind = convKind(g, l);
  if (kind !== 'conv') return kind;
  const cin = g.tensors.get(l.inputs[0]!)?.shape?.[1];
  return cin !== undefined && cin < NARROW_CHANNELS ? 'narrow' : 'conv';
}

export type GpuRole =
  /** Launches nothing. */
  | { readonly kind: 'free' }
  /** Starts a kernel of this class. */
  | { readonly kind: 'kernel'; readonly cls: GpuKernelClass }
  /**
   * Runs inside the kernel started by layer `head`. `counted`: the op is a pointwise function of
   * its own (an activation, a batch norm, a residual add), as opposed to a step of a decomposed
   * one (the Mul of SiLU x·σ(x), GELU's scalings, LayerNorm's arithmetic, a bias add).
   */
  | { readonly kind: 'fused'; readonly head: number; readonly counted: boolean };

const FREE = new Set([
  'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout', 'Transpose', 'Slice', 'Split', 'Pad',
  'Shape', 'Constant', 'Expand',
]);
const ANCHOR = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);
const ELEMENTWISE = new Set([
  'Relu', 'LeakyRelu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Erf', 'Gelu', 'Elu', 'Selu', 'Softplus',
  'Softsign', 'PRelu', 'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Reciprocal', 'Exp', 'Log', 'Neg', 'Abs', 'Min',
  'Max', 'BatchNormalization', 'Cast', 'Where', 'Mish', 'Silu', 'Swish', 'QuickGelu', 'FastGelu',
]);
/** Pointwise functions that are one op in a framework (one kernel where nothing fuses). */
const FUNCTIONS = new Set([
  'Relu', 'LeakyRelu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Erf', 'Gelu', 'Elu', 'Selu', 'Softplus',
  'Softsign', 'PRelu', 'BatchNormalization', 'Mish', 'Silu', 'Swish', 'QuickGelu', 'FastGelu',
]);
const REDUCE = new Set([
  'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceL2', 'GlobalAveragePool', 'GlobalMaxPool',
  'LayerNormalization', 'InstanceNormalization', 'GroupNormalization', 'Softmax', 'LogSoftmax',
]);

interface Group {
  readonly head: number;
  readonly kind: 'anchor' | 'reduce' | 'eltwise' | 'closed';
  /** Elements of the head's output: an anchor's epilogue works on its output tile. */
  readonly elements: number;
}

const cache = new WeakMap<Graph, readonly GpuRole[]>();

function outputElements(g: Graph, l: Layer): number {
  const t = g.tensors.get(l.outputs[0] ?? '');
  return t?.shape === undefined ? 0 : elementCount(t.shape);
}

/** The role of every layer of `g` on the GPU (computed once per graph). */
export function gpuRoles(g: Graph): readonly GpuRole[] {
  const hit = cache.get(g);
  if (hit !== undefined) return hit;
  const roles: GpuRole[] = [];
  const groupOf: number[] = []; // layer index -> group id, -1 when free
  const groups: Group[] = [];
  // The layer that really computes a tensor: free layers pass their first input through.
  // A free layer passes through the real producer of its first activation input, resolved once
  // when the layer is visited (no recursion: a long chain of views costs O(1) per reader).
  const through: number[] = [];
  const derived = new Map<string, ReadonlySet<string>>();
  const producer = (name: string): number => {
    const t = g.tensors.get(name);
    if (t === undefined || t.producer === undefined || t.kind !== 'activation') return -1;
    return groupOf[t.producer] === -1 ? through[t.producer]! : t.producer;
  };
  for (const l of g.layers) {
    const i = l.index;
    const start = (kind: Group['kind'], cls: GpuKernelClass): void => {
      groupOf[i] = groups.length;
      groups.push({ head: i, kind, elements: outputElements(g, l) });
      roles.push({ kind: 'kernel', cls });
    };
    if (FREE.has(l.op)) {
      const first = l.inputs.find((n) => n !== '' && g.tensors.get(n)?.kind === 'activation');
      through[i] = first === undefined ? -1 : producer(first);
      groupOf[i] = -1;
      roles.push({ kind: 'free' });
      continue;
    }
    if (ANCHOR.has(l.op)) { start('anchor', anchorClass(g, l)); continue; }
    const eltwise = ELEMENTWISE.has(l.op);
    const reduce = REDUCE.has(l.op);
    if (!eltwise && !reduce) { start('closed', 'memory'); continue; }
    const inputs = l.inputs.filter((n) => n !== '').map(producer);
    // Only the group of the latest producer can be joined: any other group starts after an input
    // it does not contain, so the fused kernel would need something computed after it started.
    // (One pass over the inputs: variadic ops with thousands of inputs stay linear.)
    const last = inputs.reduce((m, q) => Math.max(m, q), -1);
    let join = -1;
    if (last >= 0) {
      const gid = groupOf[last]!;
      const grp = groups[gid]!;
      const open = reduce ? grp.kind === 'reduce'
        : grp.kind === 'reduce' || grp.kind === 'eltwise' || (grp.kind === 'anchor' && outputElements(g, l) === grp.elements);
      if (open && inputs.every((q) => q < 0 || groupOf[q] === gid || q < grp.head)) join = gid;
    }
    if (join >= 0) {
      groupOf[i] = join;
      // Inside the group, which tensors each output derives from (bounded: decompositions are short).
      const from = new Set<string>();
      for (const n of l.inputs) {
        if (n === '' || producer(n) < 0 || groupOf[producer(n)] !== join) continue;
        from.add(n);
        for (const x of derived.get(n) ?? []) if (from.size < 32) from.add(x);
      }
      for (const o of l.outputs) derived.set(o, from);
      const acts = l.inputs.filter((n) => n !== '' && g.tensors.get(n)?.kind === 'activation');
      // A binary op counts when it combines two independent activations (a residual add, SE's
      // scaling); x·f(x) and ops with a constant operand are steps of a decomposed function.
      const independent = acts.length > 8 || (acts.length >= 2 && acts.every((a) => acts.every((b) => a === b || !(derived.get(b)?.has(a) ?? false))));
      const counted = groups[join]!.kind !== 'reduce' && (FUNCTIONS.has(l.op) || independent);
      roles.push({ kind: 'fused', head: groups[join]!.head, counted });
    } else {
      start(reduce ? 'reduce' : 'eltwise', 'memory');
    }
  }
  cache.set(g, roles);
  return roles;
}
