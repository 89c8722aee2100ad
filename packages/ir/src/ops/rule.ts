// The contract of an op rule: from input types (and compile-time values where known) to output
// types, plus the op's cost features. Rules are keyed by op type; opset differences are handled
// inside a rule through `ctx.opset`.

import { SplitcError } from '@splitc/diagnostics';
import { DataType, decodeValues, type OnnxAttribute, type OnnxTensor } from '@splitc/onnx';
import type { ConstValue, Layer, Shape } from '../graph.js';

export interface TensorType {
  readonly dtype: number;
  readonly shape: Shape;
  /** Known compile-time value (small tensors only). */
  readonly value?: ConstValue;
}

export interface OpRule {
  /** Output types from input types. Computes values when the inputs' values are known. */
  infer(ctx: OpContext): readonly TensorType[];
  /** Multiply-accumulates of one inference. Ops without a rule here count 0. */
  macs?(ctx: OpContext, outputs: readonly TensorType[]): number;
}

export class OpContext {
  constructor(
    readonly layer: Layer,
    readonly opset: number,
    private readonly types: readonly (TensorType | undefined)[],
  ) {}

  get inputCount(): number {
    return this.layer.inputs.length;
  }

  /** A required input. */
  input(i: number): TensorType {
    const t = this.types[i];
    if (t === undefined) this.fail(`input ${i} is required but missing`);
    return t;
  }

  optionalInput(i: number): TensorType | undefined {
    return this.types[i];
  }

  /** The compile-time value of input i, or undefined when it is not known. */
  value(i: number): readonly number[] | undefined {
    return this.types[i]?.value?.data;
  }

  /** The value of input i, required to be known at compile time (e.g. a Reshape shape). */
  requireValue(i: number, what: string): readonly number[] {
    const v = this.value(i);
    if (v === undefined && activeBudget?.exhausted === true) {
      throw new SplitcError('ModelTooLarge', `${what} (input ${i}, ${JSON.stringify(this.layer.inputs[i])}) was not computed: the model's compile-time values exceed ${MAX_TOTAL_FOLDED_ELEMENTS} elements in total`, this.where());
    }
    if (v === undefined) {
      throw new SplitcError('DynamicShape', `${what} (input ${i}, ${JSON.stringify(this.layer.inputs[i])}) is computed at run time; splitc needs it constant`, this.where());
    }
    return v;
  }

  attr(name: string): OnnxAttribute | undefined {
    return this.layer.attrs.get(name);
  }

  int(name: string, def: number): number;
  int(name: string): number | undefined;
  int(name: string, def?: number): number | undefined {
    const a = this.attr(name);
    if (a === undefined) return def;
    if (a.i === undefined) this.fail(`attribute ${name} must be an int`, name);
    return a.i;
  }

  ints(name: string, def: readonly number[]): readonly number[];
  ints(name: string): readonly number[] | undefined;
  ints(name: string, def?: readonly number[]): readonly number[] | undefined {
    const a = this.attr(name);
    if (a === undefined) return def;
    if (a.ints === undefined) this.fail(`attribute ${name} must be a list of ints`, name);
    return a.ints;
  }

  float(name: string, def: number): number {
    const a = this.attr(name);
    if (a === undefined) return def;
    if (a.f === undefined) this.fail(`attribute ${name} must be a float`, name);
    return a.f;
  }

  string(name: string, def: string): string {
    const a = this.attr(name);
    if (a === undefined) return def;
    if (a.s === undefined) this.fail(`attribute ${name} must be a string`, name);
    return new TextDecoder().decode(a.s);
  }

  tensor(name: string): OnnxTensor | undefined {
    const a = this.attr(name);
    if (a === undefined) return undefined;
    if (a.t === undefined) this.fail(`attribute ${name} must be a tensor`, name);
    return a.t;
  }

  where(field?: string): { node: string; op: string; field?: string } {
    return field === undefined ? { node: this.layer.name, op: this.layer.op } : { node: this.layer.name, op: this.layer.op, field };
  }

  fail(message: string, field?: string): never {
    throw new SplitcError(field !== undefined ? 'BadAttribute' : 'ShapeError', message, this.where(field));
  }
}

// --- shared helpers -----------------------------------------------------------------------------

export function normalizeAxis(ctx: OpContext, axis: number, rank: number, field = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) return ctx.fail(`axis ${axis} is out of range for rank ${rank}`, field);
  return a;
}

export function product(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

/** numpy-style broadcast of several shapes. */
export function broadcastShapes(ctx: OpContext, shapes: readonly Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i]!;
      const o = out[j]!;
      if (o === 1) out[j] = d;
      else if (d !== 1 && d !== o) return ctx.fail(`shapes ${shapes.map((x) => `[${x.join(',')}]`).join(' and ')} do not broadcast`);
    }
  }
  return out;
}

/** Compile-time values larger than this (per tensor) are not decoded into JS numbers. */
export const MAX_FOLDED_ELEMENTS = 1 << 16;

/**
 * Elements of compile-time values one analysis may compute in total. The per-tensor cap alone let
 * a 200 KB model of 2,000 ConstantOfShape[65536] hold 131 M numbers (2.2 GB); past this budget
 * values are no longer computed, and a rule that needs one fails with ModelTooLarge.
 */
export const MAX_TOTAL_FOLDED_ELEMENTS = 1 << 22;

/** The budget of the analysis running now (infer-shapes sets it; rules are synchronous). */
let activeBudget: { remaining: number; exhausted: boolean } | undefined;

/** Run `fn` with a fresh budget of compile-time elements shared by every `folded` call inside it. */
export function withFoldBudget<T>(total: number, fn: () => T): T {
  const outer = activeBudget;
  activeBudget = { remaining: total, exhausted: false };
  try {
    return fn();
  } finally {
    activeBudget = outer;
  }
}

/** A value, if it is small enough to fold and the analysis's budget allows. */
export function folded(dtype: number, shape: Shape, data: () => readonly number[]): TensorType {
  const n = product(shape);
  if (n > MAX_FOLDED_ELEMENTS) return { dtype, shape };
  if (activeBudget !== undefined) {
    if (n > activeBudget.remaining) {
      activeBudget.exhausted = true;
      return { dtype, shape };
    }
    activeBudget.remaining -= n;
  }
  return { dtype, shape, value: { dtype, shape, data: data() } };
}

export function isIntegerType(dtype: number): boolean {
  return dtype === DataType.INT64 || dtype === DataType.INT32 || dtype === DataType.INT16 || dtype === DataType.INT8
    || dtype === DataType.UINT8 || dtype === DataType.UINT16 || dtype === DataType.UINT32 || dtype === DataType.UINT64
    || dtype === DataType.BOOL;
}

/** Values of an attribute tensor (Constant, ConstantOfShape). */
export function attributeTensorValues(t: OnnxTensor): readonly number[] {
  return decodeValues(t.data, t.dataType);
}

/** Row-major strides of a shape. */
export function strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}
