// A small builder of CNN graphs that tracks shapes and writes real ONNX through @splitc/onnx's
// encoder. Weights are either graph inputs without initializers (structure-only, as PyTorch's
// `export_params=False` writes them: small files) or seeded float initializers.

import { DataType, elementCount, encodeModel, type NodeInput, type OnnxAttribute, type TensorInput, type ValueInfoInput } from '@splitc/onnx';
import type { Rng } from './rng.js';

export type Shape = readonly number[];

const ints = (name: string, v: readonly number[]): OnnxAttribute => ({ name, type: 'ints', ints: v });
const int = (name: string, v: number): OnnxAttribute => ({ name, type: 'int', i: v });
const float = (name: string, v: number): OnnxAttribute => ({ name, type: 'float', f: v });

export interface BuilderOptions {
  /** Seeded float initializers instead of structure-only weight inputs. */
  readonly weights: boolean;
  /** Fold BatchNorm into the convolution (a bias), as PyTorch's eval-mode export does. */
  readonly foldBatchNorm: boolean;
}

export class NetBuilder {
  private readonly nodes: NodeInput[] = [];
  private readonly initializers: TensorInput[] = [];
  private readonly weightInputs: ValueInfoInput[] = [];
  private readonly shapes = new Map<string, Shape>();
  private counter = 0;

  constructor(
    private readonly rng: Rng,
    private readonly options: BuilderOptions,
    readonly input: string,
    inputShape: Shape,
  ) {
    this.shapes.set(input, inputShape);
  }

  shape(x: string): Shape {
    const s = this.shapes.get(x);
    if (s === undefined) throw new Error(`zoo: unknown tensor ${x}`);
    return s;
  }

  channels(x: string): number {
    return this.shape(x)[1]!;
  }

  spatial(x: string): number {
    return Math.min(this.shape(x)[2]!, this.shape(x)[3]!);
  }

  private fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  private node(op: string, inputs: string[], shape: Shape, attributes: OnnxAttribute[] = []): string {
    const name = this.fresh(op.toLowerCase());
    const out = `${name}_out`;
    this.nodes.push({ name, opType: op, inputs, outputs: [out], attributes });
    this.shapes.set(out, shape);
    return out;
  }

  /** A learned weight: an initializer of seeded values, or a graph input (structure-only). */
  private weight(dims: readonly number[], fanIn: number, fill?: number): string {
    const name = this.fresh('w');
    if (this.options.weights) {
      const n = elementCount(dims);
      // Uniform with the variance of He initialisation (keeps deep ReLU stacks finite), or a constant.
      const scale = Math.sqrt(6 / Math.max(fanIn, 1));
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = fill ?? (this.rng.next() * 2 - 1) * scale;
      this.initializers.push({ name, dataType: DataType.FLOAT, dims, data: new Uint8Array(data.buffer) });
    } else {
      this.weightInputs.push({ name, elemType: DataType.FLOAT, shape: dims });
    }
    return name;
  }

