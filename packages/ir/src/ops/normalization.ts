// Normalisation, reductions and softmax: BatchNormalization, InstanceNormalization,
// LayerNormalization, Reduce*, Softmax, LogSoftmax, ArgMax/ArgMin.

import { DataType } from '@splitc/onnx';
import { folded, normalizeAxis, product, type OpContext, type OpRule } from './rule.js';

const batchNorm: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    if (x.shape.length < 2) return ctx.fail(`input has rank ${x.shape.length}; needs N x C x …`);
    const c = x.shape[1]!;
    // scale, B, input_mean and input_var are required in every opset (a one-input BatchNormalization
    // used to pass inspect and crash the PyTorch codegen).
    for (let i = 1; i <= 4; i++) {
      const t = ctx.input(i);
      if (t.shape.length !== 1 || t.shape[0] !== c) return ctx.fail(`input ${i} has shape [${t.shape.join(',')}], expected [${c}]`);
    }
    return ctx.layer.outputs.map((_, i) => (i === 0 ? { dtype: x.dtype, shape: x.shape } : { dtype: x.dtype, shape: [c] }));
  },
};

const instanceNorm: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
};

const layerNorm: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const axis = normalizeAxis(ctx, ctx.int('axis', -1), x.shape.length);
    const stats = x.shape.map((d, i) => (i < axis ? d : 1));
    return ctx.layer.outputs.map((_, i) => (i === 0 ? { dtype: x.dtype, shape: x.shape } : { dtype: DataType.FLOAT, shape: stats }));
  },
};

/** Opset from which each reduction takes `axes` as an input instead of an attribute. */
const AXES_INPUT_SINCE: Record<string, number> = { ReduceSum: 13 };

function reduction(fn?: (xs: number[]) => number): OpRule {
  return {
    infer(ctx) {
      const x = ctx.input(0);
      const rank = x.shape.length;
      const since = AXES_INPUT_SINCE[ctx.layer.op] ?? 18;
      let axes: readonly number[] | undefined = ctx.opset >= since
        ? (ctx.optionalInput(1) !== undefined ? ctx.requireValue(1, 'axes') : undefined)
        : ctx.ints('axes');
      if (axes !== undefined && axes.length === 0) axes = undefined;
      if (axes === undefined && ctx.opset >= since && ctx.int('noop_with_empty_axes', 0) === 1) return [x];
      const set = new Set((axes ?? [...Array(rank).keys()]).map((a) => normalizeAxis(ctx, a, rank, 'axes')));
      const keep = ctx.int('keepdims', 1) === 1;
      const shape = keep ? x.shape.map((d, i) => (set.has(i) ? 1 : d)) : x.shape.filter((_, i) => !set.has(i));
      const v = ctx.value(0);
      if (fn !== undefined && v !== undefined && set.size === rank) return [folded(x.dtype, shape, () => [fn([...v])])];
      return [{ dtype: x.dtype, shape }];
    },
  };
}

function sameShape(ctx: OpContext) {
  const x = ctx.input(0);
  if (x.shape.length > 0) normalizeAxis(ctx, ctx.int('axis', ctx.opset >= 13 ? -1 : 1), x.shape.length);
  return [{ dtype: x.dtype, shape: x.shape }];
}

const argReduce: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const axis = normalizeAxis(ctx, ctx.int('axis', 0), x.shape.length);
    const keep = ctx.int('keepdims', 1) === 1;
    return [{ dtype: DataType.INT64, shape: keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis) }];
  },
};

export const normalizationRules: Record<string, OpRule> = {
  BatchNormalization: batchNorm,
  InstanceNormalization: instanceNorm,
  LayerNormalization: layerNorm,
  ReduceMean: reduction((xs) => xs.reduce((a, b) => a + b, 0) / xs.length),
  ReduceSum: reduction((xs) => xs.reduce((a, b) => a + b, 0)),
  ReduceMax: reduction((xs) => Math.max(...xs)),
  ReduceMin: reduction((xs) => Math.min(...xs)),
  ReduceProd: reduction((xs) => product(xs)),
  ReduceL2: reduction(),
  ReduceL1: reduction(),
  ReduceSumSquare: reduction(),
  ReduceLogSumExp: reduction(),
  Softmax: { infer: sameShape },
  LogSoftmax: { infer: sameShape },
  Hardmax: { infer: sameShape },
  ArgMax: argReduce,
  ArgMin: argReduce,
};
