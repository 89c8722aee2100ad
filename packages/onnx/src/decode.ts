// Decodes an ONNX ModelProto from bytes. protobufjs supplies the wire-format reader; the field
// tables are ours so that every message keeps its byte span, bytes fields stay zero-copy views of
// the source buffer, and hostile input fails with a typed error instead of a crash.

import protobuf from 'protobufjs/minimal.js';
import { SplitcError } from '@splitc/diagnostics';
import type {
  AttributeType, ExternalDataRef, OnnxAttribute, OnnxGraph, OnnxModel, OnnxNode, OnnxTensor,
  OperatorSetId, Span, StringEntry, ValueInfo,
} from './proto.js';
import { DataType, dataTypeSize } from './proto.js';

type Reader = protobuf.Reader;

/** Protobuf's own limit for one message; larger models must use external data. */
export const MAX_MODEL_BYTES = 2 ** 31 - 1;
/** Nested subgraphs (If/Loop bodies) deeper than this are refused. */
const MAX_GRAPH_DEPTH = 32;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

class Malformed extends Error {}

// ignoreBOM: a name that starts with U+FEFF keeps it (TextDecoder would drop it; Python's decode does not).
const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Decode a ModelProto. Tensor `data` of raw tensors are views into `bytes`: keep `bytes` alive
 * and unmodified while the model is in use.
 */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  if (bytes.length === 0) throw new SplitcError('FileEmpty', 'file is empty');
  if (bytes.length > MAX_MODEL_BYTES) {
    throw new SplitcError('ModelTooLarge', `${bytes.length} bytes exceeds the 2 GiB protobuf limit; store weights as external data`);
  }
  const r = protobuf.Reader.create(bytes);
  return typedErrors(r, () => readModel(r));
}

/** Decode a serialized TensorProto (e.g. the .pb files of the ONNX backend test data). */
export function decodeTensor(bytes: Uint8Array): OnnxTensor {
  const r = protobuf.Reader.create(bytes);
  return typedErrors(r, () => readTensorBody(r, bytes.length));
}

/** Runs a decoder, turning wire-level failures into SplitcErrors that say where they happened. */
function typedErrors<T>(r: Reader, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof SplitcError) throw e;
    if (e instanceof Malformed) throw new SplitcError('NotAModel', e.message);
    const msg = e instanceof Error ? e.message : String(e);
    throw new SplitcError('ProtobufMalformed', `${msg} (at byte ${r.pos} of ${r.len})`);
  }
}

// --- wire helpers ----------------------------------------------------------------------------

/** A varint int64 as a JS number; refuses values that a double cannot hold exactly. */
function int64(r: Reader): number {
  const buf = r.buf;
  let lo = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (r.pos >= r.len) throw new RangeError('varint runs past the end of the buffer');
    const b = buf[r.pos++]!;
    lo |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) {
      const v = BigInt.asIntN(64, lo);
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new SplitcError('BadDims', `integer ${v} does not fit in 2^53`);
      }
      return Number(v);
    }
    shift += 7n;
  }
  throw new RangeError('invalid varint encoding');
}

/** Reads a message body of `length` bytes at the current position, calling `field` per field. */
function readFields(r: Reader, what: string, field: (num: number, wire: number, end: number) => boolean): Span {
  const length = r.size();
  const start = r.pos;
  const end = start + length;
  if (end > r.len) throw new RangeError(`${what} length ${length} runs past the end of the buffer`);
  readFieldsUntil(r, end, what, field);
  return { start, end };
}

function readFieldsUntil(r: Reader, end: number, what: string, field: (num: number, wire: number, end: number) => boolean): void {
  while (r.pos < end) {
    const tag = r.tag();
    const num = tag >>> 3;
    const wire = tag & 7;
    if (num === 0) throw new RangeError('illegal field number 0');
    if (!field(num, wire, end)) r.skipType(wire, 0, num);
    if (r.pos > end) throw new RangeError(`${what} field ${num} runs past the end of its message`);
  }
}

function expectWire(what: string, num: number, wire: number, expected: number): void {
  if (wire !== expected) {
    throw new Malformed(`${what} field ${num} has wire type ${wire}, expected ${expected}`);
  }
}

