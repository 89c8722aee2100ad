// Elementwise ops: unary activations, broadcasting binary/variadic arithmetic and comparisons,
// Where, Clip, PRelu, Cast, Identity, Dropout. Values are computed for small constant inputs so
// that PyTorch's shape arithmetic (Shape → Gather → Mul/Div → Concat) folds away.

import { DataType } from '@splitc/onnx';
import type { Shape } from '../graph.js';
import { broadcastShapes, folded, isIntegerType, product, strides, type OpContext, type OpRule, type TensorType } from './rule.js';

/** Evaluate fn over broadcast inputs (all values known). */
function broadcastValues(outShape: Shape, inputs: readonly { shape: Shape; data: readonly number[] }[], fn: (xs: number[]) => number): number[] {
  const n = product(outShape);
  const outStrides = strides(outShape);
  const inStrides = inputs.map(({ shape }) => {
    const s = strides(shape);
    // Stride 0 along broadcast dims; align right.
    return outShape.map((_, j) => {
      const i = j - (outShape.length - shape.length);
      return i < 0 || shape[i] === 1 ? 0 : s[i]!;
    });
  });
  const out = new Array<number>(n);
  const args = new Array<number>(inputs.length);
  for (let k = 0; k < n; k++) {
    for (let a = 0; a < inputs.length; a++) {
      let off = 0;
      let rem = k;
      for (let d = 0; d < outShape.length; d++) {
        const idx = Math.floor(rem / outStrides[d]!);
        rem -= idx * outStrides[d]!;
        off += idx * inStrides[a]![d]!;
      }
      args[a] = inputs[a]!.data[off]!;
    }
    out[k] = fn(args);
  }
  return out;
}

function unary(fn?: (x: number, ctx: OpContext) => number): OpRule {
  return {
    infer(ctx) {
      const x = ctx.input(0);
      const v = ctx.value(0);
      if (fn !== undefined && v !== undefined) return [folded(x.dtype, x.shape, () => v.map((e) => fn(e, ctx)))];
      return [{ dtype: x.dtype, shape: x.shape }];
    },
  };
}

function binary(fn: ((a: number, b: number, int: boolean) => number) | undefined, outType?: number): OpRule {
  return {
    infer(ctx) {
      const a = ctx.input(0);
      const b = ctx.input(1);
      const shape = broadcastShapes(ctx, [a.shape, b.shape]);
      const dtype = outType ?? a.dtype;
      const va = ctx.value(0);
      const vb = ctx.value(1);
      if (fn !== undefined && va !== undefined && vb !== undefined) {
        const int = isIntegerType(a.dtype);
        return [folded(dtype, shape, () => broadcastValues(shape, [{ shape: a.shape, data: va }, { shape: b.shape, data: vb }], ([x, y]) => fn(x!, y!, int)))];
      }
      return [{ dtype, shape }];
    },
  };
}

function variadic(fn: (xs: number[]) => number): OpRule {
  return {
    infer(ctx) {
      const ins = ctx.layer.inputs.map((_, i) => ctx.input(i));
      if (ins.length === 0) return ctx.fail('needs at least one input');
      const shape = broadcastShapes(ctx, ins.map((t) => t.shape));
      const values = ins.map((_, i) => ctx.value(i));
      if (values.every((v) => v !== undefined)) {
        return [folded(ins[0]!.dtype, shape, () => broadcastValues(shape, ins.map((t, i) => ({ shape: t.shape, data: values[i]! })), fn))];
      }
      return [{ dtype: ins[0]!.dtype, shape }];
    },
  };
}

const where: OpRule = {
  infer(ctx) {
    const c = ctx.input(0);
    const x = ctx.input(1);
    const y = ctx.input(2);
    const shape = broadcastShapes(ctx, [c.shape, x.shape, y.shape]);
    const [vc, vx, vy] = [ctx.value(0), ctx.value(1), ctx.value(2)];
    if (vc !== undefined && vx !== undefined && vy !== undefined) {
      return [folded(x.dtype, shape, () => broadcastValues(shape, [{ shape: c.shape, data: vc }, { shape: x.shape, data: vx }, { shape: y.shape, data: vy }], ([cc, xx, yy]) => (cc ? xx! : yy!)))];
    }
    return [{ dtype: x.dtype, shape }];
  },
};

