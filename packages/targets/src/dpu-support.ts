// Which layers the DPU can run, checked against the device's limits (UG1414 "Currently Supported
// Operators", DPUCVDX8G column; PG389 feature list). The DPU side of a split may hold only layers
// that pass; every other layer is reported with the rule it breaks.

import { windowGeometry, type Graph, type Layer } from '@splitc/ir';
import { convKind } from './op-class.js';
import type { DpuLimits } from './schema.js';

export type DpuSupport = { readonly ok: true } | { readonly ok: false; readonly rule: string };

const OK: DpuSupport = { ok: true };
const no = (rule: string): DpuSupport => ({ ok: false, rule });

/** Ops that only rearrange data and that the DPU compiler folds into neighbouring instructions. */
const VIEWS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout']);
/**
 * Activations fused into the preceding convolution or run by the DPU's misc engine (UG1414,
 * DPUCVDX8G: ReLU, LeakyReLU, ReLU6 = Clip(0, 6), Hard-Swish, Hard-Sigmoid; shared/reference/vitis-ai.md).
 * SiLU and GELU need sigmoid/erf, which the DPU does not compute: CPU_FUNCTIONS.
 */
const ACTIVATIONS = new Set(['Relu', 'HardSwish', 'HardSigmoid', 'PRelu']);
/**
 * The one LeakyReLU slope the DPU computes: vai_q_pytorch forces `negative_slope` to 0.1015625
 * = 26/256 ("DPU only supports this value", pytorch_nndct/nndct_shared/optimization/commander.py;
 * shared/reference/runtime.md). A LeakyRelu with another slope would silently compute a different
 * function there, so it stays off the DPU. Exact in float32, so the ONNX attribute compares exactly.
 */
export const DPU_LEAKY_RELU_ALPHA = 0.1015625;
/** Functions the DPU does not compute: Vitis AI runs them on the CPU. */
const CPU_FUNCTIONS = new Set(['Softmax', 'LogSoftmax', 'Sigmoid', 'Tanh', 'Exp', 'Log', 'Erf', 'Gelu', 'Sqrt', 'Pow', 'Div', 'Reciprocal', 'LayerNormalization', 'InstanceNormalization', 'LRN', 'ReduceMean', 'ReduceSum', 'ReduceMax', 'Softplus', 'Mish', 'Elu', 'Selu', 'Silu']);