function str(r: Reader): string {
  return utf8.decode(r.bytes());
}

/** A repeated int64 field, packed or not. */
function readInt64s(r: Reader, wire: number, out: number[]): void {
  if (wire === WIRE_LEN) {
    const end = r.size() + r.pos;
    if (end > r.len) throw new RangeError('packed field runs past the end of the buffer');
    while (r.pos < end) out.push(int64(r));
    if (r.pos !== end) throw new RangeError('packed varints overrun their field');
  } else if (wire === WIRE_VARINT) {
    out.push(int64(r));
  } else {
    throw new Malformed(`repeated int64 field has wire type ${wire}`);
  }
}

/** A repeated 32-bit or 64-bit fixed-width field (float / double), packed or not. */
function readFixeds(r: Reader, wire: number, width: 4 | 8, out: number[]): void {
  const one = width === 4 ? () => r.float() : () => r.double();
  if (wire === WIRE_LEN) {
    const length = r.size();
    if (length % width !== 0) throw new RangeError(`packed fixed${width * 8} field of ${length} bytes`);
    const end = r.pos + length;
    if (end > r.len) throw new RangeError('packed field runs past the end of the buffer');
    while (r.pos < end) out.push(one());
  } else if (wire === (width === 4 ? WIRE_I32 : WIRE_I64)) {
    out.push(one());
  } else {
    throw new Malformed(`repeated fixed${width * 8} field has wire type ${wire}`);
  }
}

// --- messages --------------------------------------------------------------------------------

function readModel(r: Reader): OnnxModel {
  let irVersion = 0;
  const opsetImport: OperatorSetId[] = [];
  let producerName = '';
  let producerVersion = '';
  let domain = '';
  let modelVersion = 0;
  let docString = '';
  const metadataProps: StringEntry[] = [];
  let graph: OnnxGraph | undefined;
  let functionCount = 0;
  readFieldsUntil(r, r.len, 'ModelProto', (num, wire) => {
    switch (num) {
      case 1: expectWire('ModelProto.ir_version', num, wire, WIRE_VARINT); irVersion = int64(r); return true;
      case 2: expectWire('ModelProto.producer_name', num, wire, WIRE_LEN); producerName = str(r); return true;
      case 3: expectWire('ModelProto.producer_version', num, wire, WIRE_LEN); producerVersion = str(r); return true;
      case 4: expectWire('ModelProto.domain', num, wire, WIRE_LEN); domain = str(r); return true;
      case 5: expectWire('ModelProto.model_version', num, wire, WIRE_VARINT); modelVersion = int64(r); return true;
      case 6: expectWire('ModelProto.doc_string', num, wire, WIRE_LEN); docString = str(r); return true;
      case 7: expectWire('ModelProto.graph', num, wire, WIRE_LEN); graph = readGraph(r, 0); return true;
      case 8: expectWire('ModelProto.opset_import', num, wire, WIRE_LEN); opsetImport.push(readOpset(r)); return true;
      case 14: expectWire('ModelProto.metadata_props', num, wire, WIRE_LEN); metadataProps.push(readStringEntry(r)); return true;
      case 25: expectWire('ModelProto.functions', num, wire, WIRE_LEN); functionCount++; return false;
      default: return false;
    }
  });
  if (graph === undefined) throw new Malformed('no graph (ModelProto.graph is missing)');
  if (irVersion <= 0) throw new Malformed('ir_version is missing');
  if (opsetImport.length === 0) throw new Malformed('opset_import is missing');
  return { irVersion, opsetImport, producerName, producerVersion, domain, modelVersion, docString, metadataProps, graph, functionCount };
}

function readOpset(r: Reader): OperatorSetId {
  let domain = '';
  let version = 0;
  readFields(r, 'OperatorSetIdProto', (num, wire) => {
    if (num === 1) { expectWire('OperatorSetIdProto.domain', num, wire, WIRE_LEN); domain = str(r); return true; }
    if (num === 2) { expectWire('OperatorSetIdProto.version', num, wire, WIRE_VARINT); version = int64(r); return true; }
    return false;
  });
  return { domain, version };
}

