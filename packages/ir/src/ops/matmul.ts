// Gemm and MatMul: output shapes and MACs (output elements × the reduced dimension K).

import { broadcastShapes, product, type OpRule } from './rule.js';

export const Gemm: OpRule = {
  infer(ctx) {
    const a = ctx.input(0);
    const b = ctx.input(1);
    if (a.shape.length !== 2 || b.shape.length !== 2) return ctx.fail(`Gemm needs 2-D inputs, got [${a.shape.join(',')}] and [${b.shape.join(',')}]`);
    const [m, ka] = ctx.int('transA', 0) ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const [kb, n] = ctx.int('transB', 0) ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (ka !== kb) return ctx.fail(`inner dimensions differ: A gives K=${ka}, B gives K=${kb}`);
    const c = ctx.optionalInput(2);
    if (c !== undefined) {
      const s = broadcastShapes(ctx, [c.shape, [m, n]]);
      if (s[0] !== m || s[1] !== n) return ctx.fail(`C [${c.shape.join(',')}] does not broadcast to [${m},${n}]`);
    }
    return [{ dtype: a.dtype, shape: [m, n] }];
  },
  macs(ctx, [y]) {
    const a = ctx.input(0);
    const k = ctx.int('transA', 0) ? a.shape[0]! : a.shape[1]!;
    return product(y!.shape) * k;
  },
};

export const MatMul: OpRule = {
  infer(ctx) {
    const a = ctx.input(0);
    const b = ctx.input(1);
    if (a.shape.length === 0 || b.shape.length === 0) return ctx.fail('MatMul inputs must not be scalars');
    const aa = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
    const bb = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
    const k = aa[aa.length - 1]!;
    if (bb[bb.length - 2] !== k) return ctx.fail(`inner dimensions differ: [${a.shape.join(',')}] x [${b.shape.join(',')}]`);
    const batch = broadcastShapes(ctx, [aa.slice(0, -2), bb.slice(0, -2)]);
    const shape = [...batch];
    if (a.shape.length > 1) shape.push(aa[aa.length - 2]!);
    if (b.shape.length > 1) shape.push(bb[bb.length - 1]!);
    return [{ dtype: a.dtype, shape }];
  },
  macs(ctx, [y]) {
    const a = ctx.input(0);
    return product(y!.shape) * a.shape[a.shape.length - 1]!;
  },
};

export const matmulRules: Record<string, OpRule> = { Gemm, MatMul };
