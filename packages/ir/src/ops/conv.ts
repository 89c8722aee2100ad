// Conv and ConvTranspose (opset 1+; attributes unchanged since opset 11): output geometry and MACs.

import type { OpContext, OpRule, TensorType } from './rule.js';
import { product } from './rule.js';

interface Window {
  kernel: readonly number[];
  strides: readonly number[];
  dilations: readonly number[];
  pads: readonly number[];
  autoPad: string;
}

/** Kernel/stride/dilation/pad attributes for `spatial` dims, with ONNX defaults, validated. */
export function windowAttrs(ctx: OpContext, spatial: number, kernelFromWeight?: readonly number[]): Window {
  const kernel = ctx.ints('kernel_shape') ?? kernelFromWeight;
  if (kernel === undefined) return ctx.fail('kernel_shape is required', 'kernel_shape');
  if (kernel.length !== spatial) return ctx.fail(`kernel_shape has ${kernel.length} dims, input has ${spatial} spatial dims`, 'kernel_shape');
  const strides = ctx.ints('strides', new Array(spatial).fill(1));
  const dilations = ctx.ints('dilations', new Array(spatial).fill(1));
  const pads = ctx.ints('pads', new Array(2 * spatial).fill(0));
  if (strides.length !== spatial || strides.some((s) => s < 1)) return ctx.fail(`strides [${strides.join(',')}] must be ${spatial} positive ints`, 'strides');
  if (dilations.length !== spatial || dilations.some((d) => d < 1)) return ctx.fail(`dilations [${dilations.join(',')}] must be ${spatial} positive ints`, 'dilations');
  if (pads.length !== 2 * spatial || pads.some((p) => p < 0)) return ctx.fail(`pads [${pads.join(',')}] must be ${2 * spatial} non-negative ints`, 'pads');
  if (kernel.some((k) => k < 1)) return ctx.fail(`kernel_shape [${kernel.join(',')}] must be positive`, 'kernel_shape');
  return { kernel, strides, dilations, pads, autoPad: ctx.string('auto_pad', 'NOTSET') };
}

/** Output extent of a sliding window along each spatial dim. */
export function windowOutput(ctx: OpContext, input: readonly number[], w: Window, ceilMode = false): number[] {
  return input.map((n, i) => {
    const s = w.strides[i]!;
    if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return Math.ceil(n / s);
    const extent = (w.kernel[i]! - 1) * w.dilations[i]! + 1;
    const padded = w.autoPad === 'VALID' ? n : n + w.pads[i]! + w.pads[i + input.length]!;
    if (padded < extent) return ctx.fail(`window of ${extent} does not fit input extent ${padded} on spatial dim ${i}`);
    let out = (ceilMode ? Math.ceil((padded - extent) / s) : Math.floor((padded - extent) / s)) + 1;
    // A window that would start entirely in the end padding is dropped (ONNX/PyTorch ceil_mode rule).
    if (ceilMode && w.autoPad !== 'VALID' && (out - 1) * s >= n + w.pads[i]!) out--;
    return out;
  });
}

export const Conv: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const w = ctx.input(1);
    if (x.shape.length < 3) return ctx.fail(`input has rank ${x.shape.length}; Conv needs N x C x spatial`);
    if (w.shape.length !== x.shape.length) return ctx.fail(`weight rank ${w.shape.length} differs from input rank ${x.shape.length}`);
    const group = ctx.int('group', 1);
    const cin = x.shape[1]!;
    if (group < 1 || cin % group !== 0) return ctx.fail(`group ${group} does not divide ${cin} input channels`, 'group');
    if (w.shape[1] !== cin / group) return ctx.fail(`weight has ${w.shape[1]} input channels per group, input gives ${cin}/${group}`);
    const cout = w.shape[0]!;
    if (cout % group !== 0) return ctx.fail(`group ${group} does not divide ${cout} output channels`, 'group');
    const b = ctx.optionalInput(2);
    if (b !== undefined && (b.shape.length !== 1 || b.shape[0] !== cout)) return ctx.fail(`bias shape [${b.shape.join(',')}] must be [${cout}]`);
    const win = windowAttrs(ctx, x.shape.length - 2, w.shape.slice(2));
    if (win.kernel.some((k, i) => k !== w.shape[i + 2])) return ctx.fail(`kernel_shape [${win.kernel.join(',')}] differs from the weight's [${w.shape.slice(2).join(',')}]`, 'kernel_shape');
    return [{ dtype: x.dtype, shape: [x.shape[0]!, cout, ...windowOutput(ctx, x.shape.slice(2), win)] }];
  },
  macs(ctx, [y]) {
    const w = ctx.input(1);
    return product(y!.shape) * w.shape[1]! * product(w.shape.slice(2));
  },
};

export const ConvTranspose: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const w = ctx.input(1);
    if (x.shape.length < 3) return ctx.fail(`input has rank ${x.shape.length}; ConvTranspose needs N x C x spatial`);
    const group = ctx.int('group', 1);
    const cin = x.shape[1]!;
    if (w.shape[0] !== cin) return ctx.fail(`weight has ${w.shape[0]} input channels, input has ${cin}`);
    const cout = w.shape[1]! * group;
    const spatial = x.shape.length - 2;
    const win = windowAttrs(ctx, spatial, w.shape.slice(2));
    const outputPadding = ctx.ints('output_padding', new Array(spatial).fill(0));
    const explicit = ctx.ints('output_shape');
    let out: number[];
    if (explicit !== undefined) {
      out = explicit.slice(-spatial);
    } else {
      out = x.shape.slice(2).map((n, i) => {
        if (win.autoPad === 'SAME_UPPER' || win.autoPad === 'SAME_LOWER') return n * win.strides[i]!;
        const pads = win.autoPad === 'VALID' ? 0 : win.pads[i]! + win.pads[i + spatial]!;
        return win.strides[i]! * (n - 1) + outputPadding[i]! + (win.kernel[i]! - 1) * win.dilations[i]! + 1 - pads;
      });
    }
    if (out.some((d) => d < 1)) return ctx.fail(`output spatial shape [${out.join(',')}] is empty`);
    return [{ dtype: x.dtype, shape: [x.shape[0]!, cout, ...out] }];
  },
  macs(ctx) {
    const x = ctx.input(0);
    const w = ctx.input(1);
    return product(x.shape) * w.shape[1]! * product(w.shape.slice(2));
  },
};

export const convRules: Record<string, OpRule> = { Conv, ConvTranspose };

export type { TensorType };