export function dpuSupport(g: Graph, l: Layer, lim: DpuLimits): DpuSupport {
  const shape = (i: number) => g.tensors.get(l.inputs[i]!)?.shape;
  if (VIEWS.has(l.op) || ACTIVATIONS.has(l.op) || l.op === 'BatchNormalization') return OK;
  if (CPU_FUNCTIONS.has(l.op)) return no(`${l.op} is not a DPU operator (Vitis AI runs it on the CPU)`);
  switch (l.op) {
    case 'LeakyRelu': {
      const alpha = l.attrs.get('alpha')?.f ?? 0.01; // ONNX default; a float32 attribute, printed at float32 precision
      return alpha === DPU_LEAKY_RELU_ALPHA ? OK : no(`LeakyRelu alpha ${Number(alpha.toPrecision(7))} is not the DPU's slope ${DPU_LEAKY_RELU_ALPHA} (26/256, forced by vai_q_pytorch)`);
    }
    case 'Conv':
    case 'ConvTranspose': {
      const x = shape(0)!;
      const w = shape(1)!;
      if (x.length !== 4) return no(`${x.length - 2}-D convolution: the DPU runs 2-D convolutions only`);
      // Pads after auto_pad, strides, dilations, group: decoded once in the IR.
      const { kernel, strides, dilations: dil, pads, group, outputPadding } = windowGeometry(g, l);
      const ic = x[1]!;
      const oc = l.op === 'Conv' ? w[0]! : w[1]! * group;
      const kind = convKind(g, l);
      if (l.op === 'ConvTranspose' && outputPadding.some((p) => p !== 0)) return no('ConvTranspose with output_padding ≠ 0');
      if (kind === 'grouped' && !lim.groupedConv) return no(`grouped convolution (group ${group} of ${ic} channels) runs on the CPU`);
      const kMax = kind === 'depthwise' ? lim.depthwiseKernelMax : lim.kernelMax;
      const sMax = kind === 'depthwise' ? lim.depthwiseStrideMax : lim.strideMax;
      if (kernel.some((k) => k < lim.kernelMin || k > kMax)) return no(`kernel ${kernel.join('x')} outside [${lim.kernelMin}, ${kMax}]`);
      if (strides.some((s) => s > sMax)) return no(`stride ${strides.join('x')} above ${sMax}`);
      for (let i = 0; i < 2; i++) {
        const maxPad = (kernel[i]! - 1) * dil[i]!;
        if (pads[i]! > maxPad || pads[i + 2]! > maxPad) return no(`padding [${pads.join(',')}] above (kernel−1)·dilation = ${maxPad}`);
      }
      const chanMax = lim.outputChannelFactor * lim.channelParallel;
      if (kind !== 'depthwise') {
        if (oc > chanMax) return no(`${oc} output channels above ${chanMax}`);
        if (Math.max(...dil) * ic > chanMax) return no(`dilation × input channels = ${Math.max(...dil) * ic} above ${chanMax}`);
        const bank = kernel[0]! * kernel[1]! * Math.ceil(ic / lim.channelParallel);
        if (bank > lim.bankDepth) return no(`kernel_w·kernel_h·ceil(ic/${lim.channelParallel}) = ${bank} above bank depth ${lim.bankDepth}`);
      }
      return OK;
    }
    case 'MaxPool':
    case 'AveragePool': {
      const x = shape(0)!;
      if (x.length !== 4) return no(`${x.length - 2}-D pooling: the DPU pools in 2-D only`);
      const { kernel, strides, dilations } = windowGeometry(g, l);
      if (kernel.some((k) => k > lim.poolKernelMax)) return no(`pool kernel ${kernel.join('x')} above ${lim.poolKernelMax}`);
      if (strides.some((s) => s > lim.poolStrideMax)) return no(`pool stride above ${lim.poolStrideMax}`);
      if (dilations.some((d) => d !== 1)) return no('dilated pooling');
      return OK;
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool': {
      const x = shape(0)!;
      if (x.length !== 4) return no('global pooling of a non-4-D tensor');
      if (x[2]! > lim.poolKernelMax || x[3]! > lim.poolKernelMax) return no(`global pool over ${x[2]}x${x[3]} above kernel ${lim.poolKernelMax}`);
      return OK;
    }
    case 'Pad': {
      // A zero constant pad in front of a convolution or pooling window becomes that window's
      // padding in the DPU compiler; any other pad is not a DPU operator.
      const mode = new TextDecoder().decode(l.attrs.get('mode')?.s ?? new Uint8Array());
      const pads = g.tensors.get(l.inputs[1] ?? '')?.value?.data ?? l.attrs.get('pads')?.ints;
      const value = g.tensors.get(l.inputs[2] ?? '')?.value?.data[0] ?? l.attrs.get('value')?.f ?? 0;
      const readers = g.consumers.get(l.outputs[0]!) ?? [];
      const intoWindow = readers.length > 0 && readers.every((c) => ['Conv', 'MaxPool', 'AveragePool'].includes(g.layers[c]!.op));
      const spatialOnly = pads !== undefined && pads.length === 8 && [0, 1, 4, 5].every((i) => pads[i] === 0);
      if ((mode === '' || mode === 'constant') && value === 0 && spatialOnly && intoWindow) return OK;
      return no(`Pad (mode ${mode || 'constant'}, value ${value}) that is not a zero spatial pad in front of a convolution or pooling window`);
    }
    case 'Clip': {
      // PyTorch exports ReLU6 as Clip(0, 6); other clips are not DPU activations.
      const lo = g.tensors.get(l.inputs[1] ?? '')?.value?.data[0] ?? l.attrs.get('min')?.f;
      const hi = g.tensors.get(l.inputs[2] ?? '')?.value?.data[0] ?? l.attrs.get('max')?.f;
      return lo === 0 && hi === 6 ? OK : no(`Clip(${lo ?? '-inf'}, ${hi ?? 'inf'}) is not ReLU6`);
    }
    case 'Add':
    case 'Mul': {
      const a = shape(0)!;
      const b = shape(1)!;
      const isActivation = (i: number) => { const k = g.tensors.get(l.inputs[i]!)!.kind; return k === 'activation' || k === 'input'; };
      if (!isActivation(0) || !isActivation(1)) return l.op === 'Add' ? no('Add of a constant (a bias outside a convolution)') : no('Mul by a constant (a scale outside a convolution)');
      const same = a.length === b.length && a.every((d, i) => d === b[i]);
      // Element-wise multiply also takes a per-channel [N,C,1,1] operand (squeeze-excitation).
      const channelwise = l.op === 'Mul' && a.length === 4 && b.length === 4 && (b[2] === 1 && b[3] === 1 || a[2] === 1 && a[3] === 1);
      return same || channelwise ? OK : no(`element-wise ${l.op} of [${a.join(',')}] and [${b.join(',')}]`);
    }
    case 'Concat': {
      const rank = shape(0)!.length;
      const axis = l.attrs.get('axis')?.i ?? 1;
      return rank === 4 && (axis === 1 || axis === -3) ? OK : no(`Concat on axis ${axis} of a rank-${rank} tensor (the DPU concatenates channels)`);
    }
    case 'Gemm':
    case 'MatMul': {
      const bKind = g.tensors.get(l.inputs[1]!)!.kind;
      if (bKind !== 'param' && bKind !== 'constant') return no('matrix product of two activations');
      if (l.op === 'Gemm' && (l.attrs.get('transA')?.i ?? 0) !== 0) return no('Gemm with transA');
      return OK;
    }
    case 'Transpose': {
      // tf2onnx's NHWC models keep one Transpose at each end once cancel-transposes has removed
      // the pairs around every convolution: NHWC→NCHW on a model input and NCHW→NHWC on a model
      // output. DPU tensors are NHWC (shared/reference/vitis-ai.md), so these are the layout the
      // DPU holds anyway; any other transpose is not a DPU operator. (Not yet checked on a board.)
      const perm = l.attrs.get('perm')?.ints ?? [];
      const atInput = g.inputs.includes(l.inputs[0] ?? '') && perm.join() === '0,3,1,2';
      const atOutput = g.outputs.includes(l.outputs[0] ?? '') && (g.consumers.get(l.outputs[0]!) ?? []).length === 0 && perm.join() === '0,2,3,1';
      return atInput || atOutput ? OK : no(`Transpose [${perm.join(',')}] inside the model (the DPU keeps NHWC only at a model input or output)`);
    }
    case 'Resize':
    case 'Upsample': {
      const mode = new TextDecoder().decode(l.attrs.get('mode')?.s ?? new Uint8Array());
      return mode === '' || mode === 'nearest' ? OK : no(`${l.op} mode ${mode} (the DPU upsamples nearest-neighbour)`);
    }
    default:
      return no(`${l.op} is not a DPU operator`);
  }
}
