// Plain readonly records for the parts of onnx.proto that splitc reads. Field numbers follow
// onnx/onnx.proto (IR version 10); `span` keeps each message's byte range in the source file so a
// writer can copy it verbatim instead of re-encoding it.

/** Byte range [start, end) of a message's encoded body within the source buffer. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface OnnxModel {
  readonly irVersion: number;
  readonly opsetImport: readonly OperatorSetId[];
  readonly producerName: string;
  readonly producerVersion: string;
  readonly domain: string;
  readonly modelVersion: number;
  readonly docString: string;
  readonly metadataProps: readonly StringEntry[];
  readonly graph: OnnxGraph;
  /** Model-local functions. splitc does not inline them; their presence is reported. */
  readonly functionCount: number;
}

export interface OperatorSetId {
  readonly domain: string;
  readonly version: number;
}

export interface StringEntry {
  readonly key: string;
  readonly value: string;
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly sparseInitializerCount: number;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly valueInfo: readonly ValueInfo[];
  readonly docString: string;
}

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly OnnxAttribute[];
  readonly docString: string;
  readonly span: Span;
}

export type AttributeType =
  | 'undefined' | 'float' | 'int' | 'string' | 'tensor' | 'graph' | 'floats' | 'ints' | 'strings'
  | 'tensors' | 'graphs' | 'sparse_tensor' | 'sparse_tensors' | 'type_proto' | 'type_protos';

export interface OnnxAttribute {
  readonly name: string;
  readonly type: AttributeType;
  readonly f?: number;
  readonly i?: number;
  /** Raw bytes of a string attribute (ONNX strings are bytes). */
  readonly s?: Uint8Array;
  readonly t?: OnnxTensor;
  readonly g?: OnnxGraph;
  readonly floats?: readonly number[];
  readonly ints?: readonly number[];
  readonly strings?: readonly Uint8Array[];
  readonly tensors?: readonly OnnxTensor[];
  readonly graphs?: readonly OnnxGraph[];
  readonly refAttrName?: string;
}

export interface ExternalDataRef {
  readonly location: string;
  readonly offset: number;
  /** Byte length; undefined means "to the end of the file". */
  readonly length: number | undefined;
}

export interface OnnxTensor {
  readonly name: string;
  readonly dataType: number;
  readonly dims: readonly number[];
  /**
   * Little-endian element bytes. A zero-copy view into the model buffer when the tensor stores
   * raw_data; decoded from the typed repeated fields otherwise (small tensors only, in practice).
   * Empty for external tensors: read those through the loader.
   */
  readonly data: Uint8Array;
  readonly storage: 'raw' | 'typed' | 'external' | 'empty';
  readonly external?: ExternalDataRef;
  readonly docString: string;
  readonly span: Span;
}

export interface ValueInfo {
  readonly name: string;
  /** TensorProto.DataType of a tensor type, or undefined for non-tensor or missing types. */
  readonly elemType: number | undefined;
  /** Dims: a number for dim_value, a string for dim_param, null for an unknown dim. Undefined when no shape is given. */
  readonly shape: readonly (number | string | null)[] | undefined;
  readonly docString: string;
}

/** TensorProto.DataType, with element size in bytes (0 for variable-size or unsupported types). */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8,
  BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
} as const;

const DTYPE_INFO: Record<number, { name: string; size: number }> = {
  1: { name: 'float32', size: 4 }, 2: { name: 'uint8', size: 1 }, 3: { name: 'int8', size: 1 },
  4: { name: 'uint16', size: 2 }, 5: { name: 'int16', size: 2 }, 6: { name: 'int32', size: 4 },
  7: { name: 'int64', size: 8 }, 8: { name: 'string', size: 0 }, 9: { name: 'bool', size: 1 },
  10: { name: 'float16', size: 2 }, 11: { name: 'float64', size: 8 }, 12: { name: 'uint32', size: 4 },
  13: { name: 'uint64', size: 8 }, 14: { name: 'complex64', size: 8 }, 15: { name: 'complex128', size: 16 },
  16: { name: 'bfloat16', size: 2 },
};

export function dataTypeName(t: number): string {
  return DTYPE_INFO[t]?.name ?? `unknown(${t})`;
}

/** Element size in bytes, or 0 when the type has no fixed size (string) or is unknown. */
export function dataTypeSize(t: number): number {
  return DTYPE_INFO[t]?.size ?? 0;
}

export function dataTypeFromName(name: string): number | undefined {
  for (const [k, v] of Object.entries(DTYPE_INFO)) if (v.name === name) return Number(k);
  return undefined;
}

export function isFloatType(t: number): boolean {
  return t === DataType.FLOAT || t === DataType.FLOAT16 || t === DataType.DOUBLE || t === DataType.BFLOAT16;
}
