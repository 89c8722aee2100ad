// The zoo: every generated model imports through splitc's own front end (verifier around every
// pass), its inferred output matches the shape the generator declared, the same seed gives the same
// bytes, and a weighted sample of every family runs in onnxruntime and passes onnx.checker (CI).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel, verifier } from '@splitc/ir';
import { decodeModel, loadModelFromBytes } from '@splitc/onnx';
import { FAMILIES, generateModel, generateZoo } from '@splitc/zoo';
import { havePython, runPython } from '@splitc/test-support';

const work = mkdtempSync(path.join(tmpdir(), 'splitc-zoo-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function declaredOutput(bytes: Uint8Array): { name: string; shape: number[] } {
  const m = decodeModel(bytes);
  const o = m.graph.outputs[0]!;
  return { name: o.name, shape: (o.shape ?? []).map(Number) };
}

describe('zoo', () => {
  it('every model of 20 per family imports and infers the declared output shape', () => {
    const seen = new Map<string, number>();
    const resolutions = new Set<number>();
    for (const m of generateZoo({ seed: 7, count: 20 * FAMILIES.length })) {
      const g = analyzeModel(loadModelFromBytes(m.bytes, `${m.name}.onnx`), { instruments: [verifier] });
      const out = declaredOutput(m.bytes);
      expect(g.tensors.get(out.name)!.shape, m.name).toEqual(out.shape);
      expect(out.shape[0]).toBe(1);
      expect(g.inputs).toEqual(['input']);
      expect(g.tensors.get('input')!.shape).toEqual([1, expect.any(Number), m.resolution, m.resolution]);
      seen.set(m.family, (seen.get(m.family) ?? 0) + 1);
      resolutions.add(m.resolution);
    }
    expect([...seen.keys()].sort()).toEqual([...FAMILIES].sort());
    expect(Math.min(...resolutions)).toBeLessThanOrEqual(32);
    expect(Math.max(...resolutions)).toBe(512);
  });

  it('the same family and seed give byte-identical models; another seed another model', () => {
    for (const f of FAMILIES) {
      const a = generateModel(f, 42);
      expect(Buffer.from(generateModel(f, 42).bytes).equals(Buffer.from(a.bytes))).toBe(true);
      expect(Buffer.from(generateModel(f, 43).bytes).equals(Buffer.from(a.bytes))).toBe(false);
    }
  });

  it('weighted models of every family run in onnxruntime with the declared output shape; onnx.checker full_check accepts them (CI)', async () => {
    const files: string[] = [];
    for (const f of FAMILIES) {
      // The first seed whose weighted model stays under 16 MiB (a small, fast sample).
      let m = generateModel(f, 1, { weights: true });
      for (let s = 2; m.bytes.length > 16 << 20; s++) m = generateModel(f, s, { weights: true });
      const s = await ort.InferenceSession.create(m.bytes);
      const shape = [1, Number(decodeModel(m.bytes).graph.inputs[0]!.shape![1]), m.resolution, m.resolution];
      const x = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i));
      const out = await s.run({ input: new ort.Tensor('float32', x, shape) });
      const y = out[s.outputNames[0]!]!;
      expect([...y.dims], m.name).toEqual(declaredOutput(m.bytes).shape);
      expect([...(y.data as Float32Array)].every(Number.isFinite)).toBe(true);
      await s.release();
      const file = path.join(work, `${m.name}.onnx`);
      writeFileSync(file, m.bytes);
      files.push(file);
    }
    if (!havePython('onnx')) return;
    const script = 'import onnx, sys\nfor f in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(f), full_check=True)\nprint(len(sys.argv) - 1)';
    expect(runPython(['-c', script, ...files]).trim()).toBe(String(FAMILIES.length));
  });
});
