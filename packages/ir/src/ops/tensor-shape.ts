// Ops that move or reshape data without arithmetic: Reshape, Flatten, Transpose, Squeeze,
// Unsqueeze, Concat, Split, Slice, Gather, Shape, Size, Pad, Resize, Upsample, Expand, Tile,
// DepthToSpace, SpaceToDepth; and the constant producers Constant, ConstantOfShape, Range.

import { DataType } from '@splitc/onnx';
import type { Shape } from '../graph.js';
import { attributeTensorValues, broadcastShapes, folded, normalizeAxis, product, strides, type OpContext, type OpRule, type TensorType } from './rule.js';

/** Builds an output by mapping each output multi-index to an input offset. */
function remap(outShape: Shape, inOffset: (idx: readonly number[]) => number, data: readonly number[]): number[] {
  const n = product(outShape);
  const out = new Array<number>(n);
  const idx = new Array<number>(outShape.length).fill(0);
  for (let k = 0; k < n; k++) {
    out[k] = data[inOffset(idx)]!;
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

function offsetOf(st: readonly number[], idx: readonly number[]): number {
  let o = 0;
  for (let i = 0; i < idx.length; i++) o += idx[i]! * st[i]!;
  return o;
}

const reshape: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const spec = ctx.opset < 5 ? ctx.ints('shape') : ctx.requireValue(1, 'the target shape');
    if (spec === undefined) return ctx.fail('shape is required', 'shape');
    const allowZero = ctx.int('allowzero', 0) === 1;
    const total = product(x.shape);
    let unknown = -1;
    const out = spec.map((d, i) => {
      if (d === 0 && !allowZero) {
        if (i >= x.shape.length) return ctx.fail(`shape [${spec.join(',')}] copies dim ${i}, input has rank ${x.shape.length}`);
        return x.shape[i]!;
      }
      if (d === -1) {
        if (unknown >= 0) return ctx.fail(`shape [${spec.join(',')}] has more than one -1`);
        unknown = i;
        return 1;
      }
      if (d < 0) return ctx.fail(`shape [${spec.join(',')}] has a negative dim`);
      return d;
    });
    const known = product(out);
    if (unknown >= 0) {
      if (known === 0 || total % known !== 0) return ctx.fail(`cannot reshape [${x.shape.join(',')}] to [${spec.join(',')}]`);
      out[unknown] = total / known;
    } else if (known !== total) {
      ctx.fail(`cannot reshape [${x.shape.join(',')}] (${total} elements) to [${out.join(',')}] (${known} elements)`);
    }
    const v = ctx.value(0);
    return [v !== undefined ? folded(x.dtype, out, () => v) : { dtype: x.dtype, shape: out }];
  },
};

const flatten: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const axis = ctx.int('axis', 1);
    const a = axis < 0 ? axis + x.shape.length : axis;
    if (a < 0 || a > x.shape.length) return ctx.fail(`axis ${axis} is out of range for rank ${x.shape.length}`, 'axis');
    const shape = [product(x.shape.slice(0, a)), product(x.shape.slice(a))];
    const v = ctx.value(0);
    return [v !== undefined ? folded(x.dtype, shape, () => v) : { dtype: x.dtype, shape }];
  },
};

const transpose: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const rank = x.shape.length;
    const perm = ctx.ints('perm', [...Array(rank).keys()].reverse());
    if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) return ctx.fail(`perm [${perm.join(',')}] is not a permutation of rank ${rank}`, 'perm');
    const shape = perm.map((p) => x.shape[p]!);
    const v = ctx.value(0);
    if (v === undefined) return [{ dtype: x.dtype, shape }];
    const st = strides(x.shape);
    return [folded(x.dtype, shape, () => remap(shape, (idx) => perm.reduce((o, p, i) => o + idx[i]! * st[p]!, 0), v))];
  },
};

function axesOf(ctx: OpContext, sinceInputOpset: number, inputIndex: number): readonly number[] | undefined {
  if (ctx.opset >= sinceInputOpset) {
    return ctx.optionalInput(inputIndex) === undefined ? undefined : ctx.requireValue(inputIndex, 'axes');
  }
  return ctx.ints('axes');
}

const squeeze: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const axes = axesOf(ctx, 13, 1);
    let shape: number[];
    if (axes === undefined) {
      shape = x.shape.filter((d) => d !== 1);
    } else {
      const drop = new Set(axes.map((a) => normalizeAxis(ctx, a, x.shape.length, 'axes')));
      for (const a of drop) if (x.shape[a] !== 1) return ctx.fail(`cannot squeeze axis ${a} of size ${x.shape[a]}`, 'axes');
      shape = x.shape.filter((_, i) => !drop.has(i));
    }
    const v = ctx.value(0);
    return [v !== undefined ? folded(x.dtype, shape, () => v) : { dtype: x.dtype, shape }];
  },
};

