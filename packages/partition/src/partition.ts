// Writes the two halves of a split as ONNX models. The DPU partition maps the model's inputs to
// the crossing tensors; the GPU partition maps the crossing tensors (same names) to the model's
// outputs. Nodes and initializers are copied as byte slices of the source model whenever they are
// unchanged; weights are never decoded or re-encoded element by element.

import { SplitcError, assert } from '@splitc/diagnostics';
import type { Graph, Layer, Tensor } from '@splitc/ir';
import { cutTensors, elementCount, resolveAlias, type CrossingFrom } from '@splitc/ir';
import {
  dataTypeName, encodeModelParts, encodeValues, partsLength, type NodeInput, type OnnxNode, type OnnxTensor, type TensorInput, type ValueInfoInput,
} from '@splitc/onnx';

export type Side = 'dpu' | 'gpu';

export interface TensorSignature {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
}

export interface Partition {
  readonly side: Side;
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  /** Names of the layers it holds, in order. */
  readonly layers: readonly string[];
  /**
   * The ModelProto as pieces (many are views into the source model's buffer). With late metadata
   * (`late` below), every piece but the last: the trailing one is made by `late.tail`.
   */
  readonly parts: readonly Uint8Array[];
  /**
   * Only when built with metadata values still unknown (PartitionOptions.metadata: null): the
   * keys, and the trailing piece of the model (opset imports and metadata, which follow the
   * graph) made with their values. `completePartition` gives the finished partition.
   */
  readonly late?: { readonly keys: readonly string[]; tail(values: Readonly<Record<string, string>>): Uint8Array };
  /** When weights are stored outside the model: the data file's name (beside the model) and pieces. */
  readonly externalData?: { readonly location: string; readonly parts: readonly Uint8Array[] };
  /** Bytes of `parts`. */
  readonly byteLength: number;
}

/** A tensor crossing the cut, as the seam record (@splitc/ir, seam.ts: crossingEntry) takes it. */
export interface CrossingSignature extends TensorSignature {
  /** dpu: an output of the DPU partition; input: a model input that the GPU side also reads. */
  readonly from: CrossingFrom;
}

export interface Partitioned {
  /** Null when no layer runs on the DPU (GPU-only). */
  readonly dpu: Partition | null;
  /** Null when no layer runs on the GPU (DPU-only). */
  readonly gpu: Partition | null;
  readonly crossing: readonly CrossingSignature[];
}

export interface PartitionOptions {
  /** Store weights of at least 1 KiB in `<name>.data` beside the model. Forced above 2 GiB. */
  readonly externalData?: boolean;
  /** The file name the partition will be written under (for the external data location). */
  readonly fileName?: string;
  /**
   * Extra metadata_props entries. A null value is not known yet (a digest still being computed):
   * the model's pieces but the last are made at once, and the last when the value is given
   * (Partition.late, completePartition). The bytes are those of a partition made with the value.
   */
  readonly metadata?: Readonly<Record<string, string | null>>;
  /**
   * Take views of the model's buffer without waiting for weights still being read in the
   * background (LoadedModel.pendingBytes): the caller must pass each piece through
   * `g.source.ensurePresent` before reading its bytes. Default: wait until the whole model is read.
   */
  readonly pendingBytes?: boolean;
}

/** Protobuf's 2 GiB message limit, less a margin for the graph structure. */
const EXTERNAL_THRESHOLD = 2 ** 31 - (64 << 20);
const EXTERNAL_MIN_BYTES = 1024;
const EXTERNAL_ALIGN = 64;

export function partitionGraph(g: Graph, onDpu: readonly boolean[], options: PartitionOptions = {}): Partitioned {
  assert(onDpu.length === g.layers.length, 'mask length differs from the layer count');
  const crossing: CrossingSignature[] = cutTensors(g, onDpu).map((c) => ({ ...signature(g.tensors.get(c.name)!), from: c.from }));
  const dpuLayers = g.layers.filter((l) => onDpu[l.index]);
  const gpuLayers = g.layers.filter((l) => !onDpu[l.index]);
  const dpu = dpuLayers.length === 0 ? null : buildPartition(g, 'dpu', dpuLayers, g.inputs.filter((i) => dpuLayers.some((l) => l.inputs.includes(i))), crossing.filter((c) => c.from === 'dpu').map((c) => c.name), options);
  const gpuOutputs = g.outputs.filter((o) => { const p = g.tensors.get(o)!.producer; return p !== undefined && !onDpu[p]; });
  const gpu = gpuLayers.length === 0 ? null : buildPartition(g, 'gpu', gpuLayers, crossing.filter((c) => (g.consumers.get(c.name) ?? []).some((i) => !onDpu[i])).map((c) => c.name), gpuOutputs, options);
  return { dpu, gpu, crossing };
}

