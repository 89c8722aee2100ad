// The KServe v2 codec: binary tensor data round trips, zero-copy views, JSON data, and every
// malformed-body class refused with a 4xx status and a message naming the tensor.
import { describe, expect, it } from 'vitest';
import { ProtocolError, decodeRequest, decodeResponse, encodeRequest, encodeResponse, typedView, type WireData } from '@splitc/runtime';

const concat = (pieces: readonly Uint8Array[]): Buffer => Buffer.concat(pieces.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
const int8 = (name: string, shape: number[], fill: (i: number) => number, parameters?: Record<string, number>): WireData => {
  const a = new Int8Array(shape.reduce((x, y) => x * y, 1)).map((_, i) => fill(i));
  return { name, datatype: 'INT8', shape, data: new Uint8Array(a.buffer), ...(parameters !== undefined ? { parameters } : {}) };
};
const refusal = (f: () => unknown): ProtocolError => {
  try { f(); } catch (e) { if (e instanceof ProtocolError) return e; throw e; }
  throw new Error('expected a ProtocolError');
};

describe('KServe v2 codec', () => {
  it('round-trips a binary request exactly, with tensor data as views into the body', () => {
    const a = int8('a/x', [2, 3, 3, 4], (i) => (i * 7) % 256 - 128, { fix_point: 5 });
    const b = int8('b', [2, 5], (i) => -i);
    const enc = encodeRequest({ id: '7', inputs: [a, b] });
    const body = concat(enc.pieces);
    expect(body.length).toBe(enc.length);
    expect(Number(enc.headers['content-length'])).toBe(body.length);
    const headerLen = Number(enc.headers['inference-header-content-length']);
    expect(JSON.parse(body.subarray(0, headerLen).toString())).toEqual({
      id: '7',
      inputs: [
        { name: 'a/x', datatype: 'INT8', shape: [2, 3, 3, 4], parameters: { fix_point: 5, binary_data_size: 72 } },
        { name: 'b', datatype: 'INT8', shape: [2, 5], parameters: { binary_data_size: 10 } },
      ],
    });
    const dec = decodeRequest(body, String(headerLen));
    expect(dec.id).toBe('7');
    expect(dec.inputs.map((t) => [t.name, t.shape, t.parameters])).toEqual([['a/x', [2, 3, 3, 4], { fix_point: 5 }], ['b', [2, 5], undefined]]);
    expect(Array.from(typedView(dec.inputs[0]!))).toEqual(Array.from(typedView(a)));
    expect(Array.from(typedView(dec.inputs[1]!))).toEqual(Array.from(typedView(b)));
    // Zero-copy: the decoded bytes live in the received body.
    expect(dec.inputs[0]!.data.buffer).toBe(body.buffer);
    expect(dec.inputs[1]!.data.byteOffset).toBe(body.byteOffset + headerLen + 72);
  });

  it('round-trips responses, binary or as JSON data, FP32 at any alignment', () => {
    const f = new Float32Array([1.5, -2.25, 3e-8, 1e30, 0, -7]);
    const out: WireData = { name: 'output', datatype: 'FP32', shape: [2, 3], data: new Uint8Array(f.buffer) };
    for (const binary of ['all', new Set<string>()] as const) {
      const enc = encodeResponse({ modelName: 'm', id: '1', outputs: [out], parameters: { splitc_compute_ms: 2 } }, binary);
      const body = concat(enc.pieces);
      const r = decodeResponse(body, enc.headers['inference-header-content-length']);
      expect(r.modelName).toBe('m');
      expect(r.parameters).toEqual({ splitc_compute_ms: 2 });
      expect(Array.from(typedView(r.outputs[0]!))).toEqual(Array.from(f));
    }
  });

  it('takes JSON data for small tensors, checking range and count', () => {
    const json = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'INT8', shape: [2, 2], data: [[1, -2], [127, -128]] }] }));
    expect(Array.from(typedView(decodeRequest(json, undefined).inputs[0]!))).toEqual([1, -2, 127, -128]);
    const bad = (data: unknown, datatype = 'INT8') => refusal(() => decodeRequest(Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype, shape: [2, 2], data }] })), undefined));
    expect(bad([1, 2, 3]).message).toMatch(/x\): data has 3 elements, shape \[2,2\] needs 4/);
    expect(bad([1, 2, 3, 128]).message).toMatch(/outside INT8/);
    expect(bad([1, 2, 3, 'a'], 'FP32').message).toMatch(/not a finite number/);
  });

  it('refuses malformed and truncated bodies with 4xx and a reason', () => {
    const enc = encodeRequest({ inputs: [int8('t', [1, 8], (i) => i)] });
    const body = concat(enc.pieces);
    const hl = enc.headers['inference-header-content-length']!;
    const cases: [string, () => unknown, number, RegExp][] = [
      ['garbage', () => decodeRequest(Buffer.from('\x00\x01garbage'), undefined), 400, /does not parse/],
      ['not an object', () => decodeRequest(Buffer.from('[1,2]'), undefined), 400, /not an object/],
      ['header length not a number', () => decodeRequest(body, '12abc'), 400, /not a byte count/],
      ['header length past the end', () => decodeRequest(body, String(body.length + 1)), 400, /past the end/],
      ['truncated binary', () => decodeRequest(body.subarray(0, body.length - 3), hl), 400, /ends after 5 of 8 bytes/],
      ['trailing bytes', () => decodeRequest(Buffer.concat([body, Buffer.from([1])]), hl), 400, /1 bytes after the last tensor/],
      ['header too large', () => decodeRequest(body, hl, 10), 413, /more than the 10 allowed/],
      ['no inputs', () => decodeRequest(Buffer.from('{}'), undefined), 400, /inputs is missing/],
    ];
    for (const [what, f, status, msg] of cases) {
      const e = refusal(f);
      expect(e.status, what).toBe(status);
      expect(e.message, what).toMatch(msg);
    }
    const header = (t: Record<string, unknown>) => refusal(() => decodeRequest(Buffer.from(JSON.stringify({ inputs: [t] })), undefined)).message;
    expect(header({ name: 't', datatype: 'BF16', shape: [1], data: [1] })).toMatch(/datatype "BF16" is not one of INT8, UINT8, FP32/);
    expect(header({ name: 't', datatype: 'INT8', shape: [-1], data: [1] })).toMatch(/shape must be/);
    expect(header({ name: 't', datatype: 'INT8', shape: [4], parameters: { binary_data_size: 3 } })).toMatch(/binary_data_size 3 but shape \[4\] of INT8 needs 4 bytes/);
    expect(refusal(() => decodeRequest(Buffer.from(JSON.stringify({ inputs: [{ name: 't', datatype: 'INT8', shape: [1], data: [1] }, { name: 't', datatype: 'INT8', shape: [1], data: [1] }] })), undefined)).message).toMatch(/t appears twice/);
  });

  it('turns an error body into a failure of the call', () => {
    expect(() => decodeResponse(Buffer.from('{"error":"boom"}'), undefined)).toThrow(/the server answered an error: boom/);
  });
});
