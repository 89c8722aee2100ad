// Reference executors on onnxruntime-node: the DPU half (its float partition with the DPU's int8
// input and output quantization simulated), the GPU half behind the seam (int8 NHWC → float NCHW,
// then its partition), and the full fp32 model the outputs are checked against. onnxruntime-node
// is loaded on first use, so the package works without it until a reference executor is needed.

import path from 'node:path';
import { elementCount, SplitcError } from '@splitc/diagnostics';
import type { Manifest } from '@splitc/compile/manifest';
import { batchedShape } from '@splitc/ir/seam';
import { ProtocolError, type WireData } from './codec.js';
import { chooseFixPoint, dequantizeFromNhwc, fakeQuantize, quantizeToNhwc } from './quantize.js';

/** The part of onnxruntime-node's API the runtime uses. */
interface OrtTensor { readonly data: unknown; readonly dims: readonly number[] }
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly { readonly name: string; readonly type?: string; readonly shape?: readonly (number | string)[] }[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(file: string, options: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}

let ortModule: Promise<Ort> | undefined;

/** onnxruntime-node, or a SplitcError saying how to get it. */
export function loadOrt(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node' as string).then(
    (m: { default?: Ort } & Ort) => (m.InferenceSession !== undefined ? m : m.default!),
    (e: unknown) => {
      ortModule = undefined;
      throw new SplitcError('RuntimeMissing', `onnxruntime-node could not be loaded (${(e as Error).message.split('\n')[0]}); the reference executors need it: npm install onnxruntime-node`);
    },
  );
  return ortModule;
}

async function session(ort: Ort, file: string, threads: number): Promise<OrtSession> {
  try {
    return await ort.InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new SplitcError('FileNotFound', (e as Error).message.split('\n')[0] ?? String(e), { file });
  }
}

const size = elementCount;

/** One frame: the model input's float values (NCHW, batch 1). */
export type Frame = Float32Array;

/** The seam facts the runtime needs, checked once from the manifest. */
export interface SeamPlan {
  readonly model: string;
  readonly batch: number;
  /** The DPU partition's (and model's) one input. */
  readonly input: { readonly name: string; readonly shape: readonly number[] };
  /** Crossing tensors in wire order: float NCHW shape of one frame, wire shape with the batch. */
  readonly crossings: readonly { readonly name: string; readonly shape: readonly number[]; readonly wireShape: readonly number[] }[];
  readonly outputs: readonly { readonly name: string; readonly shape: readonly number[] }[];
}

export function seamPlan(m: Manifest, file: string): SeamPlan {
  if (m.partitions.dpu === null || m.partitions.gpu === null) {
    throw new SplitcError('RuntimeUnsupported', `split ${m.split.index ?? 'min-cut'} puts every layer on ${m.partitions.dpu === null ? 'the GPU' : 'the DPU'}; there is no seam to run`, { file });
  }
  const fromInput = m.crossing.filter((c) => c.from === 'input' && m.partitions.gpu!.inputs.includes(c.name));
  if (fromInput.length > 0) throw new SplitcError('RuntimeUnsupported', `the GPU half reads the model input ${fromInput[0]!.name} directly; the reference pipeline carries only DPU outputs`, { file });
  if (m.partitions.dpu.inputs.length !== 1) throw new SplitcError('RuntimeUnsupported', `the DPU half has ${m.partitions.dpu.inputs.length} inputs; the reference pipeline feeds one`, { file });
  const crossings = m.seam.wire.inputs.map((w) => {
    const c = m.crossing.find((x) => x.name === w.name);
    if (c === undefined || c.shape[0] !== 1) throw new SplitcError('BadManifest', `seam tensor ${w.name} has no crossing entry with a leading batch dimension of 1`, { file, field: 'seam.wire.inputs' });
    return { name: w.name, shape: c.shape, wireShape: w.shape };
  });
  return {
    model: m.seam.wire.model,
    batch: m.seam.batch,
    input: { name: m.partitions.dpu.inputs[0]!, shape: [] },
    crossings,
    outputs: m.seam.wire.outputs.map((o) => ({ name: o.name, shape: batchedShape(o.shape, 1) })),
  };
}

/** The DPU half on the host: float partition between simulated int8 input and output quantization. */
export class ReferenceDpu {
  /** fix_point of the model input and of each crossing tensor (by name), set by `calibrate`. */
  inputFixPoint = 0;
  readonly fixPoints = new Map<string, number>();

  private constructor(private readonly ort: Ort, private readonly s: OrtSession, readonly seam: SeamPlan, readonly inputShape: readonly number[]) {}

  static async create(outDir: string, m: Manifest, seam: SeamPlan, threads = 1): Promise<ReferenceDpu> {
    const ort = await loadOrt();
    const s = await session(ort, path.join(outDir, m.partitions.dpu!.file), threads);
    const meta = s.inputMetadata.find((i) => i.name === seam.input.name);
    const shape = meta?.shape?.map((d) => (typeof d === 'number' ? d : -1)) ?? [];
    if (shape.length === 0 || shape[0] !== 1 || shape.some((d) => d < 1)) throw new SplitcError('RuntimeUnsupported', `input ${seam.input.name} has shape [${shape.join(',')}]; the reference pipeline needs a static shape with batch 1`, { file: path.join(outDir, m.partitions.dpu!.file) });
    return new ReferenceDpu(ort, s, seam, shape);
  }