function readStringEntry(r: Reader): StringEntry {
  let key = '';
  let value = '';
  readFields(r, 'StringStringEntryProto', (num, wire) => {
    if (num === 1) { expectWire('StringStringEntryProto.key', num, wire, WIRE_LEN); key = str(r); return true; }
    if (num === 2) { expectWire('StringStringEntryProto.value', num, wire, WIRE_LEN); value = str(r); return true; }
    return false;
  });
  return { key, value };
}

function readGraph(r: Reader, depth: number): OnnxGraph {
  if (depth > MAX_GRAPH_DEPTH) throw new Malformed(`subgraphs nested deeper than ${MAX_GRAPH_DEPTH}`);
  let name = '';
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  let sparseInitializerCount = 0;
  const inputs: ValueInfo[] = [];
  const outputs: ValueInfo[] = [];
  const valueInfo: ValueInfo[] = [];
  let docString = '';
  readFields(r, 'GraphProto', (num, wire) => {
    switch (num) {
      case 1: expectWire('GraphProto.node', num, wire, WIRE_LEN); nodes.push(readNode(r, depth)); return true;
      case 2: expectWire('GraphProto.name', num, wire, WIRE_LEN); name = str(r); return true;
      case 5: expectWire('GraphProto.initializer', num, wire, WIRE_LEN); initializers.push(readTensor(r)); return true;
      case 10: expectWire('GraphProto.doc_string', num, wire, WIRE_LEN); docString = str(r); return true;
      case 11: expectWire('GraphProto.input', num, wire, WIRE_LEN); inputs.push(readValueInfo(r)); return true;
      case 12: expectWire('GraphProto.output', num, wire, WIRE_LEN); outputs.push(readValueInfo(r)); return true;
      case 13: expectWire('GraphProto.value_info', num, wire, WIRE_LEN); valueInfo.push(readValueInfo(r)); return true;
      case 15: expectWire('GraphProto.sparse_initializer', num, wire, WIRE_LEN); sparseInitializerCount++; return false;
      default: return false;
    }
  });
  return { name, nodes, initializers, sparseInitializerCount, inputs, outputs, valueInfo, docString };
}

function readNode(r: Reader, depth: number): OnnxNode {
  const inputs: string[] = [];
  const outputs: string[] = [];
  let name = '';
  let opType = '';
  let domain = '';
  let docString = '';
  const attributes: OnnxAttribute[] = [];
  const span = readFields(r, 'NodeProto', (num, wire) => {
    switch (num) {
      case 1: expectWire('NodeProto.input', num, wire, WIRE_LEN); inputs.push(str(r)); return true;
      case 2: expectWire('NodeProto.output', num, wire, WIRE_LEN); outputs.push(str(r)); return true;
      case 3: expectWire('NodeProto.name', num, wire, WIRE_LEN); name = str(r); return true;
      case 4: expectWire('NodeProto.op_type', num, wire, WIRE_LEN); opType = str(r); return true;
      case 5: expectWire('NodeProto.attribute', num, wire, WIRE_LEN); attributes.push(readAttribute(r, depth)); return true;
      case 6: expectWire('NodeProto.doc_string', num, wire, WIRE_LEN); docString = str(r); return true;
      case 7: expectWire('NodeProto.domain', num, wire, WIRE_LEN); domain = str(r); return true;
      default: return false;
    }
  });
  return { name, opType, domain, inputs, outputs, attributes, docString, span };
}

const ATTRIBUTE_TYPES: Record<number, AttributeType> = {
  0: 'undefined', 1: 'float', 2: 'int', 3: 'string', 4: 'tensor', 5: 'graph', 6: 'floats', 7: 'ints',
  8: 'strings', 9: 'tensors', 10: 'graphs', 11: 'sparse_tensor', 12: 'sparse_tensors', 13: 'type_proto', 14: 'type_protos',
};

