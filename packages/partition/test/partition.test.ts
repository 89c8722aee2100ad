// Partitions of every weighted fixture at every split the planner considers: run one after the
// other in onnxruntime they reproduce the full model, and onnx.checker (full_check) accepts both.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel, resolveAlias, type Graph } from '@splitc/ir';
import { decodeModel, loadModel, loadModelFromBytes, sha256Hasher } from '@splitc/onnx';
import { twoBranchModel } from '@splitc/test-support';
import { completePartition, partitionBytes, partitionGraph, writePartition } from '@splitc/partition';
import { planSplit } from '@splitc/planner';
import { resolveTarget } from '@splitc/targets';
import { emitSeamOnnx, dpuLayoutShape, seamInputNames } from '@splitc/emit-tensorrt';
import { SplitcError } from '@splitc/diagnostics';
import { havePython, maxRelDiff, runPython, runStitched } from '@splitc/test-support';

const root = path.resolve(__dirname, '../../..');
const WEIGHTED = ['lenet5-weights', 'tinyres-weights', 'mobilenetv2-weights'];
const work = mkdtempSync(path.join(tmpdir(), 'splitc-partition-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function input(g: Graph): { name: string; tensor: ort.Tensor } {
  const name = g.inputs[0]!;
  const shape = [...g.tensors.get(name)!.shape!];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.37) + 0.25 * Math.cos(i * 0.011);
  return { name, tensor: new ort.Tensor('float32', x, shape) };
}

const checkerFiles: string[] = [];

