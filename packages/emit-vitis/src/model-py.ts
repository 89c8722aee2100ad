// Generates model.py: a plain PyTorch nn.Module for the DPU partition, built from the IR, made of
// modules the Vitis AI Inspector and vai_q_pytorch recognise (Conv2d, BatchNorm2d, ReLU, ReLU6,
// MaxPool2d, AvgPool2d, Linear…) with its weights loaded from the partition.onnx beside it.

import { oneLine, pyEscape, pyString, SplitcError } from '@splitc/diagnostics';
import { elementCount, resolveAlias, windowGeometry, type Graph, type Layer } from '@splitc/ir';
import { ONNX_READER_PY } from './onnx-reader-py.js';

/** Class name of the generated module; vai_q_pytorch names the xmodel `<class>_int.xmodel`. */
export const MODULE_CLASS = 'DpuPartition';

export interface ModelPyInput {
  readonly graph: Graph;
  /** DPU layers in order. */
  readonly layers: readonly Layer[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** For the header comment. */
  readonly modelName: string;
  readonly splitcVersion: string;
}

interface Emitted {
  /** `self.mN = ...` lines in __init__, or none for functional ops. */
  readonly init: string[];
  /** The forward expression. */
  readonly expr: string;
  /** (module attribute, ONNX initializer, transform) pairs for load_model. */
  readonly weights: [string, string, 'copy' | 'transpose' | 'flatten'][];
}

const py = (v: number): string => (Number.isInteger(v) ? String(v) : repr(v));
/** Shortest literal that reads back as the same float32 (ONNX float attributes are float32). */
function repr(v: number): string {
  if (Number.isNaN(v)) return 'float("nan")';
  if (v === Infinity) return 'float("inf")';
  if (v === -Infinity) return 'float("-inf")';
  let s = String(v);
  for (let p = 1; p <= 17; p++) {
    const c = Number(v.toPrecision(p));
    if (Math.fround(c) === Math.fround(v)) { s = String(c); break; }
  }
  return /[.e]/.test(s) ? s : `${s}.0`;
}
/** A Python list of string literals, laid out as JSON would be (the golden files predate pyString). */
const pyList = (xs: readonly string[]): string => `[${xs.map(pyString).join(',')}]`;
const tuple = (xs: readonly number[]): string => `(${xs.map(py).join(', ')}${xs.length === 1 ? ',' : ''})`;

/** Symmetric pads become the layer's padding; asymmetric ones a ZeroPad2d in front (l, r, t, b). */
function splitPads(pads: readonly number[]): { padding: [number, number]; pre: [number, number, number, number] | null } {
  const [t, lft, b, r] = pads as [number, number, number, number];
  if (t === b && lft === r) return { padding: [t, lft], pre: null };
  return { padding: [0, 0], pre: [lft, r, t, b] };
}

function unsupported(l: Layer, why: string): never {
  throw new SplitcError('UnsupportedEmit', `${why}`, { node: l.name, op: l.op });
}

function emitLayer(g: Graph, l: Layer, m: string, arg: (i: number) => string): Emitted {
  const shape = (name: string) => g.tensors.get(name)!.shape!;
  const weightName = (i: number) => resolveAlias(g, l.inputs[i]!).name;
  const constValue = (i: number) => g.tensors.get(l.inputs[i] ?? '')?.value?.data;
  switch (l.op) {
    case 'Conv':
    case 'ConvTranspose': {
      const w = shape(l.inputs[1]!);
      if (w.length !== 4) unsupported(l, 'only 2-D convolutions are generated');
      // Kernel, strides, dilations, group and pads after auto_pad: decoded once in the IR.
      const { kernel, strides, dilations: dil, group, pads, outputPadding: outPad } = windowGeometry(g, l);
      const bias = l.inputs[2] !== undefined && l.inputs[2] !== '';
      const weights: Emitted['weights'] = [[`${m}.weight`, weightName(1), 'copy']];
      if (bias) weights.push([`${m}.bias`, weightName(2), 'copy']);
      if (l.op === 'Conv') {
        const { padding, pre } = splitPads(pads);
        const init = [`self.${m} = nn.Conv2d(${w[1]! * group}, ${w[0]}, kernel_size=${tuple(kernel)}, stride=${tuple(strides)}, padding=${tuple(padding)}, dilation=${tuple(dil)}, groups=${group}, bias=${bias ? 'True' : 'False'})`];
        if (pre !== null) init.unshift(`self.${m}_pad = nn.ZeroPad2d(${tuple(pre)})`);
        return { init, expr: pre !== null ? `self.${m}(self.${m}_pad(${arg(0)}))` : `self.${m}(${arg(0)})`, weights };
      }
      // Pads from auto_pad or output_shape are explicit here; PyTorch takes symmetric ones only.
      const { padding, pre } = splitPads(pads);
      if (pre !== null) unsupported(l, 'ConvTranspose with asymmetric padding');
      return {
        init: [`self.${m} = nn.ConvTranspose2d(${w[0]}, ${w[1]! * group}, kernel_size=${tuple(kernel)}, stride=${tuple(strides)}, padding=${tuple(padding)}, output_padding=${tuple(outPad)}, groups=${group}, bias=${bias ? 'True' : 'False'}, dilation=${tuple(dil)})`],
        expr: `self.${m}(${arg(0)})`,
        weights,
      };
    }
    case 'BatchNormalization': {
      const c = shape(l.inputs[0]!)[1]!;
      const eps = l.attrs.get('epsilon')?.f ?? 1e-5;
      return {
        init: [`self.${m} = nn.BatchNorm2d(${c}, eps=${repr(eps)})`],
        expr: `self.${m}(${arg(0)})`,
        weights: [[`${m}.weight`, weightName(1), 'copy'], [`${m}.bias`, weightName(2), 'copy'], [`${m}.running_mean`, weightName(3), 'copy'], [`${m}.running_var`, weightName(4), 'copy']],
      };
    }
    case 'Relu': return { init: [`self.${m} = nn.ReLU()`], expr: `self.${m}(${arg(0)})`, weights: [] };
    case 'LeakyRelu': return { init: [`self.${m} = nn.LeakyReLU(${repr(l.attrs.get('alpha')?.f ?? 0.01)})`], expr: `self.${m}(${arg(0)})`, weights: [] };
    case 'HardSwish': return { init: [`self.${m} = nn.Hardswish()`], expr: `self.${m}(${arg(0)})`, weights: [] };
    case 'HardSigmoid': {
      const alpha = l.attrs.get('alpha')?.f ?? 0.2;
      const beta = l.attrs.get('beta')?.f ?? 0.5;
      if (Math.abs(alpha - 1 / 6) > 1e-6 || beta !== 0.5) unsupported(l, `HardSigmoid(alpha=${alpha}, beta=${beta}) is not PyTorch's Hardsigmoid`);
      return { init: [`self.${m} = nn.Hardsigmoid()`], expr: `self.${m}(${arg(0)})`, weights: [] };
    }
    case 'Gelu': {
      // Recognised from its erf or tanh decomposition (recognize-activations), or ONNX Gelu (opset 20).
      const approximate = new TextDecoder().decode(l.attrs.get('approximate')?.s ?? new Uint8Array());
      if (approximate === 'tanh') return { init: [`self.${m} = nn.GELU(approximate="tanh")`], expr: `self.${m}(${arg(0)})`, weights: [] };
      if (approximate !== '' && approximate !== 'none') unsupported(l, `Gelu with approximate=${JSON.stringify(approximate)}`);
      return { init: [`self.${m} = nn.GELU()`], expr: `self.${m}(${arg(0)})`, weights: [] };
    }
    case 'Clip': {
      const lo = constValue(1)?.[0] ?? l.attrs.get('min')?.f;
      const hi = constValue(2)?.[0] ?? l.attrs.get('max')?.f;
      if (lo === 0 && hi === 6) return { init: [`self.${m} = nn.ReLU6()`], expr: `self.${m}(${arg(0)})`, weights: [] };
      return { init: [], expr: `torch.clamp(${arg(0)}, ${lo === undefined ? 'None' : repr(lo)}, ${hi === undefined ? 'None' : repr(hi)})`, weights: [] };
    }
    case 'PRelu': {
      const slope = shape(l.inputs[1]!);
      const n = elementCount(slope);
      return { init: [`self.${m} = nn.PReLU(${n})`], expr: `self.${m}(${arg(0)})`, weights: [[`${m}.weight`, weightName(1), 'flatten']] };
    }
    case 'MaxPool':
    case 'AveragePool': {
      const x = shape(l.inputs[0]!);
      if (x.length !== 4) unsupported(l, 'only 2-D pooling is generated');
      const { kernel, strides, dilations: dil, pads, ceilMode } = windowGeometry(g, l);
      const ceil = ceilMode ? 'True' : 'False';
      const { padding, pre } = splitPads(pads);
      if (pre !== null) unsupported(l, 'pooling with asymmetric padding');
      if (l.op === 'MaxPool') {
        return { init: [`self.${m} = nn.MaxPool2d(kernel_size=${tuple(kernel)}, stride=${tuple(strides)}, padding=${tuple(padding)}, dilation=${tuple(dil)}, ceil_mode=${ceil})`], expr: `self.${m}(${arg(0)})`, weights: [] };
      }
      // ONNX excludes padding from the average by default; PyTorch includes it by default.
      const include = (l.attrs.get('count_include_pad')?.i ?? 0) === 1 ? 'True' : 'False';
      return { init: [`self.${m} = nn.AvgPool2d(kernel_size=${tuple(kernel)}, stride=${tuple(strides)}, padding=${tuple(padding)}, ceil_mode=${ceil}, count_include_pad=${include})`], expr: `self.${m}(${arg(0)})`, weights: [] };
    }
    case 'GlobalAveragePool': return { init: [`self.${m} = nn.AdaptiveAvgPool2d(1)`], expr: `self.${m}(${arg(0)})`, weights: [] };
    case 'GlobalMaxPool': return { init: [`self.${m} = nn.AdaptiveMaxPool2d(1)`], expr: `self.${m}(${arg(0)})`, weights: [] };
    case 'Add': return { init: [], expr: `${arg(0)} + ${arg(1)}`, weights: [] };
    case 'Mul': return { init: [], expr: `${arg(0)} * ${arg(1)}`, weights: [] };
    case 'Concat': {
      const axis = l.attrs.get('axis')?.i ?? 1;
      return { init: [], expr: `torch.cat([${l.inputs.map((_, i) => arg(i)).join(', ')}], dim=${axis})`, weights: [] };
    }
    case 'Flatten':
    case 'Reshape':
    case 'Squeeze':
    case 'Unsqueeze': {
      // Keep the batch dimension free when the reshape preserves it, so calibration may batch.
      const out = shape(l.outputs[0]!);
      const keepsBatch = out.length > 0 && out[0] === shape(l.inputs[0]!)[0];
      return { init: [], expr: `${arg(0)}.reshape(${keepsBatch ? tuple([-1, ...out.slice(1)]) : tuple(out)})`, weights: [] };
    }
    case 'Transpose': return { init: [], expr: `${arg(0)}.permute(${(l.attrs.get('perm')?.ints ?? []).join(', ')})`, weights: [] };
    case 'Identity':
    case 'Dropout':
      return { init: [], expr: arg(0), weights: [] };
    case 'Gemm':
    case 'MatMul': {
      const b = shape(l.inputs[1]!);
      const a = shape(l.inputs[0]!);
      if (a.length !== 2 || b.length !== 2) unsupported(l, 'matrix products other than 2-D × 2-D weights');
      const transB = l.op === 'Gemm' && (l.attrs.get('transB')?.i ?? 0) === 1;
      if (l.op === 'Gemm' && ((l.attrs.get('transA')?.i ?? 0) !== 0 || (l.attrs.get('alpha')?.f ?? 1) !== 1 || (l.attrs.get('beta')?.f ?? 1) !== 1)) unsupported(l, 'Gemm with transA, alpha ≠ 1 or beta ≠ 1');
      const [inF, outF] = transB ? [b[1]!, b[0]!] : [b[0]!, b[1]!];
      const bias = l.op === 'Gemm' && l.inputs[2] !== undefined && l.inputs[2] !== '';
      if (bias && elementCount(shape(l.inputs[2]!)) !== outF) unsupported(l, 'Gemm bias that is not one value per output');
      const weights: Emitted['weights'] = [[`${m}.weight`, weightName(1), transB ? 'copy' : 'transpose']];
      if (bias) weights.push([`${m}.bias`, weightName(2), 'flatten']);
      return { init: [`self.${m} = nn.Linear(${inF}, ${outF}, bias=${bias ? 'True' : 'False'})`], expr: `self.${m}(${arg(0)})`, weights };
    }
    case 'Pad': {
      const pads = constValue(1) ?? l.attrs.get('pads')?.ints;
      if (pads === undefined || pads.length !== 8 || [0, 1, 4, 5].some((i) => pads[i] !== 0)) unsupported(l, 'Pad other than spatial padding of a 4-D tensor');
      const [, , t, lft, , , b, r] = pads as number[];
      return { init: [`self.${m} = nn.ZeroPad2d(${tuple([lft!, r!, t!, b!])})`], expr: `self.${m}(${arg(0)})`, weights: [] };
    }
    case 'Resize':
    case 'Upsample': {
      const out = shape(l.outputs[0]!);
      return { init: [`self.${m} = nn.Upsample(size=${tuple(out.slice(2))}, mode="nearest")`], expr: `self.${m}(${arg(0)})`, weights: [] };
    }
    default:
      return unsupported(l, `no PyTorch translation for ${l.op}`);
  }
}

export function emitModelPy(input: ModelPyInput): string {
  const { graph: g, layers } = input;
  const local = new Map<string, string>();
  input.inputs.forEach((name, i) => local.set(name, `x${i}`));
  const init: string[] = [];
  const body: string[] = [];
  const weights: Emitted['weights'] = [];
  const errors: string[] = [];
  layers.forEach((l, i) => {
    const arg = (k: number): string => {
      const name = l.inputs[k]!;
      const v = local.get(name);
      if (v !== undefined) return v;
      throw new SplitcError('UnsupportedEmit', `input ${JSON.stringify(name)} is not computed in the DPU partition`, { node: l.name, op: l.op });
    };
    try {
      const e = emitLayer(g, l, `m${i}`, arg);
      init.push(...e.init.map((s) => `        ${s}  # ${oneLine(l.name)}`));
      weights.push(...e.weights);
      const out = `t${i}`;
      body.push(`        ${out} = ${e.expr}  # ${oneLine(l.op)}`);
      local.set(l.outputs[0]!, out);
    } catch (e) {
      if (!(e instanceof SplitcError)) throw e;
      errors.push(`${l.name} (${l.op}): ${e.detail}`);
      // Stand in for the output so that the layers after it report their own problems only.
      for (const o of l.outputs) local.set(o, `t${i}`);
    }
  });
  if (errors.length > 0) throw new SplitcError('UnsupportedEmit', `${errors.length} DPU layer(s) have no PyTorch translation: ${errors.join('; ')}`);
  const outs = input.outputs.map((o) => local.get(o)!);
  const shapes = input.inputs.map((n) => [...g.tensors.get(n)!.shape!]);
  const outShapes = input.outputs.map((n) => [...g.tensors.get(n)!.shape!]);
  const args = input.inputs.map((_, i) => `x${i}`).join(', ');
  // Names are untrusted: comments get oneLine (no line break), strings pyString, the docstring pyEscape.
  return `# Generated by splitc ${input.splitcVersion} from ${oneLine(input.modelName)}: the DPU partition (${layers.length} layers).
# Do not edit: regenerate with \`splitc compile\`. Runs on PyTorch 1.12 (Vitis AI 3.0).
"""The DPU partition of ${pyEscape(input.modelName)} as a plain PyTorch module for vai_q_pytorch.

load_model() returns the module in eval mode with its weights read from partition.onnx beside
this file. forward() takes the partition's inputs in order and returns its outputs in order.
"""
import os

import numpy as np
import torch
import torch.nn as nn

PARTITION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "partition.onnx")
INPUT_NAMES = ${pyList(input.inputs)}
INPUT_SHAPES = ${JSON.stringify(shapes)}
OUTPUT_NAMES = ${pyList(input.outputs)}
OUTPUT_SHAPES = ${JSON.stringify(outShapes)}
${ONNX_READER_PY}

class ${MODULE_CLASS}(nn.Module):
    def __init__(self):
        super().__init__()
${init.length > 0 ? init.join('\n') : '        pass'}

    def forward(self, ${args}):
${body.join('\n')}
        return ${outs.length === 1 ? outs[0] : `(${outs.join(', ')})`}


# (module attribute, ONNX initializer, how to map it)
WEIGHTS = [
${weights.map(([attr, init, how]) => `    (${pyString(attr)}, ${pyString(init)}, ${pyString(how)}),`).join('\n')}
]


def load_model(path=PARTITION):
    """The DPU partition in eval mode, weights loaded from the ONNX partition at path."""
    model = ${MODULE_CLASS}()
    arrays = read_initializers(path)
    state = dict(model.named_parameters())
    state.update(dict(model.named_buffers()))
    with torch.no_grad():
        for attr, name, how in WEIGHTS:
            value = arrays[name]
            if how == "transpose":
                value = value.T
            elif how == "flatten":
                value = value.reshape(-1)
            target = state[attr]
            if tuple(value.shape) != tuple(target.shape):
                raise ValueError("%s: %s has shape %s, the module expects %s" % (path, name, value.shape, tuple(target.shape)))
            target.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return model.eval()


if __name__ == "__main__":
    m = load_model()
    with torch.no_grad():
        out = m(*[torch.zeros(s) for s in INPUT_SHAPES])
    out = out if isinstance(out, tuple) else (out,)
    for name, t in zip(OUTPUT_NAMES, out):
        print(name, list(t.shape))
`;
}

/**
 * For each output of the partition, the model.py module attribute (`m<i>`) of the layer that
 * makes it, or null when that layer is a functional op (an add, a concat…) or has no translation.
 * vai_q_pytorch names xmodel tensors after these module paths (dpu/xmodel_map.py matches on them).
 */
export function outputModules(input: ModelPyInput): (string | null)[] {
  const producer = new Map<string, number>();
  input.layers.forEach((l, i) => { for (const o of l.outputs) producer.set(o, i); });
  return input.outputs.map((o) => {
    const i = producer.get(o);
    if (i === undefined) return null;
    try {
      return emitLayer(input.graph, input.layers[i]!, `m${i}`, () => 'x').init.length > 0 ? `m${i}` : null;
    } catch (e) {
      if (e instanceof SplitcError) return null;
      throw e;
    }
  });
}
