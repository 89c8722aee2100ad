// Encodes ONNX models with protobufjs's Writer. Tensors whose bytes already sit in a source buffer
// are written as one copy of their encoded message (`raw` spans), never re-encoded field by field.

import protobuf from 'protobufjs/minimal.js';
import type { OnnxAttribute, OnnxTensor, OperatorSetId, StringEntry } from './proto.js';

type Writer = protobuf.Writer;

/** A tensor to write: either fresh data, or an encoded TensorProto copied from a source buffer. */
export type TensorInput =
  | { readonly name: string; readonly dataType: number; readonly dims: readonly number[]; readonly data: Uint8Array; readonly docString?: string }
  | { readonly copyFrom: Uint8Array; readonly span: { readonly start: number; readonly end: number } }
  | { readonly name: string; readonly dataType: number; readonly dims: readonly number[]; readonly external: { readonly location: string; readonly offset: number; readonly length: number } };

export interface ValueInfoInput {
  readonly name: string;
  readonly elemType: number;
  readonly shape?: readonly (number | string)[];
}

export interface NodeInput {
  readonly name?: string;
  readonly opType: string;
  readonly domain?: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: readonly OnnxAttribute[];
  /** Copy the node's encoded message verbatim from a source buffer (attributes and all). */
  readonly copyFrom?: { readonly bytes: Uint8Array; readonly span: { readonly start: number; readonly end: number } };
}

export interface ModelInput {
  readonly irVersion: number;
  readonly opsetImport: readonly OperatorSetId[];
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly domain?: string;
  readonly modelVersion?: number;
  readonly docString?: string;
  readonly metadataProps?: readonly StringEntry[];
  readonly graph: {
    readonly name: string;
    readonly nodes: readonly NodeInput[];
    readonly initializers: readonly TensorInput[];
    readonly inputs: readonly ValueInfoInput[];
    readonly outputs: readonly ValueInfoInput[];
    readonly valueInfo?: readonly ValueInfoInput[];
  };
}

const LEN = 2;
const VARINT = 0;
const I32 = 5;
const tag = (field: number, wire: number): number => (field << 3) | wire;

function int64(w: Writer, v: number): Writer {
  return w.int64(v);
}

function sub(w: Writer, field: number, body: (w: Writer) => void): void {
  w.uint32(tag(field, LEN)).fork();
  body(w);
  w.ldelim();
}

function str(w: Writer, field: number, s: string | undefined): void {
  if (s !== undefined && s !== '') w.uint32(tag(field, LEN)).string(s);
}

/** Encode a model into one buffer. */
export function encodeModel(m: ModelInput): Uint8Array {
  return concat(encodeModelParts(m));
}

/**
 * Encode a model as a list of byte pieces whose concatenation is the ModelProto. Copied nodes and
 * initializers are views into their source buffer, so a writer can stream them to a file without
 * ever holding a second copy of the weights.
 */
export function encodeModelParts(m: ModelInput): Uint8Array[] {
  const head = protobuf.Writer.create();
  head.uint32(tag(1, VARINT)); int64(head, m.irVersion);
  str(head, 2, m.producerName);
  str(head, 3, m.producerVersion);
  str(head, 4, m.domain);
  if (m.modelVersion !== undefined && m.modelVersion !== 0) { head.uint32(tag(5, VARINT)); int64(head, m.modelVersion); }
  str(head, 6, m.docString);
  const graph = graphParts(m.graph);
  const graphLength = graph.reduce((n, p) => n + p.length, 0);
  const tail = protobuf.Writer.create();
  for (const o of m.opsetImport) sub(tail, 8, (x) => { str(x, 1, o.domain); x.uint32(tag(2, VARINT)); int64(x, o.version); });
  for (const e of m.metadataProps ?? []) sub(tail, 14, (x) => stringEntry(x, e));
  return [head.finish(), lengthPrefix(7, graphLength), ...graph, tail.finish()];
}

