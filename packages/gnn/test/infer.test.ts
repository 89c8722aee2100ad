// Inference runs in plain JavaScript (infer.ts) while training differentiates the TensorFlow.js
// forward pass (model.ts): both must be the same network. Checked on zoo graphs of every family and
// on torchvision fixtures, with the shipped weights and with a freshly trained small model that has
// other shapes; and inference must not load TensorFlow.js.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';
import { resolveTarget } from '@splitc/targets';
import {
  BANK_NODE_FEATURES, DPU_CLASS_NODE_FEATURES, GPU_NODE_FEATURES, buildDataset, decode, featureSchemaHash, forwardJs, forwardTfjs, graphFeatures, graphSamples, loadWeights, NODE_FEATURES, OUTPUT_COLUMNS, paramShapes, scoresJs, trainGnn, type ModelConfig, type ModelJson, type ParamArrays, type Sample,
} from '@splitc/gnn';

const root = path.resolve(__dirname, '../../..');
const work = mkdtempSync(path.join(tmpdir(), 'splitc-gnn-infer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** One model of each zoo family, and three torchvision fixtures, each under two sampled targets. */
function samples(): Sample[] {
  const zoo = buildDataset({ seed: 31, models: 10, targetsPerModel: 2 });
  const tv = ['resnet152', 'densenet121', 'mobilenetv2'].flatMap((name, i) =>
    graphSamples(analyzeModel(loadModel(path.join(root, 'fixtures/models', `${name}.onnx`))), name, 'torchvision', 500 + i, 2, 'train'));
  return [...zoo, ...tv];
}

/** Every member of a weights directory, or one parameter set. */
type Net = { readonly meta: ModelJson; readonly params: ParamArrays };
const membersOf = (weights: string | Net): Net[] => {
  if (typeof weights !== 'string') return [weights];
  const w = loadWeights(weights);
  return w.members.map((params) => ({ meta: w.meta, params }));
};
const first = (dir: string): Net => membersOf(dir)[0]!;

async function agree(weights: string | Net, data: readonly Sample[]): Promise<number> {
  let worst = 0;
  for (const w of membersOf(weights)) worst = Math.max(worst, await agreeOne(w, data));
  return worst;
}

async function agreeOne(w: Net, data: readonly Sample[]): Promise<number> {
  let worst = 0;
  for (const s of data) {
    const js = forwardJs(w.params, w.meta.config, s.features, s.descriptor);
    const tf = await forwardTfjs(w.params, w.meta.config, s.features, s.descriptor);
    expect(js.length, s.model).toBe(s.features.nodes * OUTPUT_COLUMNS);
    for (let i = 0; i < js.length; i++) {
      const d = Math.abs(js[i]! - tf[i]!) / Math.max(1, Math.abs(tf[i]!));
      worst = Math.max(worst, d);
      if (!(d <= 1e-5)) expect.fail(`${s.model} (${s.targetLabel}): node ${Math.floor(i / OUTPUT_COLUMNS)} column ${i % OUTPUT_COLUMNS}: js ${js[i]} vs tfjs ${tf[i]}`);
    }
    // The same decoded cut: tfjs's scores are minus its log objective on the valid cuts. tfjs
    // computes in float32, this pass in float64, so two cuts whose scores tie within the 1e-5 above
    // may decode either way; any other pick must be the same.
    const tfScores = new Float32Array(s.features.nodes).map((_, i) => (s.features.valid[i] ? -tf[i * OUTPUT_COLUMNS]! : -Infinity));
    const [jsPick, tfPick] = [decode(scoresJs(w.params, w.meta.config, s.features, s.descriptor)), decode(tfScores)];
    if (jsPick !== tfPick) {
      const gap = tfScores[tfPick]! - tfScores[jsPick]!;
      expect(gap, `${s.model} (${s.targetLabel}): js picks ${jsPick}, tfjs ${tfPick}, ${gap} apart in tfjs's scores`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(tfScores[tfPick]!)));
    }
    // Deterministic: the same input gives the same bytes.
    expect(Buffer.from(forwardJs(w.params, w.meta.config, s.features, s.descriptor).buffer).equals(Buffer.from(js.buffer))).toBe(true);
  }
  return worst;
}

describe('plain-JS inference', () => {
  const data = samples();

  it('equals the TensorFlow.js forward pass within 1e-5 with the shipped weights (each member), and decodes the same cut (up to ties within that)', async () => {
    expect(data.length).toBe(26);
    expect(await agree(path.join(root, 'packages/gnn/weights'), data)).toBeLessThanOrEqual(1e-5);
  });

  it('equals it for other model shapes (more rounds, narrower interaction, 2 terms; structured heads; the format-1 heads; overlapping terms; the objective\'s DPU stage; the on-chip bank features; the GPU\'s kernel-structure features; the DPU classes), freshly trained', async () => {
    const shapes = [
      { hidden: 12, message: 6, layers: 3, interaction: 5, components: 2, standardize: true },
      { hidden: 12, message: 6, layers: 1, interaction: 4, components: 3, standardize: true, structured: true, ignoreConstant: true },
      { hidden: 12, message: 6, layers: 1 },
      { hidden: 12, message: 6, layers: 1, interaction: 4, components: 4, standardize: true, structured: true, ignoreConstant: true, targetMasks: true, overlap: true, linkBytes: true, linkGlobal: true, objectiveStage: true, stageNear: true, bankFeatures: true },
      { hidden: 12, message: 6, layers: 1, interaction: 4, components: 3, standardize: true, structured: true, ignoreConstant: true, targetMasks: true, overlap: true, linkBytes: true, bankFeatures: true, gpuFeatures: true },
      { hidden: 12, message: 6, layers: 1, interaction: 4, components: 3, standardize: true, structured: true, ignoreConstant: true, targetMasks: true, overlap: true, linkBytes: true, bankFeatures: true, gpuFeatures: true, dpuClassFeatures: true },
    ];
    for (const [i, config] of shapes.entries()) {
      const dir = path.join(work, `small-${i}`);
      await trainGnn({ seed: 9, models: 8, targetsPerModel: 2, epochs: 2, batchSize: 4, config, out: dir });
      expect(await agree(dir, data.slice(0, 12))).toBeLessThanOrEqual(1e-5);
    }
    // The feature groups: each model reads every row up to the end of its last group (the bank's,
    // the GPU's, the DPU classes); each file records its schema's hash, and the same file with its
    // last option struck from its config is refused (it would read other columns).
    const bankDir = path.join(work, `small-${shapes.length - 3}`);
    const gpuDir = path.join(work, `small-${shapes.length - 2}`);
    const dpuDir = path.join(work, `small-${shapes.length - 1}`);
    const G = GPU_NODE_FEATURES.length;
    const D = DPU_CLASS_NODE_FEATURES.length;
    const metaOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as ModelJson;
    const [bankMeta, gpuMeta, dpuMeta] = [bankDir, gpuDir, dpuDir].map(metaOf) as [ModelJson, ModelJson, ModelJson];
    const inputs = (cfg: ModelConfig) => paramShapes(cfg).find(([n]) => n === 'in/w')![1];
    expect(inputs(dpuMeta.config)).toEqual([NODE_FEATURES.length, 12]);
    expect(inputs(gpuMeta.config)).toEqual([NODE_FEATURES.length - D, 12]);
    expect(inputs(bankMeta.config)).toEqual([NODE_FEATURES.length - D - G, 12]);
    expect(inputs(shapes[1]!)).toEqual([NODE_FEATURES.length - D - G - BANK_NODE_FEATURES.length, 12]);
    const hashes = [{}, { bankFeatures: true }, { bankFeatures: true, gpuFeatures: true }, { bankFeatures: true, gpuFeatures: true, dpuClassFeatures: true }].map(featureSchemaHash);
    expect([bankMeta, gpuMeta, dpuMeta].map((m) => m.featureSchema.hash)).toEqual(hashes.slice(1));
    expect(new Set(hashes).size).toBe(4);
    for (const [dir, meta, option] of [[bankDir, bankMeta, 'bankFeatures'], [gpuDir, gpuMeta, 'gpuFeatures'], [dpuDir, dpuMeta, 'dpuClassFeatures']] as const) {
      const struck = path.join(work, `${option}-struck`);
      cpSync(dir, struck, { recursive: true });
      writeFileSync(path.join(struck, 'model.json'), JSON.stringify({ ...meta, config: { ...meta.config, [option]: undefined } }));
      expect(() => loadWeights(struck), option).toThrow(expect.objectContaining({ diagnostic: 'GnnWeightsMismatch', location: expect.objectContaining({ field: 'featureSchema' }) }));
    }
    // Two epochs leave the overlap exponents near p = 1 (a plain sum): move them well away (p = e^-0.5,
    // e^1, e^2.5; the last is nearly a max) and check again.
    const w = first(bankDir);
    const params = new Map(w.params);
    params.set('time/p', Float32Array.of(-0.5, 1, 2.5));
    expect(await agree({ meta: w.meta, params }, data.slice(0, 12))).toBeLessThanOrEqual(1e-5);

    // linkGlobal: the bandwidth term (term 1) reads nothing of the node. Setting its node-side
    // weights (column 1 of link/o and link/xo) to anything changes no output, in either forward
    // pass; without linkGlobal the same change does.
    const K = w.meta.config.components!;
    const scrambled = new Map(w.params);
    for (const name of ['link/o', 'link/xo']) {
      const v = Float32Array.from(w.params.get(name)!);
      for (let r = 0; r < v.length / K; r++) v[r * K + 1] = ((r * 7919) % 13) / 13 - 0.5;
      scrambled.set(name, v);
    }
    for (const s of data.slice(0, 4)) {
      const before = forwardJs(w.params, w.meta.config, s.features, s.descriptor);
      expect(Buffer.from(forwardJs(scrambled, w.meta.config, s.features, s.descriptor).buffer).equals(Buffer.from(before.buffer)), s.model).toBe(true);
      expect(Array.from(await forwardTfjs(scrambled, w.meta.config, s.features, s.descriptor))).toEqual(Array.from(await forwardTfjs(w.params, w.meta.config, s.features, s.descriptor)));
    }
    const free = { ...w.meta.config, linkGlobal: false };
    const s0 = data[0]!;
    expect(Buffer.from(forwardJs(scrambled, free, s0.features, s0.descriptor).buffer).equals(Buffer.from(forwardJs(w.params, free, s0.features, s0.descriptor).buffer))).toBe(false);
  });

  it('overlap with p = 1 is the plain sum of the terms', () => {
    const w = first(path.join(root, 'packages/gnn/weights'));
    expect(w.meta.config.overlap).toBe(true);
    const params = new Map(w.params);
    params.set('time/p', new Float32Array(3));
    const sumParams = new Map([...params].filter(([name]) => name !== 'time/p'));
    const sumConfig = { ...w.meta.config, overlap: false };
    let worst = 0;
    for (const s of data.slice(0, 12)) {
      const a = forwardJs(params, w.meta.config, s.features, s.descriptor);
      const b = forwardJs(sumParams, sumConfig, s.features, s.descriptor);
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
    }
    // Not bit-equal: the sum clips each term at e^LOG_MIN, the p-norm only their combination, so
    // terms below e^-20 ms differ by less than that.
    expect(worst).toBeLessThan(1e-5);
  });

  it('reuses its work buffers without leaking one pass into the next: each graph gives the same bytes whatever ran before it', () => {
    // The passes run in one order, then in the reverse: every graph follows another (larger or
    // smaller) graph the second time than the first, so a value read from a buffer before it was
    // written in this pass would change its output.
    const w = first(path.join(root, 'packages/gnn/weights'));
    const run = (s: Sample) => Buffer.from(forwardJs(w.params, w.meta.config, s.features, s.descriptor).buffer);
    const forward = data.map(run);
    const backward = [...data].reverse().map(run).reverse();
    expect(new Set(data.map((s) => s.features.nodes)).size).toBeGreaterThan(5);
    data.forEach((s, i) => expect(backward[i]!.equals(forward[i]!), `${s.model} (${s.targetLabel})`).toBe(true));
  });

  it('does not load TensorFlow.js: importing @splitc/gnn and predicting leave tfjs\'s engine unmade', () => {
    const script = `
      const gnn = await import('@splitc/gnn');
      const { analyzeModel } = await import('@splitc/ir');
      const { loadModel } = await import('@splitc/onnx');
      const { resolveTarget } = await import('@splitc/targets');
      const p = await gnn.loadPredictor();
      const k = p.predict(analyzeModel(loadModel(${JSON.stringify(path.join(root, 'fixtures/models/resnet18.onnx'))})), resolveTarget(), 'stream').index;
      console.log(JSON.stringify({ k, backend: p.backend, tf: globalThis._tfengine !== undefined }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: path.join(root, 'packages/gnn'), encoding: 'utf8' }));
    expect(out.tf).toBe(false);
    expect(out.backend).toBe('js');
    // The control: the same check sees tfjs once training's forward pass has run.
    const control = `const gnn = await import('@splitc/gnn'); await gnn.initBackend('cpu'); console.log(globalThis._tfengine !== undefined);`;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', control], { cwd: path.join(root, 'packages/gnn'), encoding: 'utf8' }).trim()).toBe('true');
    const g = analyzeModel(loadModel(path.join(root, 'fixtures/models/resnet18.onnx')));
    expect(out.k).toBeLessThanOrEqual(graphFeatures(g, resolveTarget()).maxPrefix);
  });
});