  private constant(values: readonly number[], dataType: number): string {
    const name = this.fresh('c');
    const data = dataType === DataType.INT64
      ? new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer)
      : new Uint8Array(new Float32Array(values).buffer);
    this.initializers.push({ name, dataType, dims: values.length === 1 && dataType !== DataType.INT64 ? [] : [values.length], data });
    return name;
  }

  /**
   * Convolution with "same" padding k//2 on each axis (PyTorch's usual), optional BatchNorm. `k` is
   * a square kernel's size or [height, width] (Inception-v3's factorised 1×n and n×1).
   */
  conv(x: string, cout: number, k: number | readonly [number, number], stride = 1, group = 1, bn = true): string {
    const [n, cin, h, w] = this.shape(x) as [number, number, number, number];
    if (cin % group !== 0 || cout % group !== 0) throw new Error(`zoo: group ${group} does not divide ${cin}→${cout}`);
    const [kh, kw] = typeof k === 'number' ? [k, k] : k;
    const [ph, pw] = [Math.floor(kh / 2), Math.floor(kw / 2)];
    const oh = Math.floor((h + 2 * ph - kh) / stride) + 1;
    const ow = Math.floor((w + 2 * pw - kw) / stride) + 1;
    const wt = this.weight([cout, cin / group, kh, kw], (cin / group) * kh * kw);
    const fold = !bn || this.options.foldBatchNorm;
    const inputs = fold ? [x, wt, this.weight([cout], 1, 0)] : [x, wt];
    const attrs = [ints('kernel_shape', [kh, kw]), ints('strides', [stride, stride]), ints('pads', [ph, pw, ph, pw]), ints('dilations', [1, 1])];
    if (group !== 1) attrs.push(int('group', group));
    const y = this.node('Conv', inputs, [n, cout, oh, ow], attrs);
    return fold ? y : this.batchNorm(y);
  }

  batchNorm(x: string): string {
    const c = this.channels(x);
    // scale 1, bias 0, mean 0, variance 1 (a variance must be positive).
    const params = [1, 0, 0, 1].map((v) => this.weight([c], 1, v));
    return this.node('BatchNormalization', [x, ...params], this.shape(x), [float('epsilon', 1e-5)]);
  }

  relu(x: string): string { return this.node('Relu', [x], this.shape(x)); }
  /** ReLU6 as PyTorch exports it: Clip with min/max from Constant nodes. */
  relu6(x: string): string {
    return this.node('Clip', [x, this.scalarConstantNode(0), this.scalarConstantNode(6)], this.shape(x));
  }

  private scalarConstantNode(v: number): string {
    const name = this.fresh('constant');
    const out = `${name}_out`;
    const t = { name: out, dataType: DataType.FLOAT, dims: [], data: new Uint8Array(new Float32Array([v]).buffer) };
    this.nodes.push({ name, opType: 'Constant', inputs: [], outputs: [out], attributes: [{ name: 'value', type: 'tensor', t: { ...t, storage: 'raw', docString: '', span: { start: 0, end: 0 } } }] });
    this.shapes.set(out, []);
    return out;
  }
  sigmoid(x: string): string { return this.node('Sigmoid', [x], this.shape(x)); }
  hardSigmoid(x: string): string { return this.node('HardSigmoid', [x], this.shape(x), [float('alpha', 1 / 6), float('beta', 0.5)]); }
  /** x · hardsigmoid(x), as torchvision's exporter writes Hardswish at opset 13. */
  hardSwish(x: string): string { return this.mul(x, this.hardSigmoid(x)); }
  /** x · sigmoid(x). */
  silu(x: string): string { return this.mul(x, this.sigmoid(x)); }
  leakyRelu(x: string): string { return this.node('LeakyRelu', [x], this.shape(x), [float('alpha', 0.1)]); }

  activation(x: string, kind: Activation): string {
    switch (kind) {
      case 'relu': return this.relu(x);
      case 'relu6': return this.relu6(x);
      case 'hardswish': return this.hardSwish(x);
      case 'silu': return this.silu(x);
      case 'leaky': return this.leakyRelu(x);
    }
  }

  add(a: string, b: string): string { return this.node('Add', [a, b], this.shape(a)); }
  mul(a: string, b: string): string { return this.node('Mul', [a, b], this.shape(a)); }

  concat(xs: readonly string[]): string {
    const s = this.shape(xs[0]!);
    const c = xs.reduce((sum, x) => sum + this.channels(x), 0);
    return this.node('Concat', [...xs], [s[0]!, c, s[2]!, s[3]!], [int('axis', 1)]);
  }

  private pool(op: 'MaxPool' | 'AveragePool', x: string, k: number, stride: number, pad: number): string {
    const [n, c, h, w] = this.shape(x) as [number, number, number, number];
    const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
    const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
    return this.node(op, [x], [n, c, oh, ow], [ints('kernel_shape', [k, k]), ints('strides', [stride, stride]), ints('pads', [pad, pad, pad, pad])]);
  }

  maxPool(x: string, k: number, stride: number, pad = 0): string { return this.pool('MaxPool', x, k, stride, pad); }
  avgPool(x: string, k: number, stride: number, pad = 0): string { return this.pool('AveragePool', x, k, stride, pad); }

  globalAvgPool(x: string): string {
    const [n, c] = this.shape(x) as [number, number];
    return this.node('GlobalAveragePool', [x], [n, c, 1, 1]);
  }

  flatten(x: string): string {
    const s = this.shape(x);
    return this.node('Flatten', [x], [s[0]!, elementCount(s.slice(1))], [int('axis', 1)]);
  }

  gemm(x: string, out: number): string {
    const [n, k] = this.shape(x) as [number, number];
    const w = this.weight([out, k], k);
    const b = this.weight([out], 1, 0);
    return this.node('Gemm', [x, w, b], [n, out], [int('transB', 1)]);
  }

  /** Channels [start, end) of x: a Slice on axis 1, as PyTorch exports `chunk`/`split` at opset 13. */
  sliceChannels(x: string, start: number, end: number): string {
    const [n, c, h, w] = this.shape(x) as [number, number, number, number];
    if (!(start >= 0 && start < end && end <= c)) throw new Error(`zoo: channels [${start}, ${end}) of ${c}`);
    const inputs = [x, this.constant([start], DataType.INT64), this.constant([end], DataType.INT64), this.constant([1], DataType.INT64)];
    return this.node('Slice', inputs, [n, end - start, h, w]);
  }

  /** ShuffleNet's channel shuffle: Reshape → Transpose → Reshape. */
  channelShuffle(x: string, groups: number): string {
    const [n, c, h, w] = this.shape(x) as [number, number, number, number];
    const r1 = this.node('Reshape', [x, this.constant([n, groups, c / groups, h, w], DataType.INT64)], [n, groups, c / groups, h, w]);
    const t = this.node('Transpose', [r1], [n, c / groups, groups, h, w], [ints('perm', [0, 2, 1, 3, 4])]);
    return this.node('Reshape', [t, this.constant([n, c, h, w], DataType.INT64)], [n, c, h, w]);
  }

  softmax(x: string): string { return this.node('Softmax', [x], this.shape(x), [int('axis', 1)]); }

  /** The ONNX model (opset 13, IR 8), with `output` as its one output. */
  encode(name: string, output: string): Uint8Array {
    return encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      producerName: 'splitc-zoo',
      graph: {
        name,
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: [{ name: this.input, elemType: DataType.FLOAT, shape: this.shape(this.input) }, ...this.weightInputs],
        outputs: [{ name: output, elemType: DataType.FLOAT, shape: this.shape(output) }],
      },
    });
  }

  get layerCount(): number {
    return this.nodes.length;
  }
}

export type Activation = 'relu' | 'relu6' | 'hardswish' | 'silu' | 'leaky';