const unsqueeze: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const axes = axesOf(ctx, 13, 1);
    if (axes === undefined) return ctx.fail('axes is required', 'axes');
    const rank = x.shape.length + axes.length;
    const at = new Set(axes.map((a) => normalizeAxis(ctx, a, rank, 'axes')));
    if (at.size !== axes.length) return ctx.fail(`axes [${axes.join(',')}] repeat an axis`, 'axes');
    const shape: number[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) shape.push(at.has(i) ? 1 : x.shape[j++]!);
    const v = ctx.value(0);
    return [v !== undefined ? folded(x.dtype, shape, () => v) : { dtype: x.dtype, shape }];
  },
};

const concat: OpRule = {
  infer(ctx) {
    const ins = ctx.layer.inputs.map((_, i) => ctx.input(i));
    if (ins.length === 0) return ctx.fail('needs at least one input');
    const rank = ins[0]!.shape.length;
    const axisAttr = ctx.int('axis');
    if (axisAttr === undefined) return ctx.fail('axis is required', 'axis');
    const axis = normalizeAxis(ctx, axisAttr, rank);
    const shape = [...ins[0]!.shape];
    shape[axis] = 0;
    for (const t of ins) {
      if (t.shape.length !== rank || t.shape.some((d, i) => i !== axis && d !== ins[0]!.shape[i])) {
        ctx.fail(`input shapes ${ins.map((x) => `[${x.shape.join(',')}]`).join(', ')} differ outside axis ${axis}`);
      }
      shape[axis]! += t.shape[axis]!;
    }
    const values = ins.map((_, i) => ctx.value(i));
    if (values.every((v) => v !== undefined)) {
      return [folded(ins[0]!.dtype, shape, () => {
        const outer = product(shape.slice(0, axis));
        const out: number[] = [];
        for (let o = 0; o < outer; o++) {
          ins.forEach((t, i) => {
            const chunk = product(t.shape.slice(axis));
            out.push(...values[i]!.slice(o * chunk, (o + 1) * chunk));
          });
        }
        return out;
      })];
    }
    return [{ dtype: ins[0]!.dtype, shape }];
  },
};

const split: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const axis = normalizeAxis(ctx, ctx.int('axis', 0), x.shape.length);
    const n = ctx.layer.outputs.length;
    let sizes: readonly number[] | undefined = ctx.opset >= 13 ? (ctx.optionalInput(1) !== undefined ? ctx.requireValue(1, 'split') : undefined) : ctx.ints('split');
    if (sizes === undefined) {
      const total = x.shape[axis]!;
      const parts = ctx.int('num_outputs', n);
      const each = Math.ceil(total / parts);
      sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(each, total - i * each)));
    }
    if (sizes.length !== n) return ctx.fail(`split gives ${sizes.length} sizes for ${n} outputs`, 'split');
    if (sizes.reduce((a, b) => a + b, 0) !== x.shape[axis]) return ctx.fail(`split sizes [${sizes.join(',')}] do not add up to ${x.shape[axis]}`, 'split');
    return sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === axis ? s : d)) }));
  },
};

const slice: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const rank = x.shape.length;
    let starts: readonly number[];
    let ends: readonly number[];
    let axes: readonly number[] | undefined;
    let steps: readonly number[] | undefined;
    if (ctx.opset < 10) {
      starts = ctx.ints('starts') ?? ctx.fail('starts is required', 'starts');
      ends = ctx.ints('ends') ?? ctx.fail('ends is required', 'ends');
      axes = ctx.ints('axes');
    } else {
      starts = ctx.requireValue(1, 'starts');
      ends = ctx.requireValue(2, 'ends');
      axes = ctx.optionalInput(3) !== undefined ? ctx.requireValue(3, 'axes') : undefined;
      steps = ctx.optionalInput(4) !== undefined ? ctx.requireValue(4, 'steps') : undefined;
    }
    const ax = (axes ?? starts.map((_, i) => i)).map((a) => normalizeAxis(ctx, a, rank, 'axes'));
    if (ends.length !== starts.length || ax.length !== starts.length) return ctx.fail('starts, ends and axes differ in length');
    const begin = new Array<number>(rank).fill(0);
    const step = new Array<number>(rank).fill(1);
    const shape = [...x.shape];
    ax.forEach((a, i) => {
      const dim = x.shape[a]!;
      const s = steps?.[i] ?? 1;
      if (s === 0) return ctx.fail('step 0', 'steps');
      const clampIdx = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
      const b = s > 0 ? clampIdx(starts[i]!, 0, dim) : clampIdx(starts[i]!, -1, dim - 1);
      const e = s > 0 ? clampIdx(ends[i]!, 0, dim) : clampIdx(ends[i]!, -1, dim - 1);
      shape[a] = Math.max(0, Math.ceil((e - b) / s));
      begin[a] = b;
      step[a] = s;
    });
    const v = ctx.value(0);
    if (v === undefined) return [{ dtype: x.dtype, shape }];
    const st = strides(x.shape);
    return [folded(x.dtype, shape, () => remap(shape, (idx) => idx.reduce((o, k, d) => o + (begin[d]! + k * step[d]!) * st[d]!, 0), v))];
  },
};

