// Op rules against the hand-worked cases in fixtures/ops/*.json (schema below, validated by zod).
// Each case becomes a one-node ONNX model: compile-time inputs are Constant nodes (as PyTorch
// exports them), weights are zero initializers, the rest are graph inputs.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SplitcError } from '@splitc/diagnostics';
import { importModel, inferShapes, layerCost, type Graph } from '@splitc/ir';
import { dataTypeFromName, dataTypeName, dataTypeSize, loadModelFromBytes, type NodeInput, type OnnxAttribute } from '@splitc/onnx';
import { model, vi } from '@splitc/test-support';

const Tensor = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.string().optional(),
  value: z.array(z.number()).optional(),
  const: z.boolean().optional(),
}).strict();
const Attr = z.union([z.number().int(), z.array(z.number().int()), z.object({ f: z.number() }).strict(), z.object({ s: z.string() }).strict()]);
const Case = z.object({
  name: z.string(),
  why: z.string().optional(),
  op: z.string(),
  opset: z.number().int().min(1),
  inputs: z.array(Tensor),
  attrs: z.record(z.string(), Attr).optional(),
  outputNames: z.array(z.string()).optional(),
  outputs: z.array(z.object({ shape: z.array(z.number().int().nonnegative()), dtype: z.string().optional(), value: z.array(z.number()).optional() }).strict()).optional(),
  macs: z.number().int().nonnegative().optional(),
  error: z.object({ code: z.string().regex(/^SPLITC\d{4}$/), contains: z.string() }).strict().optional(),
}).strict().refine((c) => (c.outputs === undefined) !== (c.error === undefined), 'a case gives either outputs or an error');
const CaseFile = z.object({ family: z.string(), cases: z.array(Case).min(1) }).strict();
type Case = z.infer<typeof Case>;

const dir = path.resolve(__dirname, '../../../fixtures/ops');

function dtypeOf(name: string | undefined): number {
  const t = dataTypeFromName(name ?? 'float32');
  if (t === undefined) throw new Error(`unknown dtype ${name}`);
  return t;
}

/** Little-endian bytes; int64 values past 2^63 − 1 (JSON's INT64_MAX) clamp to it. */
function bytes(values: readonly number[], dtype: number): Uint8Array {
  const out = new Uint8Array(values.length * dataTypeSize(dtype));
  const v = new DataView(out.buffer);
  values.forEach((x, i) => {
    switch (dtype) {
      case 1: v.setFloat32(i * 4, x, true); break;
      case 7: { const b = BigInt(Math.trunc(x)); v.setBigInt64(i * 8, b > 2n ** 63n - 1n ? 2n ** 63n - 1n : b, true); break; }
      case 6: v.setInt32(i * 4, x, true); break;
      case 9: case 2: v.setUint8(i, x); break;
      default: throw new Error(`dtype ${dtype} not supported in op cases`);
    }
  });
  return out;
}

function attribute(name: string, a: z.infer<typeof Attr>): OnnxAttribute {
  if (typeof a === 'number') return { name, type: 'int', i: a };
  if (Array.isArray(a)) return { name, type: 'ints', ints: a };
  if ('f' in a) return { name, type: 'float', f: a.f };
  return { name, type: 'string', s: new TextEncoder().encode(a.s) };
}

function build(c: Case): Graph {
  const nodes: NodeInput[] = [];
  const initializers = [];
  const inputs = [];
  for (const t of c.inputs) {
    const dtype = dtypeOf(t.dtype);
    if (t.value !== undefined) {
      nodes.push({ name: `const_${t.name}`, opType: 'Constant', inputs: [], outputs: [t.name], attributes: [{ name: 'value', type: 'tensor', t: { name: '', dataType: dtype, dims: t.shape, data: bytes(t.value, dtype), storage: 'raw', docString: '', span: { start: 0, end: 0 } } }] });
    } else if (t.const === true) {
      initializers.push({ name: t.name, dataType: dtype, dims: t.shape, data: new Uint8Array(t.shape.reduce((a, b) => a * b, 1) * dataTypeSize(dtype)) });
    } else {
      inputs.push(vi(t.name, t.shape, dtype));
    }
  }
  // A model needs a data input; cases made only of constants get an unused one.
  if (inputs.length === 0) inputs.push(vi('unused_data_input', [1]));
  const outputs = c.outputNames ?? ['y'];
  nodes.push({ name: 'node', opType: c.op, inputs: c.inputs.map((t) => t.name), outputs, attributes: Object.entries(c.attrs ?? {}).map(([k, v]) => attribute(k, v)) });
  const bytesOut = model({ opset: c.opset, nodes, inputs, outputs: outputs.map((o) => vi(o, ['?'])), initializers });
  return inferShapes.run(importModel(loadModelFromBytes(bytesOut, `${c.name}.onnx`)));
}

const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('op cases (fixtures/ops)', () => {
  it('every file validates against the schema', () => {
    expect(files).toContain('_example.json');
    for (const f of files) CaseFile.parse(JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
  });

  for (const f of files) {
    const file = CaseFile.parse(JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
    describe(file.family, () => {
      for (const c of file.cases) {
        it(c.name, () => {
          if (c.error !== undefined) {
            let err: unknown;
            try { build(c); } catch (e) { err = e; }
            expect(err, 'expected an error').toBeInstanceOf(SplitcError);
            expect((err as SplitcError).code).toBe(c.error.code);
            expect((err as SplitcError).message).toContain(c.error.contains);
            expect((err as SplitcError).message).toContain('node node');
            return;
          }
          const g = build(c);
          const layer = g.layers.find((l) => l.name === 'node')!;
          c.outputs!.forEach((o, i) => {
            const t = g.tensors.get(layer.outputs[i]!)!;
            expect(t.shape, `output ${i} shape`).toEqual(o.shape);
            expect(dataTypeName(t.dtype), `output ${i} dtype`).toBe(o.dtype ?? 'float32');
            if (o.value !== undefined) expect(t.value?.data, `output ${i} value`).toEqual(o.value);
          });
          if (c.macs !== undefined) expect(layerCost(g, layer).macs).toBe(c.macs);
        });
      }
    });
  }
});