function readAttribute(r: Reader, depth: number): OnnxAttribute {
  let name = '';
  let type: AttributeType = 'undefined';
  let f: number | undefined;
  let i: number | undefined;
  let s: Uint8Array | undefined;
  let t: OnnxTensor | undefined;
  let g: OnnxGraph | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: Uint8Array[] = [];
  const tensors: OnnxTensor[] = [];
  const graphs: OnnxGraph[] = [];
  let refAttrName: string | undefined;
  readFields(r, 'AttributeProto', (num, wire) => {
    switch (num) {
      case 1: expectWire('AttributeProto.name', num, wire, WIRE_LEN); name = str(r); return true;
      case 2: expectWire('AttributeProto.f', num, wire, WIRE_I32); f = r.float(); return true;
      case 3: expectWire('AttributeProto.i', num, wire, WIRE_VARINT); i = int64(r); return true;
      case 4: expectWire('AttributeProto.s', num, wire, WIRE_LEN); s = r.bytes(); return true;
      case 5: expectWire('AttributeProto.t', num, wire, WIRE_LEN); t = readTensor(r); return true;
      case 6: expectWire('AttributeProto.g', num, wire, WIRE_LEN); g = readGraph(r, depth + 1); return true;
      case 7: readFixeds(r, wire, 4, floats); return true;
      case 8: readInt64s(r, wire, ints); return true;
      case 9: expectWire('AttributeProto.strings', num, wire, WIRE_LEN); strings.push(r.bytes()); return true;
      case 10: expectWire('AttributeProto.tensors', num, wire, WIRE_LEN); tensors.push(readTensor(r)); return true;
      case 11: expectWire('AttributeProto.graphs', num, wire, WIRE_LEN); graphs.push(readGraph(r, depth + 1)); return true;
      case 20: {
        expectWire('AttributeProto.type', num, wire, WIRE_VARINT);
        const code = int64(r);
        type = ATTRIBUTE_TYPES[code] ?? 'undefined';
        return true;
      }
      case 21: expectWire('AttributeProto.ref_attr_name', num, wire, WIRE_LEN); refAttrName = str(r); return true;
      default: return false;
    }
  });
  if (type === 'undefined') {
    // IR < 3 models may omit the type; infer it from the field that is set.
    if (f !== undefined) type = 'float';
    else if (i !== undefined) type = 'int';
    else if (s !== undefined) type = 'string';
    else if (t !== undefined) type = 'tensor';
    else if (g !== undefined) type = 'graph';
    else if (floats.length > 0) type = 'floats';
    else if (ints.length > 0) type = 'ints';
    else if (strings.length > 0) type = 'strings';
  }
  const a: { -readonly [K in keyof OnnxAttribute]: OnnxAttribute[K] } = { name, type };
  if (f !== undefined) a.f = f;
  if (i !== undefined) a.i = i;
  if (s !== undefined) a.s = s;
  if (t !== undefined) a.t = t;
  if (g !== undefined) a.g = g;
  if (floats.length > 0 || type === 'floats') a.floats = floats;
  if (ints.length > 0 || type === 'ints') a.ints = ints;
  if (strings.length > 0 || type === 'strings') a.strings = strings;
  if (tensors.length > 0) a.tensors = tensors;
  if (graphs.length > 0) a.graphs = graphs;
  if (refAttrName !== undefined) a.refAttrName = refAttrName;
  return a;
}

function readValueInfo(r: Reader): ValueInfo {
  let name = '';
  let elemType: number | undefined;
  let shape: (number | string | null)[] | undefined;
  let docString = '';
  readFields(r, 'ValueInfoProto', (num, wire) => {
    if (num === 1) { expectWire('ValueInfoProto.name', num, wire, WIRE_LEN); name = str(r); return true; }
    if (num === 3) { expectWire('ValueInfoProto.doc_string', num, wire, WIRE_LEN); docString = str(r); return true; }
    if (num !== 2) return false;
    expectWire('ValueInfoProto.type', num, wire, WIRE_LEN);
    readFields(r, 'TypeProto', (tnum, twire) => {
      if (tnum !== 1) return false; // only tensor types matter to splitc
      expectWire('TypeProto.tensor_type', tnum, twire, WIRE_LEN);
      readFields(r, 'TypeProto.Tensor', (xnum, xwire) => {
        if (xnum === 1) { expectWire('TypeProto.Tensor.elem_type', xnum, xwire, WIRE_VARINT); elemType = int64(r); return true; }
        if (xnum !== 2) return false;
        expectWire('TypeProto.Tensor.shape', xnum, xwire, WIRE_LEN);
        const dims: (number | string | null)[] = [];
        readFields(r, 'TensorShapeProto', (snum, swire) => {
          if (snum !== 1) return false;
          expectWire('TensorShapeProto.dim', snum, swire, WIRE_LEN);
          let dim: number | string | null = null;
          readFields(r, 'TensorShapeProto.Dimension', (dnum, dwire) => {
            if (dnum === 1) { expectWire('Dimension.dim_value', dnum, dwire, WIRE_VARINT); dim = int64(r); return true; }
            if (dnum === 2) { expectWire('Dimension.dim_param', dnum, dwire, WIRE_LEN); dim = str(r); return true; }
            return false;
          });
          dims.push(dim);
          return true;
        });
        shape = dims;
        return true;
      });
      return true;
    });
    return true;
  });
  return { name, elemType, shape, docString };
}