const gather: OpRule = {
  infer(ctx) {
    const data = ctx.input(0);
    const indices = ctx.input(1);
    const axis = normalizeAxis(ctx, ctx.int('axis', 0), data.shape.length);
    const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
    const vd = ctx.value(0);
    const vi = ctx.value(1);
    if (vd === undefined || vi === undefined) return [{ dtype: data.dtype, shape }];
    const dim = data.shape[axis]!;
    for (const i of vi) if (i < -dim || i >= dim) return ctx.fail(`index ${i} is out of range for axis ${axis} of size ${dim}`);
    const st = strides(data.shape);
    const ir = indices.shape.length;
    const ist = strides(indices.shape);
    return [folded(data.dtype, shape, () => remap(shape, (idx) => {
      const k = vi[offsetOf(ist, idx.slice(axis, axis + ir))]!;
      const pos = k < 0 ? k + dim : k;
      let o = pos * st[axis]!;
      for (let d = 0; d < axis; d++) o += idx[d]! * st[d]!;
      for (let d = axis + 1; d < data.shape.length; d++) o += idx[d - 1 + ir]! * st[d]!;
      return o;
    }, vd))];
  },
};

const shapeOp: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const rank = x.shape.length;
    const clampAxis = (a: number): number => Math.min(Math.max(a < 0 ? a + rank : a, 0), rank);
    const start = clampAxis(ctx.int('start', 0));
    const end = clampAxis(ctx.int('end', rank));
    const dims = x.shape.slice(start, Math.max(start, end));
    return [{ dtype: DataType.INT64, shape: [dims.length], value: { dtype: DataType.INT64, shape: [dims.length], data: dims } }];
  },
};

const size: OpRule = {
  infer(ctx) {
    const n = product(ctx.input(0).shape);
    return [{ dtype: DataType.INT64, shape: [], value: { dtype: DataType.INT64, shape: [], data: [n] } }];
  },
};

const pad: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const rank = x.shape.length;
    const pads = ctx.opset < 11 ? (ctx.ints('pads') ?? ctx.fail('pads is required', 'pads')) : ctx.requireValue(1, 'pads');
    const axes = ctx.opset >= 18 && ctx.optionalInput(3) !== undefined
      ? ctx.requireValue(3, 'axes').map((a) => normalizeAxis(ctx, a, rank, 'axes'))
      : [...Array(rank).keys()];
    if (pads.length !== 2 * axes.length) return ctx.fail(`pads has ${pads.length} values for ${axes.length} axes`, 'pads');
    const shape = [...x.shape];
    axes.forEach((a, i) => {
      shape[a] = x.shape[a]! + pads[i]! + pads[i + axes.length]!;
      if (shape[a]! < 0) return ctx.fail(`padding makes axis ${a} negative`, 'pads');
    });
    return [{ dtype: x.dtype, shape }];
  },
};

function resizeShape(ctx: OpContext, x: TensorType, scales: readonly number[] | undefined, sizes: readonly number[] | undefined): number[] {
  const rank = x.shape.length;
  if (sizes !== undefined && sizes.length > 0) {
    if (sizes.length !== rank) return ctx.fail(`sizes has ${sizes.length} values for rank ${rank}`);
    return [...sizes];
  }
  if (scales === undefined || scales.length !== rank) return ctx.fail(`scales must have ${rank} values`);
  return x.shape.map((d, i) => Math.floor(d * scales[i]!));
}

const resize: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    let scales: readonly number[] | undefined;
    let sizes: readonly number[] | undefined;
    if (ctx.opset < 11) {
      scales = ctx.requireValue(1, 'scales');
    } else {
      if (ctx.optionalInput(2) !== undefined && ctx.value(2)?.length !== 0) scales = ctx.requireValue(2, 'scales');
      if (ctx.optionalInput(3) !== undefined) sizes = ctx.requireValue(3, 'sizes');
    }
    return [{ dtype: x.dtype, shape: resizeShape(ctx, x, scales, sizes) }];
  },
};

const upsample: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const scales = ctx.opset >= 9 ? ctx.requireValue(1, 'scales') : ctx.attr('scales')?.floats;
    return [{ dtype: x.dtype, shape: resizeShape(ctx, x, scales, undefined) }];
  },
};

