// Pooling and local normalisation: MaxPool, AveragePool, LpPool, GlobalAveragePool, GlobalMaxPool, LRN.

import { DataType } from '@splitc/onnx';
import type { OpRule } from './rule.js';
import { decodeWindow } from './window.js';

const slidingPool: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    if (x.shape.length < 3) return ctx.fail(`input has rank ${x.shape.length}; pooling needs N x C x spatial`);
    const win = decodeWindow(ctx, x.shape.slice(2));
    const shape = [x.shape[0]!, x.shape[1]!, ...win.output];
    const outs = [{ dtype: x.dtype, shape }];
    // MaxPool's optional second output holds int64 indices.
    if (ctx.layer.outputs.length > 1) outs.push({ dtype: DataType.INT64, shape });
    return outs;
  },
};

const globalPool: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    if (x.shape.length < 3) return ctx.fail(`input has rank ${x.shape.length}; global pooling needs N x C x spatial`);
    return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)] }];
  },
};

const lrn: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    if (ctx.int('size') === undefined) return ctx.fail('size is required', 'size');
    return [{ dtype: x.dtype, shape: x.shape }];
  },
};

export const poolRules: Record<string, OpRule> = {
  MaxPool: slidingPool,
  AveragePool: slidingPool,
  LpPool: slidingPool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
  LRN: lrn,
};
