// Conv and ConvTranspose (opset 1+; attributes unchanged since opset 11): output geometry and MACs.

import type { OpRule, TensorType } from './rule.js';
import { product } from './rule.js';
import { decodeWindow } from './window.js';

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
    const win = decodeWindow(ctx, x.shape.slice(2), w.shape.slice(2));
    if (win.kernel.some((k, i) => k !== w.shape[i + 2])) return ctx.fail(`kernel_shape [${win.kernel.join(',')}] differs from the weight's [${w.shape.slice(2).join(',')}]`, 'kernel_shape');
    return [{ dtype: x.dtype, shape: [x.shape[0]!, cout, ...win.output] }];
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
    const win = decodeWindow(ctx, x.shape.slice(2), w.shape.slice(2));
    const out = win.output;
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