const expand: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const target = ctx.requireValue(1, 'the target shape');
    const shape = broadcastShapes(ctx, [x.shape, target]);
    const v = ctx.value(0);
    if (v === undefined) return [{ dtype: x.dtype, shape }];
    const st = strides(x.shape);
    const lead = shape.length - x.shape.length;
    return [folded(x.dtype, shape, () => remap(shape, (idx) => x.shape.reduce((o, d, i) => o + (d === 1 ? 0 : idx[i + lead]!) * st[i]!, 0), v))];
  },
};

const tile: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const repeats = ctx.requireValue(1, 'repeats');
    if (repeats.length !== x.shape.length) return ctx.fail(`repeats has ${repeats.length} values for rank ${x.shape.length}`);
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => d * repeats[i]!) }];
  },
};

const depthToSpace: OpRule = {
  infer(ctx) {
    const x = ctx.input(0);
    const b = ctx.int('blocksize') ?? ctx.fail('blocksize is required', 'blocksize');
    if (x.shape.length !== 4) return ctx.fail('input must be 4-D');
    const [n, c, h, w] = x.shape as [number, number, number, number];
    if (ctx.layer.op === 'DepthToSpace') {
      if (c % (b * b) !== 0) return ctx.fail(`channels ${c} not divisible by blocksize² ${b * b}`, 'blocksize');
      return [{ dtype: x.dtype, shape: [n, c / (b * b), h * b, w * b] }];
    }
    if (h % b !== 0 || w % b !== 0) return ctx.fail(`spatial dims ${h}x${w} not divisible by blocksize ${b}`, 'blocksize');
    return [{ dtype: x.dtype, shape: [n, c * b * b, h / b, w / b] }];
  },
};

const constant: OpRule = {
  infer(ctx) {
    const t = ctx.tensor('value');
    if (t !== undefined) {
      if (t.storage === 'external') return [{ dtype: t.dataType, shape: t.dims }];
      return [folded(t.dataType, t.dims, () => attributeTensorValues(t))];
    }
    const a = ctx.layer.attrs;
    if (a.get('value_float')?.f !== undefined) return [{ dtype: DataType.FLOAT, shape: [], value: { dtype: DataType.FLOAT, shape: [], data: [a.get('value_float')!.f!] } }];
    if (a.get('value_int')?.i !== undefined) return [{ dtype: DataType.INT64, shape: [], value: { dtype: DataType.INT64, shape: [], data: [a.get('value_int')!.i!] } }];
    const fl = a.get('value_floats')?.floats;
    if (fl !== undefined) return [{ dtype: DataType.FLOAT, shape: [fl.length], value: { dtype: DataType.FLOAT, shape: [fl.length], data: fl } }];
    const il = a.get('value_ints')?.ints;
    if (il !== undefined) return [{ dtype: DataType.INT64, shape: [il.length], value: { dtype: DataType.INT64, shape: [il.length], data: il } }];
    return ctx.fail('needs a value attribute (value, value_float(s), value_int(s))', 'value');
  },
};

const constantOfShape: OpRule = {
  infer(ctx) {
    const shape = ctx.requireValue(0, 'the shape');
    if (shape.some((d) => d < 0)) return ctx.fail(`shape [${shape.join(',')}] has a negative dim`);
    const t = ctx.tensor('value');
    const dtype = t?.dataType ?? DataType.FLOAT;
    const fill = t !== undefined ? attributeTensorValues(t)[0] ?? 0 : 0;
    return [folded(dtype, shape, () => new Array<number>(product(shape)).fill(fill))];
  },
};

const range: OpRule = {
  infer(ctx) {
    const [start, limit, delta] = [0, 1, 2].map((i) => ctx.requireValue(i, ['start', 'limit', 'delta'][i]!)[0]!) as [number, number, number];
    if (delta === 0) return ctx.fail('delta is 0');
    const n = Math.max(Math.ceil((limit - start) / delta), 0);
    const dtype = ctx.input(0).dtype;
    return [folded(dtype, [n], () => Array.from({ length: n }, (_, i) => start + i * delta))];
  },
};

export const tensorShapeRules: Record<string, OpRule> = {
  Reshape: reshape, Flatten: flatten, Transpose: transpose, Squeeze: squeeze, Unsqueeze: unsqueeze,
  Concat: concat, Split: split, Slice: slice, Gather: gather, Shape: shapeOp, Size: size, Pad: pad,
  Resize: resize, Upsample: upsample, Expand: expand, Tile: tile, DepthToSpace: depthToSpace,
  SpaceToDepth: depthToSpace, Constant: constant, ConstantOfShape: constantOfShape, Range: range,
};