function signature(t: Tensor): TensorSignature {
  return { name: t.name, shape: [...t.shape!], dtype: dataTypeName(t.dtype) };
}

function valueInfo(t: Tensor): ValueInfoInput {
  return { name: t.name, elemType: t.dtype, shape: t.shape! };
}

function buildPartition(g: Graph, side: Side, layers: readonly Layer[], inputNames: readonly string[], outputNames: readonly string[], options: PartitionOptions): Partition {
  const src = g.source;
  const srcBytes = options.pendingBytes === true ? src.pendingBytes : src.bytes;
  const fileName = options.fileName ?? 'partition.onnx';
  /** Each weight the side reads: its element bytes, and how it is encoded inline. */
  const weights: { name: string; dataType: number; dims: readonly number[]; data: Uint8Array; inline: TensorInput }[] = [];
  const seen = new Set<string>();

  const addParam = (t: Tensor): string => {
    const root = resolveAlias(g, t.name);
    if (seen.has(root.name)) return root.name;
    seen.add(root.name);
    const s = root.source;
    const where = { file: src.file, field: `tensor ${JSON.stringify(root.name)}` };
    if (s?.kind === 'initializer' && s.tensor.storage === 'raw') {
      // Unchanged: the encoded TensorProto is copied as a slice of the source file.
      weights.push({ name: root.name, dataType: s.tensor.dataType, dims: s.tensor.dims, data: s.tensor.data, inline: { copyFrom: srcBytes, span: s.tensor.span } });
    } else if (s?.kind === 'initializer' || s?.kind === 'attribute') {
      const ot: OnnxTensor = s.tensor;
      const data = src.tensorBytes(ot);
      if (data.length === 0 && elementCount(ot.dims) !== 0) throw new SplitcError('MissingWeights', `${root.name} has no data`, where);
      const fresh = { name: root.name, dataType: ot.dataType, dims: ot.dims, data };
      weights.push({ ...fresh, inline: fresh });
    } else if (s?.kind === 'computed') {
      // Made by a canonicalisation pass (an affine scale folded into a convolution).
      const fresh = { name: root.name, dataType: root.dtype, dims: root.shape!, data: s.data };
      weights.push({ ...fresh, inline: fresh });
    } else if (root.value !== undefined) {
      const fresh = { name: root.name, dataType: root.dtype, dims: root.shape!, data: encodeValues(root.value.data, root.dtype) };
      weights.push({ ...fresh, inline: fresh });
    } else {
      throw new SplitcError('MissingWeights', `${root.name} is ${s?.kind === 'graph-input' ? 'a graph input without an initializer' : 'computed from such inputs'} (a structure-only export?); export the model with its weights`, where);
    }
    return root.name;
  };

  const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  /** A node as the source wrote it (copied bytes) unless a pass changed its op, inputs or outputs. */
  const nodeFor = (node: OnnxNode, op: string, domain: string, ins: readonly string[], outs: readonly string[]): NodeInput => {
    let renamed = false;
    const inputs = ins.map((name) => {
      if (name === '') return name;
      const t = g.tensors.get(name);
      if (t !== undefined && (t.kind === 'param' || t.kind === 'constant')) {
        const root = addParam(t);
        if (root !== name) renamed = true;
        return root;
      }
      return name;
    });
    if (!renamed && op === node.opType && same(inputs, node.inputs) && same(outs, node.outputs)) {
      return { opType: op, inputs, outputs: outs, copyFrom: { bytes: srcBytes, span: node.span } };
    }
    return { name: node.name, opType: op, domain, inputs, outputs: outs, attributes: node.attributes };
  };
  // A recognised activation is written as the source nodes it stands for.
  const nodes: NodeInput[] = layers.flatMap((l) => (l.fusedNodes !== undefined
    ? l.fusedNodes.map((n) => nodeFor(n, n.opType, n.domain, n.inputs, n.outputs))
    : [nodeFor(l.node, l.op, l.domain, l.inputs, l.outputs)]));

  const model = src.model;
  const extra = Object.entries(options.metadata ?? {});
  const lateKeys = extra.filter(([, v]) => v === null).map(([k]) => k);
  const metadataWith = (late: Readonly<Record<string, string>>) => [
    ...model.metadataProps,
    ...extra.map(([key, value]) => ({ key, value: value ?? late[key] ?? '' })),
  ];
  const metadataProps = metadataWith({});
  const graphIo = {
    inputs: inputNames.map((n) => valueInfo(g.tensors.get(n)!)),
    outputs: outputNames.map((n) => valueInfo(g.tensors.get(n)!)),
  };
  const header = {
    irVersion: model.irVersion,
    opsetImport: model.opsetImport,
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    domain: model.domain,
    modelVersion: model.modelVersion,
    docString: `splitc ${side.toUpperCase()} partition of ${model.graph.name || 'the model'}`,
  };
  const build = (inits: readonly TensorInput[]) => encodeModelParts({
    ...header,
    metadataProps,
    graph: { name: `${model.graph.name || 'graph'}_${side}`, nodes, initializers: inits, ...graphIo },
  });
  // The fields after the graph (opset imports, metadata) are the encoder's last piece, which no
  // other piece depends on (ModelProto has no length prefix): made alone, with an empty graph.
  const tailWith = (late: Readonly<Record<string, string>>): Uint8Array =>
    encodeModelParts({ ...header, metadataProps: metadataWith(late), graph: { name: '', nodes: [], initializers: [], inputs: [], outputs: [] } }).at(-1)!;

  let parts = build(weights.map((w) => w.inline));
  let externalData: Partition['externalData'];
  if (options.externalData === true || partsLength(parts) > EXTERNAL_THRESHOLD) {
    const location = `${fileName}.data`;
    const dataParts: Uint8Array[] = [];
    let offset = 0;
    const inits = weights.map((w): TensorInput => {
      if (w.data.length < EXTERNAL_MIN_BYTES) return w.inline;
      const pad = (EXTERNAL_ALIGN - (offset % EXTERNAL_ALIGN)) % EXTERNAL_ALIGN;
      if (pad > 0) { dataParts.push(new Uint8Array(pad)); offset += pad; }
      const entry = { name: w.name, dataType: w.dataType, dims: w.dims, external: { location, offset, length: w.data.length } };
      dataParts.push(w.data);
      offset += w.data.length;
      return entry;
    });
    parts = build(inits);
    externalData = { location, parts: dataParts };
  }
  let late: Partition['late'];
  if (lateKeys.length > 0) {
    // The trailing piece as made alone must be the one the whole model ends with.
    assert(sameBytes(parts.at(-1)!, tailWith({})), 'the encoder no longer ends a model with its opset imports and metadata');
    parts = parts.slice(0, -1);
    late = {
      keys: lateKeys,
      tail: (values) => {
        for (const k of lateKeys) assert(typeof values[k] === 'string', `metadata ${JSON.stringify(k)} of the ${side} partition was never given`);
        return tailWith(values);
      },
    };
  }
  return {
    side,
    inputs: inputNames.map((n) => signature(g.tensors.get(n)!)),
    outputs: outputNames.map((n) => signature(g.tensors.get(n)!)),
    layers: layers.map((l) => l.name),
    parts,
    ...(externalData !== undefined ? { externalData } : {}),
    ...(late !== undefined ? { late } : {}),
    byteLength: partsLength(parts),
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The finished partition once the late metadata values are known (the same object when none were late). */
export function completePartition(p: Partition, values: Readonly<Record<string, string>>): Partition {
  if (p.late === undefined) return p;
  const { late, ...done } = p;
  const tail = late.tail(values);
  return { ...done, parts: [...p.parts, tail], byteLength: p.byteLength + tail.length };
}

/** The whole partition model as one buffer (for in-memory use; writers should stream `parts`). */
export function partitionBytes(p: Partition): Uint8Array {
  assert(p.late === undefined, 'a partition with late metadata must be completed first (completePartition)');
  const out = new Uint8Array(p.byteLength);
  let at = 0;
  for (const part of p.parts) { out.set(part, at); at += part.length; }
  return out;
}