function readTensor(r: Reader): OnnxTensor {
  const length = r.size();
  const end = r.pos + length;
  if (end > r.len) throw new RangeError(`TensorProto length ${length} runs past the end of the buffer`);
  return readTensorBody(r, end);
}

/** A TensorProto body from the current position to `end`. */
function readTensorBody(r: Reader, end: number): OnnxTensor {
  const start = r.pos;
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let raw: Uint8Array | undefined;
  let docString = '';
  let dataLocation = 0;
  const externalEntries: StringEntry[] = [];
  const floatData: number[] = [];
  const doubleData: number[] = [];
  const int64Data: number[] = [];
  const int32Data: number[] = [];
  const uint64Data: number[] = [];
  let hasStrings = false;
  let hasSegment = false;
  readFieldsUntil(r, end, 'TensorProto', (num, wire) => {
    switch (num) {
      case 1: readInt64s(r, wire, dims); return true;
      case 2: expectWire('TensorProto.data_type', num, wire, WIRE_VARINT); dataType = int64(r); return true;
      case 3: hasSegment = true; return false;
      case 4: readFixeds(r, wire, 4, floatData); return true;
      case 5: readInt64s(r, wire, int32Data); return true;
      case 6: hasStrings = true; return false;
      case 7: readInt64s(r, wire, int64Data); return true;
      case 8: expectWire('TensorProto.name', num, wire, WIRE_LEN); name = str(r); return true;
      case 9: expectWire('TensorProto.raw_data', num, wire, WIRE_LEN); raw = r.bytes(); return true;
      case 10: readFixeds(r, wire, 8, doubleData); return true;
      case 11: readInt64s(r, wire, uint64Data); return true;
      case 12: expectWire('TensorProto.doc_string', num, wire, WIRE_LEN); docString = str(r); return true;
      case 13: expectWire('TensorProto.external_data', num, wire, WIRE_LEN); externalEntries.push(readStringEntry(r)); return true;
      case 14: expectWire('TensorProto.data_location', num, wire, WIRE_VARINT); dataLocation = int64(r); return true;
      default: return false;
    }
  });
  const span = { start, end };
  const where = { field: `tensor ${JSON.stringify(name)}` };
  if (hasSegment) throw new SplitcError('UnsupportedDType', 'segmented tensors are not supported', where);
  const count = checkedElementCount(dims, name);
  if (dataLocation === 1) {
    const external = parseExternal(externalEntries, name);
    return { name, dataType, dims, data: new Uint8Array(0), storage: 'external', external, docString, span };
  }
  if (dataType === DataType.STRING || hasStrings) {
    return { name, dataType, dims, data: new Uint8Array(0), storage: 'empty', docString, span };
  }
  const size = dataTypeSize(dataType);
  if (size === 0) throw new SplitcError('UnsupportedDType', `data_type ${dataType}`, where);
  if (raw !== undefined) {
    if (raw.length !== count * size) {
      throw new SplitcError('TensorDataShort', `raw_data has ${raw.length} bytes, shape [${dims.join(',')}] of ${size}-byte elements needs ${count * size}`, where);
    }
    return { name, dataType, dims, data: raw, storage: 'raw', docString, span };
  }
  const typed = typedToBytes(dataType, count, { floatData, doubleData, int64Data, int32Data, uint64Data }, name);
  return { name, dataType, dims, data: typed, storage: typed.length === 0 && count !== 0 ? 'empty' : 'typed', docString, span };
}