/** Total size of encoded parts. */
export function partsLength(parts: readonly Uint8Array[]): number {
  return parts.reduce((n, p) => n + p.length, 0);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(partsLength(parts));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function lengthPrefix(field: number, length: number): Uint8Array {
  return protobuf.Writer.create().uint32(tag(field, LEN)).uint32(length).finish();
}

function stringEntry(w: Writer, e: StringEntry): void {
  w.uint32(tag(1, LEN)).string(e.key);
  w.uint32(tag(2, LEN)).string(e.value);
}

function graphParts(g: ModelInput['graph']): Uint8Array[] {
  const parts: Uint8Array[] = [];
  const small = (body: (w: Writer) => void): void => { const w = protobuf.Writer.create(); body(w); parts.push(w.finish()); };
  for (const n of g.nodes) {
    if (n.copyFrom !== undefined) {
      parts.push(lengthPrefix(1, n.copyFrom.span.end - n.copyFrom.span.start), n.copyFrom.bytes.subarray(n.copyFrom.span.start, n.copyFrom.span.end));
    } else {
      small((w) => sub(w, 1, (x) => encodeNode(x, n)));
    }
  }
  small((w) => str(w, 2, g.name));
  for (const t of g.initializers) {
    if ('copyFrom' in t) {
      parts.push(lengthPrefix(5, t.span.end - t.span.start), t.copyFrom.subarray(t.span.start, t.span.end));
    } else if ('data' in t && t.data.length > 1024) {
      // Fresh tensor with a large payload: header encoded, payload passed through as a view.
      const header = protobuf.Writer.create();
      encodeTensorHeader(header, t);
      const headerBytes = header.finish();
      const rawField = protobuf.Writer.create().uint32(tag(9, LEN)).uint32(t.data.length).finish();
      parts.push(lengthPrefix(5, headerBytes.length + rawField.length + t.data.length), headerBytes, rawField, t.data);
    } else {
      small((w) => sub(w, 5, (x) => encodeTensor(x, t)));
    }
  }
  small((w) => {
    for (const v of g.inputs) sub(w, 11, (x) => encodeValueInfo(x, v));
    for (const v of g.outputs) sub(w, 12, (x) => encodeValueInfo(x, v));
    for (const v of g.valueInfo ?? []) sub(w, 13, (x) => encodeValueInfo(x, v));
  });
  return parts;
}

function encodeNode(w: Writer, n: NodeInput): void {
  for (const i of n.inputs) w.uint32(tag(1, LEN)).string(i);
  for (const o of n.outputs) w.uint32(tag(2, LEN)).string(o);
  str(w, 3, n.name);
  w.uint32(tag(4, LEN)).string(n.opType);
  for (const a of n.attributes ?? []) sub(w, 5, (x) => encodeAttribute(x, a));
  str(w, 7, n.domain);
}

const ATTR_CODES: Record<string, number> = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8, tensors: 9 };

function encodeAttribute(w: Writer, a: OnnxAttribute): void {
  w.uint32(tag(1, LEN)).string(a.name);
  if (a.f !== undefined) w.uint32(tag(2, I32)).float(a.f);
  if (a.i !== undefined) { w.uint32(tag(3, VARINT)); int64(w, a.i); }
  if (a.s !== undefined) w.uint32(tag(4, LEN)).bytes(a.s);
  if (a.t !== undefined) sub(w, 5, (x) => encodeTensor(x, a.t!));
  if (a.floats !== undefined && a.floats.length > 0) {
    w.uint32(tag(7, LEN)).fork();
    for (const f of a.floats) w.float(f);
    w.ldelim();
  }
  if (a.ints !== undefined && a.ints.length > 0) {
    w.uint32(tag(8, LEN)).fork();
    for (const i of a.ints) int64(w, i);
    w.ldelim();
  }
  for (const s of a.strings ?? []) w.uint32(tag(9, LEN)).bytes(s);
  const code = ATTR_CODES[a.type];
  if (code !== undefined) { w.uint32(tag(20, VARINT)); int64(w, code); }
}

type FreshTensor = Exclude<TensorInput, { copyFrom: Uint8Array }> | OnnxTensor;

/** dims, data_type, name and (for external tensors) the external_data entries. */
function encodeTensorHeader(w: Writer, t: FreshTensor): void {
  if (t.dims.length > 0) {
    w.uint32(tag(1, LEN)).fork();
    for (const d of t.dims) int64(w, d);
    w.ldelim();
  }
  w.uint32(tag(2, VARINT)); int64(w, t.dataType);
  str(w, 8, t.name);
  if ('external' in t && t.external !== undefined) {
    const e = t.external;
    sub(w, 13, (x) => stringEntry(x, { key: 'location', value: e.location }));
    sub(w, 13, (x) => stringEntry(x, { key: 'offset', value: String(e.offset) }));
    if (e.length !== undefined) sub(w, 13, (x) => stringEntry(x, { key: 'length', value: String(e.length) }));
    w.uint32(tag(14, VARINT)); int64(w, 1);
  }
}

function encodeTensor(w: Writer, t: FreshTensor): void {
  encodeTensorHeader(w, t);
  if (!('external' in t && t.external !== undefined) && 'data' in t) w.uint32(tag(9, LEN)).bytes(t.data);
}

function encodeValueInfo(w: Writer, v: ValueInfoInput): void {
  w.uint32(tag(1, LEN)).string(v.name);
  sub(w, 2, (tp) => sub(tp, 1, (tt) => {
    tt.uint32(tag(1, VARINT)); int64(tt, v.elemType);
    if (v.shape !== undefined) {
      sub(tt, 2, (sh) => {
        for (const d of v.shape!) {
          sub(sh, 1, (dim) => {
            if (typeof d === 'number') { dim.uint32(tag(1, VARINT)); int64(dim, d); } else dim.uint32(tag(2, LEN)).string(d);
          });
        }
      });
    }
  }));
}
