// Sliding-window geometry (Conv, ConvTranspose, MaxPool, AveragePool, LpPool) decoded once from the
// ONNX attributes, with ONNX's defaults: explicit pads after `auto_pad`, strides, dilations,
// group, kernel, ceil mode and the spatial output. Shape inference, the DPU rules, the PyTorch
// codegen and the GNN features all read this one decoding.

import type { Graph, Layer } from '../graph.js';
import { OpContext } from './rule.js';

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

export interface WindowGeometry {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** Explicit pads after `auto_pad`, ONNX order: [begin_0, begin_1, …, end_0, end_1, …]. */
  readonly pads: readonly number[];
  /** The attribute as written; `pads` already accounts for it. */
  readonly autoPad: AutoPad;
  /** 1 for pools. */
  readonly group: number;
  /** Pools only (`ceil_mode`); false otherwise. */
  readonly ceilMode: boolean;
  /** ConvTranspose only (`output_padding`); zeros otherwise. */
  readonly outputPadding: readonly number[];
  /** Spatial extents of the output. */
  readonly output: readonly number[];
}

/** Ops whose attributes `decodeWindow` understands. */
export const WINDOW_OPS: ReadonlySet<string> = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'LpPool']);

const AUTO_PADS: readonly string[] = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

/**
 * Decode a window op's attributes for an input with the given spatial extents. `kernelFromWeight`
 * (the weight's spatial dims) stands in for a missing `kernel_shape` on Conv/ConvTranspose.
 * Invalid attributes fail through `ctx` (BadAttribute naming the field, ShapeError otherwise).
 */
export function decodeWindow(ctx: OpContext, input: readonly number[], kernelFromWeight?: readonly number[]): WindowGeometry {
  const op = ctx.layer.op;
  const spatial = input.length;
  const kernel = ctx.ints('kernel_shape') ?? kernelFromWeight;
  if (kernel === undefined) return ctx.fail('kernel_shape is required', 'kernel_shape');
  if (kernel.length !== spatial) return ctx.fail(`kernel_shape has ${kernel.length} dims, input has ${spatial} spatial dims`, 'kernel_shape');
  const strides = ctx.ints('strides', new Array(spatial).fill(1));
  const dilations = ctx.ints('dilations', new Array(spatial).fill(1));
  const given = ctx.ints('pads', new Array(2 * spatial).fill(0));
  if (strides.length !== spatial || strides.some((s) => s < 1)) return ctx.fail(`strides [${strides.join(',')}] must be ${spatial} positive ints`, 'strides');
  if (dilations.length !== spatial || dilations.some((d) => d < 1)) return ctx.fail(`dilations [${dilations.join(',')}] must be ${spatial} positive ints`, 'dilations');
  if (given.length !== 2 * spatial || given.some((p) => p < 0)) return ctx.fail(`pads [${given.join(',')}] must be ${2 * spatial} non-negative ints`, 'pads');
  if (kernel.some((k) => k < 1)) return ctx.fail(`kernel_shape [${kernel.join(',')}] must be positive`, 'kernel_shape');
  const autoPadRaw = ctx.string('auto_pad', 'NOTSET');
  if (!AUTO_PADS.includes(autoPadRaw)) return ctx.fail(`auto_pad ${JSON.stringify(autoPadRaw)} is not one of ${AUTO_PADS.join(', ')}`, 'auto_pad');
  const autoPad = autoPadRaw as AutoPad;
  const same = autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER';
  const isConv = op === 'Conv' || op === 'ConvTranspose';
  const group = isConv ? ctx.int('group', 1) : 1;
  const ceilMode = !isConv && ctx.int('ceil_mode', 0) === 1;
  const outputPadding = op === 'ConvTranspose' ? ctx.ints('output_padding', new Array(spatial).fill(0)) : new Array<number>(spatial).fill(0);
  if (outputPadding.length !== spatial || outputPadding.some((p) => p < 0)) return ctx.fail(`output_padding [${outputPadding.join(',')}] must be ${spatial} non-negative ints`, 'output_padding');
  const extent = (i: number) => (kernel[i]! - 1) * dilations[i]! + 1;
  const begin: number[] = [];
  const end: number[] = [];
  /** Split a total pad the way auto_pad says (SAME_UPPER puts the odd one at the end). */
  const split = (total: number, upper: boolean) => {
    const t = Math.max(total, 0);
    const small = Math.floor(t / 2);
    begin.push(upper ? small : t - small);
    end.push(upper ? t - small : small);
  };
  let output: number[];

  if (op === 'ConvTranspose') {
    const explicit = ctx.ints('output_shape');
    if (explicit !== undefined && explicit.length < spatial) return ctx.fail(`output_shape [${explicit.join(',')}] has fewer than ${spatial} spatial dims`, 'output_shape');
    const full = (i: number) => strides[i]! * (input[i]! - 1) + outputPadding[i]! + extent(i);
    if (explicit !== undefined) {
      output = explicit.slice(-spatial);
      // ONNX: pads are generated from output_shape; SAME_UPPER puts the odd one at the end.
      output.forEach((o, i) => split(full(i) - o, autoPad === 'SAME_UPPER'));
    } else if (same) {
      output = input.map((n, i) => n * strides[i]!);
      output.forEach((o, i) => split(full(i) - o, autoPad === 'SAME_UPPER'));
    } else {
      for (let i = 0; i < spatial; i++) {
        begin.push(autoPad === 'VALID' ? 0 : given[i]!);
        end.push(autoPad === 'VALID' ? 0 : given[i + spatial]!);
      }
      output = input.map((_, i) => full(i) - begin[i]! - end[i]!);
    }
    if (output.some((d) => d < 1)) return ctx.fail(`output spatial shape [${output.join(',')}] is empty`);
  } else {
    output = input.map((n, i) => {
      const s = strides[i]!;
      if (same) {
        const out = Math.ceil(n / s);
        split((out - 1) * s + extent(i) - n, autoPad === 'SAME_UPPER');
        return out;
      }
      const pb = autoPad === 'VALID' ? 0 : given[i]!;
      const pe = autoPad === 'VALID' ? 0 : given[i + spatial]!;
      begin.push(pb);
      end.push(pe);
      const padded = n + pb + pe;
      if (padded < extent(i)) return ctx.fail(`window of ${extent(i)} does not fit input extent ${padded} on spatial dim ${i}`);
      let out = (ceilMode ? Math.ceil((padded - extent(i)) / s) : Math.floor((padded - extent(i)) / s)) + 1;
      // A window that would start entirely in the end padding is dropped (ONNX/PyTorch ceil_mode rule).
      if (ceilMode && autoPad !== 'VALID' && (out - 1) * s >= n + pb) out--;
      return out;
    });
  }
  return { kernel, strides, dilations, pads: [...begin, ...end], autoPad, group, ceilMode, outputPadding, output };
}

