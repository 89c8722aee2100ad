// The KServe v2 / Open Inference Protocol body codec, with the binary tensor data extension: a
// JSON header followed by raw little-endian tensor bytes, the header's length in the
// `Inference-Header-Content-Length` HTTP header. Tensor bytes are never copied when decoding:
// each tensor's data is a view into the received body.

import { elementCount } from '@splitc/diagnostics';
/** Datatypes the runtime moves (the protocol has more; others are refused with a 400). */
export const DATATYPE_BYTES = { INT8: 1, UINT8: 1, FP32: 4 } as const;
export type Datatype = keyof typeof DATATYPE_BYTES;

export const HEADER_LENGTH = 'inference-header-content-length';

/** A tensor on the wire: raw row-major, little-endian bytes. */
export interface WireData {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
  readonly parameters?: Readonly<Record<string, string | number | boolean>>;
}

export interface InferRequest {
  readonly id?: string;
  readonly inputs: readonly WireData[];
  /** Requested outputs; absent means all, as binary. */
  readonly outputs?: readonly { readonly name: string; readonly binary: boolean }[];
}

export interface InferResponse {
  readonly modelName: string;
  readonly id?: string;
  readonly outputs: readonly WireData[];
  readonly parameters?: Readonly<Record<string, string | number | boolean>>;
}

/** A protocol violation: the HTTP status to answer with and a KServe error message. */
export class ProtocolError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** An encoded body: pieces to write in order (tensor bytes are the caller's buffers), and headers. */
export interface EncodedBody {
  readonly pieces: readonly Uint8Array[];
  readonly length: number;
  readonly headers: Readonly<Record<string, string>>;
}

const elements = elementCount;

function encodeWithBinary(json: Record<string, unknown>, tensors: readonly Uint8Array[]): EncodedBody {
  const header = Buffer.from(JSON.stringify(json), 'utf8');
  const length = tensors.reduce((n, t) => n + t.byteLength, header.length);
  return {
    pieces: [header, ...tensors],
    length,
    headers: {
      'content-type': tensors.length > 0 ? 'application/octet-stream' : 'application/json',
      'content-length': String(length),
      ...(tensors.length > 0 ? { [HEADER_LENGTH]: String(header.length) } : {}),
    },
  };
}

export function encodeRequest(req: InferRequest): EncodedBody {
  const json: Record<string, unknown> = {
    ...(req.id !== undefined ? { id: req.id } : {}),
    inputs: req.inputs.map((t) => ({
      name: t.name,
      datatype: t.datatype,
      shape: t.shape,
      parameters: { ...(t.parameters ?? {}), binary_data_size: t.data.byteLength },
    })),
    ...(req.outputs !== undefined ? { outputs: req.outputs.map((o) => ({ name: o.name, parameters: { binary_data: o.binary } })) } : {}),
  };
  return encodeWithBinary(json, req.inputs.map((t) => t.data));
}

/** Encode a response; outputs not named in `binary` (all when undefined) go as JSON `data`. */
export function encodeResponse(res: InferResponse, binary: ReadonlySet<string> | 'all'): EncodedBody {
  const bin: Uint8Array[] = [];
  const outputs = res.outputs.map((t) => {
    const base = { name: t.name, datatype: t.datatype, shape: t.shape };
    if (binary === 'all' || binary.has(t.name)) {
      bin.push(t.data);
      return { ...base, parameters: { ...(t.parameters ?? {}), binary_data_size: t.data.byteLength } };
    }
    return { ...base, ...(t.parameters !== undefined ? { parameters: t.parameters } : {}), data: Array.from(typedView(t)) };
  });
  return encodeWithBinary({ model_name: res.modelName, ...(res.id !== undefined ? { id: res.id } : {}), ...(res.parameters !== undefined ? { parameters: res.parameters } : {}), outputs }, bin);
}

/** A typed view of a tensor's bytes (copied only when the bytes are not aligned for the type). */
export function typedView(t: { readonly datatype: Datatype; readonly data: Uint8Array }): Int8Array | Uint8Array | Float32Array {
  const d = t.data;
  switch (t.datatype) {
    case 'INT8': return new Int8Array(d.buffer, d.byteOffset, d.byteLength);
    case 'UINT8': return d;
    case 'FP32': {
      if (d.byteOffset % 4 === 0) return new Float32Array(d.buffer, d.byteOffset, d.byteLength / 4);
      // An unaligned view (the header length is arbitrary): copy (Buffer#slice would be a view).
      return new Float32Array(Uint8Array.prototype.slice.call(d).buffer);
    }
  }
}

interface JsonTensor {
  name: unknown;
  datatype: unknown;
  shape: unknown;
  parameters?: unknown;
  data?: unknown;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Split a body into its JSON header and binary part, checking the header length. */
function splitBody(body: Uint8Array, headerLength: string | undefined, maxHeaderBytes: number): { json: Record<string, unknown>; binary: Uint8Array } {
  let n = body.byteLength;
  if (headerLength !== undefined) {
    if (!/^[0-9]{1,12}$/.test(headerLength)) throw new ProtocolError(400, `${HEADER_LENGTH} is not a byte count: ${JSON.stringify(headerLength.slice(0, 40))}`);
    n = Number(headerLength);
    if (n > body.byteLength) throw new ProtocolError(400, `${HEADER_LENGTH} ${n} is past the end of the ${body.byteLength}-byte body (truncated request?)`);
  }
  if (n > maxHeaderBytes) throw new ProtocolError(413, `the JSON header is ${n} bytes, more than the ${maxHeaderBytes} allowed`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body.buffer, body.byteOffset, n).toString('utf8'));
  } catch (e) {
    throw new ProtocolError(400, `the JSON header does not parse: ${(e as Error).message}`);
  }
  if (!isObject(json)) throw new ProtocolError(400, 'the JSON header is not an object');
  return { json, binary: body.subarray(n) };
}

