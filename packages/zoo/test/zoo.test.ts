// The zoo: every generated model of both versions imports through splitc's own front end (verifier
// around every pass), its inferred output matches the shape the generator declared, the same seed
// gives the same bytes (version 1's pinned), version 2's published forms have their published
// structure, and a weighted sample of every family and form runs in onnxruntime and passes
// onnx.checker (CI).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel, verifier } from '@splitc/ir';
import { decodeModel, loadModelFromBytes, type OnnxModel } from '@splitc/onnx';
import { FAMILIES, generateModel, generateZoo, ZOO_VERSIONS, type GeneratedModel, type ZooVersion } from '@splitc/zoo';
import { havePython, runPython } from '@splitc/test-support';

const work = mkdtempSync(path.join(tmpdir(), 'splitc-zoo-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function declaredOutput(bytes: Uint8Array): { name: string; shape: number[] } {
  const m = decodeModel(bytes);
  const o = m.graph.outputs[0]!;
  return { name: o.name, shape: (o.shape ?? []).map(Number) };
}

/** A BatchNormalization right after a Concat: only DenseNet's published (pre-activated) form has one. */
function isPublishedDense(ops: readonly string[]): boolean {
  return ops.some((op, i) => op === 'Concat' && ops[i + 1] === 'BatchNormalization');
}

/** A 1×n or n×1 convolution: Inception-v3's factorised modules. */
function hasAsymmetricKernel(m: OnnxModel): boolean {
  return m.graph.nodes.some((n) => n.opType === 'Conv' && n.attributes.some((a) => a.name === 'kernel_shape' && a.ints![0] !== a.ints![1]));
}

/**
 * The first model of `family` (seeds 1, 2, …; zoo version 2 unless said) whose op sequence
 * satisfies `pred`; weighted, also under 16 MiB (a small, fast sample).
 */
function firstModel(family: (typeof FAMILIES)[number], pred: (ops: readonly string[], m: OnnxModel) => boolean, weights = false, version: ZooVersion = 2): GeneratedModel {
  for (let s = 1; s < 1000; s++) {
    const m = generateModel(family, s, { weights, version });
    if (weights && m.bytes.length > 16 << 20) continue;
    const model = decodeModel(m.bytes);
    if (pred(model.graph.nodes.map((n) => n.opType), model)) return m;
  }
  throw new Error(`no ${family} model (version ${version}) of seeds 1–999 has the form asked for`);
}

describe('zoo', () => {
  it.each(ZOO_VERSIONS)('every model of 20 per family (version %i) imports and infers the declared output shape', (version) => {
    const seen = new Map<string, number>();
    const resolutions = new Set<number>();
    for (const m of generateZoo({ seed: 7, count: 20 * FAMILIES.length, version })) {
      expect(m.version).toBe(version);
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

  it('the same family, seed and version give byte-identical models; another seed another model', () => {
    for (const version of ZOO_VERSIONS) {
      for (const f of FAMILIES) {
        const a = generateModel(f, 42, { version });
        expect(Buffer.from(generateModel(f, 42, { version }).bytes).equals(Buffer.from(a.bytes))).toBe(true);
        expect(Buffer.from(generateModel(f, 43, { version }).bytes).equals(Buffer.from(a.bytes))).toBe(false);
      }
    }
  });

  it('version 1 (the default, what the GNN was trained on until its eighth pass) never changes: its models hash as when version 2 was added', () => {
    const h = createHash('sha256');
    for (const f of FAMILIES) for (let s = 1; s <= 5; s++) h.update(generateModel(f, s).bytes);
    expect(h.digest('hex')).toBe('709511f5bc6c3cc1e6a84278a07f8de091273e3d9d79e8df78a05fda3d22b312');
    expect(() => generateModel('plain', 1, { version: 3 as ZooVersion })).toThrow(/version 3/);
  });

  it('version 2 (what the shipped GNN is trained on since its eighth pass) never changes: its models hash as when those weights were trained', () => {
    const h = createHash('sha256');
    for (const f of FAMILIES) for (let s = 1; s <= 5; s++) h.update(generateModel(f, s, { version: 2 }).bytes);
    expect(h.digest('hex')).toBe('b96be22390f5c0dd76b479af4323f8bda18ba33f13a04fddb17e181b3de73583');
  });

  it('DenseNet in its published form (version 2): each layer pre-activates a new concatenation of all earlier outputs of its block', () => {
    const m = firstModel('dense', isPublishedDense);
    const nodes = decodeModel(m.bytes).graph.nodes;
    const producer = new Map(nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
    const concats = nodes.filter((n) => n.opType === 'Concat');
    // Within a block the k-th layer's input concatenates k tensors (the block input and k − 1
    // layer outputs), and every layer output it lists is a 3x3 convolution's.
    let run = 0;
    for (const c of concats) {
      run = c.inputs.length === 1 ? 1 : run + 1;
      expect(c.inputs.length, m.name).toBe(run);
      for (const t of c.inputs.slice(1)) expect(producer.get(t)?.opType).toBe('Conv');
    }
    // A BatchNormalization reads every concatenation (a layer's, a transition's or the final
    // one), so there is no convolution to fold it into.
    const bnInputs = new Set(nodes.filter((n) => n.opType === 'BatchNormalization').map((n) => n.inputs[0]));
    for (const c of concats) expect(bnInputs.has(c.outputs[0]!), c.name).toBe(true);
  });

  it('ShuffleNet V2 units (version 2): the stride-1 unit splits the channels in half by Slice and concatenates the pass-through half with the branch', () => {
    const m = firstModel('shuffle', (ops) => ops.includes('Slice'));
    const g = analyzeModel(loadModelFromBytes(m.bytes, `${m.name}.onnx`), { instruments: [verifier] });
    const nodes = decodeModel(m.bytes).graph.nodes;
    const slices = nodes.filter((n) => n.opType === 'Slice');
    expect(slices.length % 2).toBe(0);
    for (let i = 0; i < slices.length; i += 2) {
      const [a, b] = [slices[i]!, slices[i + 1]!];
      expect(a.inputs[0]).toBe(b.inputs[0]);
      const c = g.tensors.get(a.inputs[0]!)?.shape?.[1] ?? 0;
      expect(g.tensors.get(a.outputs[0]!)?.shape?.[1]).toBe(c / 2);
      expect(g.tensors.get(b.outputs[0]!)?.shape?.[1]).toBe(c / 2);
      const concat = nodes.find((n) => n.opType === 'Concat' && n.inputs[0] === a.outputs[0]);
      expect(concat, a.name).toBeDefined();
    }
  });

  it('version 2\'s residual depths reach the published ones: some bottleneck net of 60 has a stage of more than 23 blocks (ResNet-101 has 23, ResNet-152 36)', () => {
    let most = 0;
    for (let s = 1; s <= 60; s++) {
      const nodes = decodeModel(generateModel('bottleneck', s, { version: 2 }).bytes).graph.nodes;
      // A stage's blocks: the Adds between two downsampling (stride-2) convolutions. Stages the
      // map is too small to downsample merge, but the others' at most 3 + 8 + 3 blocks cannot
      // pass 23 without the third stage's deep draws.
      let run = 0;
      for (const n of nodes) {
        const stride = n.attributes.find((a) => a.name === 'strides')?.ints?.[0];
        if (n.opType === 'Conv' && stride === 2) run = 0;
        if (n.opType === 'Add') most = Math.max(most, ++run);
      }
    }
    expect(most).toBeGreaterThan(23);
  });

  it('weighted models of every family, version 2 form and version 1 run in onnxruntime with the declared output shape; onnx.checker full_check accepts them (CI)', async () => {
    const files: string[] = [];
    // Version 1's model of every family; version 2's where its recipe differs, in each of its forms.
    const samples = [
      ...FAMILIES.map((f) => firstModel(f, () => true, true, 1)),
      ...(['basic', 'bottleneck', 'grouped'] as const).map((f) => firstModel(f, () => true, true)),
      firstModel('inception', (_, m) => hasAsymmetricKernel(m), true),
      firstModel('inception', (_, m) => !hasAsymmetricKernel(m), true),
      firstModel('dense', isPublishedDense, true),
      firstModel('dense', (ops) => !isPublishedDense(ops), true),
      firstModel('shuffle', (ops) => ops.includes('Slice'), true),
      firstModel('shuffle', (ops) => !ops.includes('Slice'), true),
    ];
    for (const m of samples) {
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
    expect(runPython(['-c', script, ...files]).trim()).toBe(String(samples.length));
  });
});
