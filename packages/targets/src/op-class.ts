// What kind of work a layer is, for the latency model: compute-bound classes, memory-bound
// layers, layers fused into their producer, and layers that cost nothing (views).

import type { Graph, Layer } from '@splitc/ir';

export type OpClass = 'conv' | 'depthwise' | 'grouped' | 'fc' | 'memory' | 'fused' | 'free';

/** Pure views: no kernel on the GPU, no instruction on the DPU. */
const FREE = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout']);
/** Applied in the epilogue of the producing Conv/Gemm by TensorRT and the DPU compiler alike (as is a residual Add). */
const FUSABLE = new Set(['Relu', 'LeakyRelu', 'Clip', 'HardSwish', 'HardSigmoid', 'PRelu', 'BatchNormalization']);
const COMPUTE = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

export function convKind(g: Graph, l: Layer): 'conv' | 'depthwise' | 'grouped' {
  const group = l.attrs.get('group')?.i ?? 1;
  if (group === 1) return 'conv';
  const cin = g.tensors.get(l.inputs[0]!)!.shape![1]!;
  return group === cin ? 'depthwise' : 'grouped';
}

/** Classes of every layer of a graph, computed once per graph (layers are in topological order). */
const classesOf = new WeakMap<Graph, readonly OpClass[]>();

export function opClass(g: Graph, l: Layer): OpClass {
  let classes = classesOf.get(g);
  if (classes === undefined) classesOf.set(g, (classes = opClasses(g)));
  return classes[l.index]!;
}

/**
 * One pass in topological order, so a producer's class is known before its readers': no
 * recursion (a 10,000-layer chain of activations overflowed the stack, and re-walking the chain
 * from every layer made planning quadratic).
 */
function opClasses(g: Graph): OpClass[] {
  const classes: OpClass[] = [];
  for (const l of g.layers) classes.push(classify(g, l, classes));
  return classes;
}

function classify(g: Graph, l: Layer, earlier: readonly OpClass[]): OpClass {
  if (FREE.has(l.op)) return 'free';
  if (l.op === 'Conv' || l.op === 'ConvTranspose') return convKind(g, l);
  if (l.op === 'Gemm' || l.op === 'MatMul') return 'fc';
  // Epilogue fusion: an activation, a batch norm or a residual Add that reads the sole output of
  // a convolution (or of something already fused into one) costs no separate pass over memory.
  const slots = l.op === 'Add' ? [0, 1] : FUSABLE.has(l.op) ? [0] : [];
  for (const slot of slots) {
    const src = g.tensors.get(l.inputs[slot] ?? '');
    if (src === undefined || src.producer === undefined) continue;
    const producer = g.layers[src.producer]!;
    const onlyConsumer = (g.consumers.get(src.name) ?? []).length === 1;
    if (onlyConsumer && (COMPUTE.has(producer.op) || earlier[src.producer] === 'fused')) return 'fused';
  }
  return 'memory';
}