/** Each graph's decoded window geometries, by layer index (a Graph is never mutated: passes build new ones). */
const decoded = new WeakMap<Graph, (WindowGeometry | undefined)[]>();

/**
 * The geometry of a window layer of a shape-inferred graph (its input and, for convolutions,
 * weight shapes read from the graph). Fails with BadAttribute/ShapeError naming the node.
 * Decoded once per graph and layer: the DPU rules, the latency model, the codegen and the GNN
 * features all ask for it, the features on every prediction.
 */
export function windowGeometry(g: Graph, l: Layer): WindowGeometry {
  let byIndex = decoded.get(g);
  if (byIndex === undefined) decoded.set(g, (byIndex = []));
  // A layer that is not this graph's own (a caller's mistake) is decoded, not cached.
  const own = g.layers[l.index] === l;
  const hit = own ? byIndex[l.index] : undefined;
  if (hit !== undefined) return hit;
  const w = decodeWindowLayer(g, l);
  if (own) byIndex[l.index] = w;
  return w;
}

function decodeWindowLayer(g: Graph, l: Layer): WindowGeometry {
  const types = l.inputs.map((name) => {
    const t = name === '' ? undefined : g.tensors.get(name);
    return t?.shape === undefined ? undefined : { dtype: t.dtype, shape: t.shape };
  });
  const ctx = new OpContext(l, g.opset, types);
  const x = ctx.input(0);
  if (x.shape.length < 3) return ctx.fail(`input has rank ${x.shape.length}; ${l.op} needs N x C x spatial`);
  const kernelFromWeight = l.op === 'Conv' || l.op === 'ConvTranspose' ? ctx.input(1).shape.slice(2) : undefined;
  return decodeWindow(ctx, x.shape.slice(2), kernelFromWeight);
}