function parseTensor(raw: unknown, where: string, binary: Uint8Array, offset: { at: number }): WireData {
  if (!isObject(raw)) throw new ProtocolError(400, `${where} is not an object`);
  const t = raw as unknown as JsonTensor;
  if (typeof t.name !== 'string' || t.name === '') throw new ProtocolError(400, `${where}.name is missing`);
  if (typeof t.datatype !== 'string' || !(t.datatype in DATATYPE_BYTES)) throw new ProtocolError(400, `${where} (${t.name}): datatype ${JSON.stringify(t.datatype)} is not one of ${Object.keys(DATATYPE_BYTES).join(', ')}`);
  const datatype = t.datatype as Datatype;
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0) || t.shape.length > 8) throw new ProtocolError(400, `${where} (${t.name}): shape must be a list of at most 8 non-negative integers`);
  const shape = t.shape as number[];
  const bytes = elements(shape) * DATATYPE_BYTES[datatype];
  const params = t.parameters === undefined ? {} : t.parameters;
  if (!isObject(params)) throw new ProtocolError(400, `${where} (${t.name}): parameters is not an object`);
  const parameters: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') parameters[k] = v;
    else throw new ProtocolError(400, `${where} (${t.name}): parameter ${k} is not a string, number or boolean`);
  }
  const size = parameters.binary_data_size;
  let data: Uint8Array;
  if (size !== undefined) {
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new ProtocolError(400, `${where} (${t.name}): binary_data_size is not a byte count`);
    if (size !== bytes) throw new ProtocolError(400, `${where} (${t.name}): binary_data_size ${size} but shape [${shape.join(',')}] of ${datatype} needs ${bytes} bytes`);
    if (offset.at + size > binary.byteLength) throw new ProtocolError(400, `${where} (${t.name}): the binary data ends after ${binary.byteLength - offset.at} of ${size} bytes (truncated request?)`);
    data = binary.subarray(offset.at, offset.at + size);
    offset.at += size;
    delete parameters.binary_data_size;
  } else {
    if (!Array.isArray(t.data)) throw new ProtocolError(400, `${where} (${t.name}): neither binary_data_size nor data`);
    const flat = (t.data as unknown[]).flat(8);
    if (flat.length !== elements(shape)) throw new ProtocolError(400, `${where} (${t.name}): data has ${flat.length} elements, shape [${shape.join(',')}] needs ${elements(shape)}`);
    if (!flat.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new ProtocolError(400, `${where} (${t.name}): data holds a value that is not a finite number`);
    const nums = flat as number[];
    if (datatype === 'FP32') data = new Uint8Array(Float32Array.from(nums).buffer);
    else {
      const [lo, hi] = datatype === 'INT8' ? [-128, 127] : [0, 255];
      if (!nums.every((v) => Number.isInteger(v) && v >= lo && v <= hi)) throw new ProtocolError(400, `${where} (${t.name}): data holds a value outside ${datatype}`);
      data = datatype === 'INT8' ? new Uint8Array(Int8Array.from(nums).buffer) : Uint8Array.from(nums);
    }
  }
  return { name: t.name, datatype, shape, data, ...(Object.keys(parameters).length > 0 ? { parameters } : {}) };
}