  private async float(frame: Frame, quantizeInput: boolean): Promise<Record<string, OrtTensor>> {
    const x = quantizeInput ? fakeQuantize(frame, this.inputFixPoint) : frame;
    return this.s.run({ [this.seam.input.name]: new this.ort.Tensor('float32', x, this.inputShape) });
  }

  /**
   * Pick the input's and every crossing tensor's fix_point from calibration frames, as the
   * quantizer's calibration pass would (the crossing tensors are calibrated on the float model).
   */
  async calibrate(frames: readonly Frame[]): Promise<void> {
    this.inputFixPoint = chooseFixPoint(frames);
    const seen = new Map<string, Float32Array[]>(this.seam.crossings.map((c) => [c.name, []]));
    for (const f of frames) {
      const out = await this.float(f, false);
      for (const c of this.seam.crossings) seen.get(c.name)!.push(out[c.name]!.data as Float32Array);
    }
    for (const c of this.seam.crossings) this.fixPoints.set(c.name, chooseFixPoint(seen.get(c.name)!));
  }

  /** One DPU call: up to `batch` frames → each crossing tensor as int8 NHWC [n, ...]. */
  async runBatch(frames: readonly Frame[]): Promise<WireData[]> {
    const n = frames.length;
    const bufs = this.seam.crossings.map((c) => new Int8Array(n * size(c.shape)));
    for (let i = 0; i < n; i++) {
      const out = await this.float(frames[i]!, true);
      this.seam.crossings.forEach((c, k) => quantizeToNhwc(out[c.name]!.data as Float32Array, c.shape.slice(1), this.fixPoints.get(c.name)!, bufs[k]!, i * size(c.shape)));
    }
    return this.seam.crossings.map((c, k) => ({
      name: c.name, datatype: 'INT8' as const, shape: batchedShape(c.wireShape, n),
      data: new Uint8Array(bufs[k]!.buffer), parameters: { fix_point: this.fixPoints.get(c.name)! },
    }));
  }

  release(): Promise<void> {
    return this.s.release();
  }
}

/** The GPU half on the host: the seam conversion, then the float partition, frame by frame. */
export class ReferenceGpu {
  private constructor(private readonly ort: Ort, private readonly s: OrtSession, readonly seam: SeamPlan) {}

  static async create(outDir: string, m: Manifest, seam: SeamPlan, threads = 1): Promise<ReferenceGpu> {
    const ort = await loadOrt();
    return new ReferenceGpu(ort, await session(ort, path.join(outDir, m.partitions.gpu!.file), threads), seam);
  }

  /** Inputs in wire order, each int8 NHWC [n, ...] with its `fix_point` parameter → FP32 outputs [n, ...]. */
  async execute(inputs: readonly WireData[], n: number): Promise<WireData[]> {
    const fps = inputs.map((t) => t.parameters?.fix_point);
    fps.forEach((fp, i) => {
      if (typeof fp !== 'number' || !Number.isInteger(fp) || fp < -32 || fp > 32) throw new ProtocolError(400, `input ${JSON.stringify(inputs[i]!.name)} needs an integer parameter fix_point in [-32, 32] (the DPU output tensor's fix_point), got ${JSON.stringify(fp)}`);
    });
    const outs = this.seam.outputs.map((o) => new Float32Array(n * size(o.shape)));
    for (let f = 0; f < n; f++) {
      const feeds: Record<string, OrtTensor> = {};
      this.seam.crossings.forEach((c, k) => {
        const x = new Float32Array(size(c.shape));
        const src = inputs[k]!.data;
        dequantizeFromNhwc(new Int8Array(src.buffer, src.byteOffset, src.byteLength), f * x.length, c.shape.slice(1), fps[k] as number, x);
        feeds[c.name] = new this.ort.Tensor('float32', x, c.shape);
      });
      const r = await this.s.run(feeds);
      this.seam.outputs.forEach((o, k) => outs[k]!.set(r[o.name]!.data as Float32Array, f * size(o.shape)));
    }
    return this.seam.outputs.map((o, k) => ({ name: o.name, datatype: 'FP32' as const, shape: batchedShape(o.shape, n), data: new Uint8Array(outs[k]!.buffer) }));
  }

  release(): Promise<void> {
    return this.s.release();
  }
}

/** The full fp32 model, for the check. */
export class ReferenceModel {
  private constructor(private readonly ort: Ort, private readonly s: OrtSession, private readonly input: string, private readonly shape: readonly number[], readonly outputs: readonly string[]) {}

  static async create(file: string, input: string, shape: readonly number[], threads = 1): Promise<ReferenceModel> {
    const ort = await loadOrt();
    const s = await session(ort, file, threads);
    if (!s.inputNames.includes(input)) throw new SplitcError('RuntimeUnsupported', `the fp32 model has no input ${input}`, { file });
    return new ReferenceModel(ort, s, input, shape, s.outputNames);
  }

  async run(frame: Frame): Promise<Record<string, Float32Array>> {
    const r = await this.s.run({ [this.input]: new this.ort.Tensor('float32', frame, this.shape) });
    return Object.fromEntries(this.outputs.map((o) => [o, r[o]!.data as Float32Array]));
  }

  release(): Promise<void> {
    return this.s.release();
  }
}