const clip: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    for (const i of [1, 2]) {
      const t = ctx.optionalInput(i);
      if (t !== undefined && product(t.shape) !== 1) return ctx.fail(`${i === 1 ? 'min' : 'max'} must be a scalar, got shape [${t.shape.join(',')}]`);
    }
    return [{ dtype: x.dtype, shape: x.shape }];
  },
};

const prelu: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const slope = ctx.input(1);
    const shape = broadcastShapes(ctx, [x.shape, slope.shape]);
    if (shape.length !== x.shape.length || shape.some((d, i) => d !== x.shape[i])) return ctx.fail(`slope [${slope.shape.join(',')}] does not broadcast to the input [${x.shape.join(',')}]`);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
};

const cast: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const to = ctx.int('to');
    if (to === undefined) return ctx.fail('to is required', 'to');
    const v = ctx.value(0);
    if (v !== undefined) {
      const conv = to === DataType.BOOL ? (e: number) => (e !== 0 ? 1 : 0) : isIntegerType(to) ? Math.trunc : (e: number) => e;
      return [folded(to, x.shape, () => v.map(conv))];
    }
    return [{ dtype: to, shape: x.shape }];
  },
};

const passThrough: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const out: TensorType[] = [x];
    // Dropout's optional mask output.
    if (ctx.layer.op === 'Dropout' && ctx.layer.outputs.length > 1) out.push({ dtype: DataType.BOOL, shape: x.shape });
    return out;
  },
};

const B = DataType.BOOL;
const intDiv = (a: number, b: number, int: boolean): number => (int ? Math.trunc(a / b) : a / b);

export const elementwiseRules: Record<string, OpRule> = {
  Relu: unary((x) => Math.max(0, x)),
  LeakyRelu: unary(), PRelu: prelu, Elu: unary(), Selu: unary(), Celu: unary(), ThresholdedRelu: unary(),
  Sigmoid: unary(), HardSigmoid: unary(), HardSwish: unary(), Tanh: unary(), Erf: unary(), Gelu: unary(),
  Softplus: unary(), Softsign: unary(), Mish: unary(), Exp: unary(Math.exp), Log: unary(Math.log),
  Sqrt: unary(Math.sqrt), Reciprocal: unary((x) => 1 / x), Abs: unary(Math.abs), Neg: unary((x) => -x),
  Floor: unary(Math.floor), Ceil: unary(Math.ceil), Round: unary((x) => { const r = Math.round(x); return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; }),
  Sign: unary(Math.sign), Sin: unary(Math.sin), Cos: unary(Math.cos), Not: unary((x) => (x ? 0 : 1)),
  Clip: clip, Cast: cast, Identity: passThrough, Dropout: passThrough,
  Add: binary((a, b) => a + b), Sub: binary((a, b) => a - b), Mul: binary((a, b) => a * b), Div: binary(intDiv),
  Pow: binary((a, b) => a ** b), Mod: binary((a, b) => a - b * Math.floor(a / b)),
  Equal: binary((a, b) => (a === b ? 1 : 0), B), Less: binary((a, b) => (a < b ? 1 : 0), B),
  Greater: binary((a, b) => (a > b ? 1 : 0), B), LessOrEqual: binary((a, b) => (a <= b ? 1 : 0), B),
  GreaterOrEqual: binary((a, b) => (a >= b ? 1 : 0), B), And: binary((a, b) => (a && b ? 1 : 0), B),
  Or: binary((a, b) => (a || b ? 1 : 0), B), Xor: binary((a, b) => ((a ? 1 : 0) ^ (b ? 1 : 0)), B),
  Max: variadic((xs) => Math.max(...xs)), Min: variadic((xs) => Math.min(...xs)),
  Sum: variadic((xs) => xs.reduce((s, x) => s + x, 0)), Mean: variadic((xs) => xs.reduce((s, x) => s + x, 0) / xs.length),
  Where: where,
};