function parseTensors(list: unknown, what: string, binary: Uint8Array): WireData[] {
  if (!Array.isArray(list)) throw new ProtocolError(400, `${what} is missing or not a list`);
  const offset = { at: 0 };
  const seen = new Set<string>();
  const out = list.map((raw, i) => {
    const t = parseTensor(raw, `${what}[${i}]`, binary, offset);
    if (seen.has(t.name)) throw new ProtocolError(400, `${what}: ${t.name} appears twice`);
    seen.add(t.name);
    return t;
  });
  if (offset.at !== binary.byteLength) throw new ProtocolError(400, `${binary.byteLength - offset.at} bytes after the last tensor's binary data`);
  return out;
}

/** Decode a request body; tensor data are views into `body`. */
export function decodeRequest(body: Uint8Array, headerLength: string | undefined, maxHeaderBytes = 65536): InferRequest {
  const { json, binary } = splitBody(body, headerLength, maxHeaderBytes);
  const inputs = parseTensors(json.inputs, 'inputs', binary);
  let outputs: { name: string; binary: boolean }[] | undefined;
  if (json.outputs !== undefined) {
    if (!Array.isArray(json.outputs)) throw new ProtocolError(400, 'outputs is not a list');
    const globalBinary = isObject(json.parameters) && json.parameters.binary_data_output === true;
    outputs = json.outputs.map((o, i) => {
      if (!isObject(o) || typeof o.name !== 'string') throw new ProtocolError(400, `outputs[${i}] has no name`);
      const p = isObject(o.parameters) ? o.parameters : {};
      return { name: o.name, binary: p.binary_data === undefined ? globalBinary : p.binary_data === true };
    });
  }
  const id = typeof json.id === 'string' ? json.id : undefined;
  return { ...(id !== undefined ? { id } : {}), inputs, ...(outputs !== undefined ? { outputs } : {}) };
}

/** Decode a response body (from a server speaking the protocol); tensor data are views into `body`. */
export function decodeResponse(body: Uint8Array, headerLength: string | undefined, maxHeaderBytes = 1 << 20): InferResponse {
  const { json, binary } = splitBody(body, headerLength, maxHeaderBytes);
  if (typeof json.error === 'string') throw new ProtocolError(502, `the server answered an error: ${json.error}`);
  const outputs = parseTensors(json.outputs, 'outputs', binary);
  const params = isObject(json.parameters) ? json.parameters as Record<string, string | number | boolean> : undefined;
  return { modelName: typeof json.model_name === 'string' ? json.model_name : '', ...(typeof json.id === 'string' ? { id: json.id } : {}), outputs, ...(params !== undefined ? { parameters: params } : {}) };
}