function checkedElementCount(dims: readonly number[], name: string): number {
  let count = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw new SplitcError('BadDims', `dimension ${d} in [${dims.join(',')}] is negative`, { field: `tensor ${JSON.stringify(name)}` });
    }
    count *= d;
    if (count > Number.MAX_SAFE_INTEGER) {
      throw new SplitcError('BadDims', `element count of [${dims.join(',')}] exceeds 2^53`, { field: `tensor ${JSON.stringify(name)}` });
    }
  }
  return count;
}

function parseExternal(entries: readonly StringEntry[], name: string): ExternalDataRef {
  let location: string | undefined;
  let offset = 0;
  let length: number | undefined;
  const where = { field: `tensor ${JSON.stringify(name)} external_data` };
  const seen = new Set<string>();
  for (const { key, value } of entries) {
    if (seen.has(key)) throw new SplitcError('ExternalDataPath', `key ${JSON.stringify(key)} given twice`, where);
    seen.add(key);
    if (key === 'location') location = value;
    else if (key === 'offset' || key === 'length') {
      if (!/^[0-9]{1,16}$/.test(value) || Number(value) > Number.MAX_SAFE_INTEGER) {
        throw new SplitcError('ExternalDataRange', `${key} ${JSON.stringify(value)} is not a non-negative integer`, where);
      }
      if (key === 'offset') offset = Number(value);
      else length = Number(value);
    } else if (key !== 'checksum' && key !== 'basepath') {
      throw new SplitcError('ExternalDataPath', `unknown key ${JSON.stringify(key)}`, where);
    }
  }
  if (location === undefined || location.length === 0) throw new SplitcError('ExternalDataPath', 'location is missing', where);
  return { location, offset, length };
}

interface TypedFields {
  floatData: number[]; doubleData: number[]; int64Data: number[]; int32Data: number[]; uint64Data: number[];
}

/** Encodes the typed repeated fields as little-endian bytes (copies: these fields are small in practice). */
function typedToBytes(dataType: number, count: number, f: TypedFields, name: string): Uint8Array {
  const size = dataTypeSize(dataType);
  let src: number[];
  switch (dataType) {
    case DataType.FLOAT: case DataType.COMPLEX64: src = f.floatData; break;
    case DataType.DOUBLE: case DataType.COMPLEX128: src = f.doubleData; break;
    case DataType.INT64: src = f.int64Data; break;
    case DataType.UINT32: case DataType.UINT64: src = f.uint64Data; break;
    default: src = f.int32Data;
  }
  const components = dataType === DataType.COMPLEX64 || dataType === DataType.COMPLEX128 ? 2 : 1;
  if (src.length === 0 && count !== 0) return new Uint8Array(0);
  if (src.length !== count * components) {
    throw new SplitcError('TensorDataShort', `${src.length} values for shape of ${count} elements`, { field: `tensor ${JSON.stringify(name)}` });
  }
  const out = new Uint8Array(count * size);
  const view = new DataView(out.buffer);
  for (let k = 0; k < src.length; k++) {
    const v = src[k]!;
    switch (dataType) {
      case DataType.FLOAT: case DataType.COMPLEX64: view.setFloat32(k * 4, v, true); break;
      case DataType.DOUBLE: case DataType.COMPLEX128: view.setFloat64(k * 8, v, true); break;
      case DataType.INT64: case DataType.UINT64: view.setBigInt64(k * 8, BigInt(v), true); break;
      case DataType.UINT32: view.setUint32(k * 4, v, true); break;
      case DataType.INT32: view.setInt32(k * 4, v, true); break;
      case DataType.INT16: view.setInt16(k * 2, v, true); break;
      case DataType.UINT16: case DataType.FLOAT16: case DataType.BFLOAT16: view.setUint16(k * 2, v, true); break;
      default: view.setUint8(k, v & 0xff); // INT8, UINT8, BOOL
    }
  }
  return out;
}
