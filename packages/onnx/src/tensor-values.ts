// Reading tensor element bytes as JS numbers, for the few places that need values
// (constant folding of shape subgraphs, partition checks). Weights stay bytes everywhere else.

import { SplitcError } from '@splitc/diagnostics';
import { DataType, dataTypeName, dataTypeSize } from './proto.js';

/** Decodes little-endian element bytes into numbers. int64 values beyond 2^53 are refused. */
export function decodeValues(bytes: Uint8Array, dataType: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  const n = bytes.byteLength;
  switch (dataType) {
    case DataType.FLOAT: for (let i = 0; i < n; i += 4) out.push(view.getFloat32(i, true)); break;
    case DataType.DOUBLE: for (let i = 0; i < n; i += 8) out.push(view.getFloat64(i, true)); break;
    case DataType.INT64: case DataType.UINT64:
      for (let i = 0; i < n; i += 8) {
        const v = dataType === DataType.INT64 ? view.getBigInt64(i, true) : view.getBigUint64(i, true);
        // INT64_MAX/MIN are used as "to the end" sentinels in Slice: clamp rather than refuse.
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) out.push(Number.MAX_SAFE_INTEGER);
        else if (v < BigInt(Number.MIN_SAFE_INTEGER)) out.push(Number.MIN_SAFE_INTEGER);
        else out.push(Number(v));
      }
      break;
    case DataType.INT32: for (let i = 0; i < n; i += 4) out.push(view.getInt32(i, true)); break;
    case DataType.UINT32: for (let i = 0; i < n; i += 4) out.push(view.getUint32(i, true)); break;
    case DataType.INT16: for (let i = 0; i < n; i += 2) out.push(view.getInt16(i, true)); break;
    case DataType.UINT16: for (let i = 0; i < n; i += 2) out.push(view.getUint16(i, true)); break;
    case DataType.INT8: for (let i = 0; i < n; i++) out.push(view.getInt8(i)); break;
    case DataType.UINT8: case DataType.BOOL: for (let i = 0; i < n; i++) out.push(view.getUint8(i)); break;
    case DataType.FLOAT16: for (let i = 0; i < n; i += 2) out.push(halfToFloat(view.getUint16(i, true))); break;
    default: throw new SplitcError('UnsupportedDType', `cannot read values of ${dataTypeName(dataType)}`);
  }
  return out;
}

/** Encodes numbers as little-endian element bytes of `dataType`. */
export function encodeValues(values: readonly number[], dataType: number): Uint8Array {
  const writable = [DataType.FLOAT, DataType.DOUBLE, DataType.INT64, DataType.UINT64, DataType.INT32, DataType.UINT32, DataType.INT16, DataType.UINT16, DataType.INT8, DataType.UINT8, DataType.BOOL] as number[];
  const size = dataTypeSize(dataType);
  if (!writable.includes(dataType)) throw new SplitcError('UnsupportedDType', `cannot write values of ${dataTypeName(dataType)}`);
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    switch (dataType) {
      case DataType.FLOAT: view.setFloat32(i * 4, v, true); break;
      case DataType.DOUBLE: view.setFloat64(i * 8, v, true); break;
      case DataType.INT64: case DataType.UINT64: view.setBigInt64(i * 8, BigInt(Math.trunc(v)), true); break;
      case DataType.INT32: case DataType.UINT32: view.setInt32(i * 4, v, true); break;
      case DataType.INT16: case DataType.UINT16: view.setInt16(i * 2, v, true); break;
      default: view.setInt8(i, v);
    }
  });
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Elements of a shape: the one definition, from @splitc/diagnostics (which the runtime can load lightly). */
export { elementCount } from '@splitc/diagnostics';