describe('stitched partitions reproduce the full model (onnxruntime)', () => {
  for (const name of WEIGHTED) {
    it(`${name}: every candidate split`, async () => {
      const src = loadModel(path.join(root, 'fixtures/models', `${name}.onnx`));
      const g = analyzeModel(src);
      const full = await ort.InferenceSession.create(src.bytes);
      const feed = input(g);
      const ref = await full.run({ [feed.name]: feed.tensor });
      const plan = planSplit(g, resolveTarget());
      const names = g.layers.map((l) => l.name);
      let checked = 0;
      for (const c of plan.candidates) {
        // A min-cut candidate's set is only recorded for the chosen split; any other one would be untestable here.
        if (c.kind !== 'prefix') expect(c).toEqual(plan.best);
        const mask = c.kind === 'prefix' ? g.layers.map((l) => l.index < c.index!) : names.map((n) => plan.split.dpuLayers.includes(n));
        const p = partitionGraph(g, mask);
        expect(p.crossing.length).toBe(c.crossingTensors);
        const out = await runStitched(g.outputs, p, feed);
        for (const o of g.outputs) {
          expect(maxRelDiff(out[o]!.data as Float32Array, ref[o]!.data as Float32Array), `${name} k=${c.index}`).toBeLessThanOrEqual(1e-4);
          expect(out[o]!.dims).toEqual(ref[o]!.dims);
        }
        // Each side holds exactly the weights its layers read, byte-identical to the source's.
        for (const side of [p.dpu, p.gpu]) {
          if (side === null) continue;
          const written = decodeModel(partitionBytes(side)).graph.initializers;
          const expected = new Set<string>();
          for (const l of g.layers.filter((x) => side.layers.includes(x.name))) {
            for (const i of l.inputs) {
              const t = i === '' ? undefined : g.tensors.get(i)!;
              if (t !== undefined && (t.kind === 'param' || t.kind === 'constant')) expected.add(resolveAlias(g, i).name);
            }
          }
          expect(written.map((t) => t.name).sort(), `${name} k=${c.index} ${side.side}`).toEqual([...expected].sort());
          for (const t of written) {
            const source = resolveAlias(g, t.name).source;
            if (source?.kind === 'initializer') expect(Buffer.compare(t.data, source.tensor.data), t.name).toBe(0);
          }
        }
        const dir = path.join(work, `${name}-${c.index ?? 'mincut'}`);
        mkdirSync(dir);
        for (const side of [p.dpu, p.gpu]) {
          if (side === null) continue;
          const f = path.join(dir, `${side.side}.onnx`);
          writePartition(side, f);
          checkerFiles.push(f);
        }
        checked++;
      }
      expect(checked).toBe(plan.candidates.length);
      await full.release();
    });
  }

  it('external data: weights beside the model, still reproducing it', async () => {
    const src = loadModel(path.join(root, 'fixtures/models/mobilenetv2-weights.onnx'));
    const g = analyzeModel(src);
    const mask = g.layers.map((l) => l.index < 50);
    const p = partitionGraph(g, mask, { externalData: true, fileName: 'gpu.onnx' });
    const dir = path.join(work, 'external');
    mkdirSync(dir);
    const written = writePartition(p.gpu!, path.join(dir, 'gpu.onnx'));
    expect(written.map((f) => path.basename(f))).toEqual(['gpu.onnx', 'gpu.onnx.data']);
    expect(readFileSync(written[0]!).length).toBeLessThan(100_000);
    // Both sides name their data file after `fileName`, so each goes in its own folder (as in compile's dpu/ and gpu/).
    mkdirSync(path.join(dir, 'dpu'));
    const dpuWritten = writePartition(p.dpu!, path.join(dir, 'dpu', 'gpu.onnx'));
    const dpuFile = dpuWritten[0]!;
    checkerFiles.push(written[0]!, dpuFile);
    const feed = input(g);
    const full = await ort.InferenceSession.create(src.bytes);
    const ref = await full.run({ [feed.name]: feed.tensor });
    const d = await ort.InferenceSession.create(dpuFile);
    const mid = await d.run({ [feed.name]: feed.tensor });
    const gs = await ort.InferenceSession.create(written[0]!);
    const out = await gs.run(Object.fromEntries(gs.inputNames.map((n) => [n, mid[n]!])));
    expect(maxRelDiff(out[g.outputs[0]!]!.data as Float32Array, ref[g.outputs[0]!]!.data as Float32Array)).toBeLessThanOrEqual(1e-4);
  });

  it('a non-prefix (min-cut) DPU set: two branches, one of them on the GPU', async () => {
    // x → a1 → a2 → a3 ─┐
    //   └→ s1 (Softmax) → s2 ─┴→ add → y      DPU side {a1, a2, a3}: not a prefix of the node order.
    const bytes = twoBranchModel(4, 6, (i) => Math.sin(i) * 0.1);
    const g = analyzeModel(loadModelFromBytes(bytes, 'branches.onnx'));
    const mask = g.layers.map((l) => ['a1', 'a2', 'a3'].includes(l.name));
    const p = partitionGraph(g, mask);
    expect(p.crossing.map((c) => [c.name, c.from])).toEqual([['a3', 'dpu'], ['x', 'input']]);
    expect(p.dpu!.layers).toEqual(['a1', 'a2', 'a3']);
    expect(p.gpu!.inputs.map((i) => i.name)).toEqual(['a3', 'x']);
    const feed = input(g);
    const full = await ort.InferenceSession.create(bytes);
    const ref = await full.run({ [feed.name]: feed.tensor });
    const out = await runStitched(g.outputs, p, feed);
    expect(maxRelDiff(out.y!.data as Float32Array, ref.y!.data as Float32Array)).toBeLessThanOrEqual(1e-6);
  });

  it('refuses a structure-only model: there are no weights to write', () => {
    const g = analyzeModel(loadModel(path.join(root, 'fixtures/models/lenet5.onnx')));
    expect(() => partitionGraph(g, g.layers.map((l) => l.index < 3))).toThrow(SplitcError);
    try { partitionGraph(g, g.layers.map((l) => l.index < 3)); } catch (e) {
      expect((e as SplitcError).code).toBe('SPLITC5003');
      expect((e as SplitcError).message).toContain('structure-only export');
    }
  });
});

describe('late metadata and weights still being read', () => {
  const file = path.join(root, 'fixtures/models/tinyres-weights.onnx');
  const digest = 'ab'.repeat(32);

  it('a partition completed later is byte-identical to one made with the value', () => {
    const g = analyzeModel(loadModel(file));
    for (const k of [1, 4]) {
      const mask = g.layers.map((l) => l.index < k);
      for (const externalData of [false, true]) {
        const meta = (v: string | null) => ({ 'splitc.version': 'v', 'splitc.source_sha256': v, 'splitc.split': String(k) });
        const now = partitionGraph(g, mask, { metadata: meta(digest), externalData });
        const later = partitionGraph(g, mask, { metadata: meta(null), externalData });
        for (const side of ['dpu', 'gpu'] as const) {
          const a = now[side]!;
          const b = later[side]!;
          expect(a.late).toBeUndefined();
          expect(b.late!.keys).toEqual(['splitc.source_sha256']);
          // Every piece but the trailing one is made at once, and is the same.
          expect(b.parts.length).toBe(a.parts.length - 1);
          expect(Buffer.concat(b.parts)).toEqual(Buffer.concat(a.parts.slice(0, -1)));
          expect(b.externalData?.parts.map((x) => Buffer.from(x))).toEqual(a.externalData?.parts.map((x) => Buffer.from(x)));
          // A partition not yet complete is never written or concatenated.
          expect(() => partitionBytes(b)).toThrow(/completePartition/);
          expect(() => writePartition(b, path.join(work, `never-${side}.onnx`))).toThrow(/completePartition/);
          expect(() => b.late!.tail({})).toThrow(/never given/);
          const done = completePartition(b, { 'splitc.source_sha256': digest });
          expect(done.late).toBeUndefined();
          expect(done.byteLength).toBe(a.byteLength);
          expect(Buffer.from(partitionBytes(done))).toEqual(Buffer.from(partitionBytes(a)));
          expect(decodeModel(partitionBytes(done)).metadataProps.at(-2)).toEqual({ key: 'splitc.source_sha256', value: digest });
        }
      }
    }
  });

  it('pendingBytes: views of the buffer as it is being read, the same bytes once present', () => {
    // A 20 MiB weight: read in the background by the hasher's worker while this thread goes on.
    const big = path.join(work, 'two-branch-big.onnx');
    writeFileSync(big, twoBranchModel(768, 2, (i) => Math.sin(i * 0.001)));
    const hasher = sha256Hasher({ background: true });
    try {
      const src = loadModel(big, { hasher });
      expect(src.pendingBytes.length).toBe(statSync(big).size);
      const g = analyzeModel(src);
      const mask = g.layers.map((l) => ['a1', 'a2', 'a3'].includes(l.name));
      const p = partitionGraph(g, mask, { pendingBytes: true });
      // The weight is a view of the model's buffer, not a copy.
      const weight = p.dpu!.parts.find((x) => x.length >= 768 * 768 * 9 * 4)!;
      expect(weight.buffer === src.pendingBytes.buffer).toBe(true);
      for (const side of [p.dpu!, p.gpu!]) for (const piece of side.parts) src.ensurePresent(piece);
      // ensurePresent returns at once for bytes that are not the model's.
      src.ensurePresent(new Uint8Array(4));
      const waited = partitionGraph(g, mask);
      // (Buffer.equals: toEqual would walk 20 million indices.)
      for (const side of ['dpu', 'gpu'] as const) expect(Buffer.from(partitionBytes(p[side]!)).equals(partitionBytes(waited[side]!)), side).toBe(true);
      expect(Buffer.from(src.bytes).equals(readFileSync(big))).toBe(true);
    } finally {
      hasher.close();
    }
  });
});

describe('the seam: DPU INT8 NHWC → float NCHW', () => {
  it('dequantises with 2^-fix_point and transposes, exactly', async () => {
    const shape = [1, 3, 4, 5];
    const seam = await ort.InferenceSession.create(emitSeamOnnx([{ name: 't', shape }, { name: 'v', shape: [1, 7] }], 'test'));
    const fixPoint = 5;
    const nhwc = dpuLayoutShape(shape);
    const q = new Int8Array(60).map((_, i) => ((i * 37) % 256) - 128);
    const qv = new Int8Array(7).map((_, i) => i * 11 - 40);
    const scale = new ort.Tensor('float32', new Float32Array([2 ** -fixPoint]), []);
    const out = await seam.run({
      [seamInputNames('t').q]: new ort.Tensor('int8', q, nhwc), [seamInputNames('t').scale]: scale,
      [seamInputNames('v').q]: new ort.Tensor('int8', qv, [1, 7]), [seamInputNames('v').scale]: scale,
    });
    expect(out.t!.dims).toEqual(shape);
    const t = out.t!.data as Float32Array;
    for (let c = 0; c < 3; c++) for (let h = 0; h < 4; h++) for (let w = 0; w < 5; w++) {
      expect(t[(c * 4 + h) * 5 + w]).toBe(q[(h * 5 + w) * 3 + c]! * 2 ** -fixPoint);
    }
    expect([...(out.v!.data as Float32Array)]).toEqual([...qv].map((x) => x * 2 ** -fixPoint));
  });
});

describe.runIf(havePython('onnx'))('onnx.checker accepts every partition (full_check=True)', () => {
  it('all partitions written above', () => {
    expect(checkerFiles.length).toBeGreaterThan(200);
    const list = path.join(work, 'files.txt');
    writeFileSync(list, checkerFiles.join('\n'));
    const out = runPython(['-c', `
import onnx, sys
bad = []
for f in open(sys.argv[1]).read().split("\\n"):
    try:
        onnx.checker.check_model(f, full_check=True)
    except Exception as e:
        bad.append("%s: %s" % (f, str(e).splitlines()[0]))
print("\\n".join(bad) if bad else "ok %d" % len(open(sys.argv[1]).read().split("\\n")))
`, list]);
    expect(out.trim()).toBe(`ok ${checkerFiles.length}`);
  });
});
