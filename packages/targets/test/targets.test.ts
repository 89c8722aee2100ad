// Target profiles, DPU operator support and the latency model.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SplitcError } from '@splitc/diagnostics';
import { analyzeModel, type Graph } from '@splitc/ir';
import { DataType, loadModel, loadModelFromBytes } from '@splitc/onnx';
import { builtinCatalog, DEFAULT_DPU_RUNNER_THREADS, DEFAULT_GPU_CONTEXTS, DPU_LEAKY_RELU_ALPHA, dpuLayerEstimate, dpuSupport, runtimeConcurrency, gpuLayerEstimate, gpuRoles, opClass, parseGpuProfile, parseTrtexecProfile, parseDpuProfile, resolveTarget, type GpuDevice } from '@splitc/targets';
import { planSplit } from '@splitc/planner';
import { floats, model, vi } from '@splitc/test-support';

const root = path.resolve(__dirname, '../../..');
const analyze = (name: string): Graph => analyzeModel(loadModel(path.join(root, 'fixtures/models', `${name}.onnx`)));

function err(fn: () => unknown): SplitcError {
  try { fn(); } catch (e) { if (e instanceof SplitcError) return e; throw e; }
  throw new Error('no error');
}

function tmpJson(value: unknown): string {
  const f = path.join(mkdtempSync(path.join(tmpdir(), 'splitc-target-')), 'target.json');
  writeFileSync(f, typeof value === 'string' ? value : JSON.stringify(value));
  return f;
}

describe('target profiles', () => {
  it('ships vck190, zcu102, zcu104, rtx2080, h200 and four links, all valid', () => {
    const c = builtinCatalog();
    expect([...c.devices.keys()].sort()).toEqual(['h200', 'rtx2080', 'vck190', 'zcu102', 'zcu104']);
    expect([...c.links.keys()].sort()).toEqual(['10gbe', '1gbe', '25gbe', 'pcie']);
  });

  it('vck190 is DPUCVDX8G_ISA3_C32B6 with a 61.44 TOPS peak', () => {
    const { dpu } = resolveTarget({ target: 'vck190+rtx2080' });
    expect(dpu.vaiTarget).toBe('DPUCVDX8G_ISA3_C32B6');
    expect(dpu.compute.opsPerCycle * dpu.compute.clockHz * dpu.compute.parallelFrames).toBe(61.44e12);
  });

  it('other DPU boards work without code changes (zcu104+rtx2080)', () => {
    const t = resolveTarget({ target: 'zcu104+rtx2080', link: '1gbe', precision: 'fp32' });
    expect(t.dpu.arch).toBe('DPUCZDX8G');
    expect(t.link.name).toBe('1gbe');
    expect(t.precision).toBe('fp32');
  });

  it('a user target file adds devices', () => {
    const mine = JSON.parse(readFileSync(path.join(root, 'packages/targets/profiles/rtx2080.json'), 'utf8'));
    const gpu = { ...mine.devices.rtx2080, name: 'rtx3090', description: 'a user GPU' };
    const f = tmpJson({ schemaVersion: 1, devices: { rtx3090: gpu }, links: { slow: { name: 'slow', description: 'x', bandwidthBytesPerS: 1e6, latencyMs: 1 } } });
    const t = resolveTarget({ target: 'vck190+rtx3090', link: 'slow', targetFile: f });
    expect(t.gpu.description).toBe('a user GPU');
    expect(t.link.bandwidthBytesPerS).toBe(1e6);
  });

  it("carries the runtime's concurrency: batch = parallelFrames, runner threads and GPU contexts, optional in user files", () => {
    expect(runtimeConcurrency(resolveTarget())).toEqual({ batch: 6, dpuRunnerThreads: 2, gpuContexts: 2 });
    const dpu = JSON.parse(readFileSync(path.join(root, 'packages/targets/profiles/vck190.json'), 'utf8')).devices.vck190;
    const gpu = JSON.parse(readFileSync(path.join(root, 'packages/targets/profiles/rtx2080.json'), 'utf8')).devices.rtx2080;
    // Left out: the documented defaults.
    const { runtime: _d, ...bareDpu } = dpu;
    const { runtime: _g, ...bareGpu } = gpu;
    const bare = tmpJson({ schemaVersion: 1, devices: { mydpu: { ...bareDpu, name: 'mydpu' }, mygpu: { ...bareGpu, name: 'mygpu' } } });
    expect(runtimeConcurrency(resolveTarget({ target: 'mydpu+mygpu', targetFile: bare }))).toEqual({ batch: 6, dpuRunnerThreads: DEFAULT_DPU_RUNNER_THREADS, gpuContexts: DEFAULT_GPU_CONTEXTS });
    // Given: used as given.
    const set = tmpJson({ schemaVersion: 1, devices: { mydpu: { ...dpu, name: 'mydpu', compute: { ...dpu.compute, parallelFrames: 3 }, runtime: { runnerThreads: 4 } }, mygpu: { ...gpu, name: 'mygpu', runtime: { contexts: 3 } } } });
    expect(runtimeConcurrency(resolveTarget({ target: 'mydpu+mygpu', targetFile: set }))).toEqual({ batch: 3, dpuRunnerThreads: 4, gpuContexts: 3 });
    // Zero threads is a schema error naming the field.
    const zero = tmpJson({ schemaVersion: 1, devices: { mydpu: { ...dpu, name: 'mydpu', runtime: { runnerThreads: 0 } } } });
    const e = err(() => resolveTarget({ target: 'mydpu+rtx2080', targetFile: zero }));
    expect(e.code).toBe('SPLITC4001');
    expect(e.message).toContain('runnerThreads');
  });

  it('bad target files name the file and the field', () => {
    const good = JSON.parse(readFileSync(path.join(root, 'packages/targets/profiles/vck190.json'), 'utf8'));
    const broken = structuredClone(good);
    broken.devices.vck190.compute.clockHz = 'fast';
    let e = err(() => resolveTarget({ targetFile: tmpJson(broken) }));
    expect(e.code).toBe('SPLITC4001');
    expect(e.message).toMatch(/target\.json: field devices\.vck190\.compute\.clockHz: invalid target description: .*number/);

    const missing = structuredClone(good);
    delete missing.devices.vck190.limits.bankDepth;
    e = err(() => resolveTarget({ targetFile: tmpJson(missing) }));
    expect(e.location.field).toBe('devices.vck190.limits.bankDepth');

    const extra = structuredClone(good);
    extra.devices.vck190.compute.turbo = true;
    expect(err(() => resolveTarget({ targetFile: tmpJson(extra) })).code).toBe('SPLITC4001');

    const renamed = structuredClone(good);
    renamed.devices.vck190.name = 'other';
    expect(err(() => resolveTarget({ targetFile: tmpJson(renamed) })).location.field).toBe('devices.vck190.name');

    expect(err(() => resolveTarget({ targetFile: tmpJson('{ nope') })).message).toMatch(/not JSON/);
    expect(err(() => resolveTarget({ targetFile: tmpJson({ schemaVersion: 2 }) })).location.field).toBe('schemaVersion');
    expect(err(() => resolveTarget({ targetFile: '/nonexistent/t.json' })).code).toBe('SPLITC1001');
  });

  it('unknown targets, links and precisions are refused with the known names', () => {
    expect(err(() => resolveTarget({ target: 'vck190' })).message).toContain('must name a DPU and a GPU');
    expect(err(() => resolveTarget({ target: 'vck999+rtx2080' })).message).toContain('known: vck190, zcu102, zcu104');
    expect(err(() => resolveTarget({ target: 'rtx2080+vck190' })).code).toBe('SPLITC4002');
    expect(err(() => resolveTarget({ link: 'carrier-pigeon' })).message).toContain('known: 10gbe, 1gbe, 25gbe, pcie');
    expect(err(() => resolveTarget({ precision: 'int4' })).code).toBe('SPLITC9001');
  });
});

/** One-layer model: Conv with the given attributes and weight shape on a [1,c,h,w] input. */
function convGraph(inShape: number[], wShape: number[], attrs: { name: string; type: 'int' | 'ints' | 'string'; i?: number; ints?: number[]; s?: Uint8Array }[]): Graph {
  const bytes = model({
    nodes: [{ name: 'conv', opType: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attributes: attrs }],
    inputs: [vi('x', inShape)],
    outputs: [vi('y', ['?'])],
    initializers: [{ name: 'w', dataType: DataType.FLOAT, dims: wShape, data: floats(new Array(wShape.reduce((a, b) => a * b, 1)).fill(0)) }],
  });
  return analyzeModel(loadModelFromBytes(bytes, 'conv.onnx'));
}

describe('DPU operator support (DPUCVDX8G limits)', () => {
  const lim = resolveTarget().dpu.limits;
  const check = (g: Graph) => dpuSupport(g, g.layers[0]!, lim);

  it('accepts a plain 3x3 conv, a depthwise conv and a 16x16 kernel', () => {
    expect(check(convGraph([1, 64, 56, 56], [64, 64, 3, 3], [{ name: 'pads', type: 'ints', ints: [1, 1, 1, 1] }]))).toEqual({ ok: true });
    expect(check(convGraph([1, 32, 56, 56], [32, 1, 3, 3], [{ name: 'group', type: 'int', i: 32 }]))).toEqual({ ok: true });
    expect(check(convGraph([1, 8, 64, 64], [8, 8, 16, 16], []))).toEqual({ ok: true });
  });

  it('refuses each broken limit with its rule', () => {
    expect(check(convGraph([1, 8, 64, 64], [8, 8, 17, 17], []))).toEqual({ ok: false, rule: 'kernel 17x17 outside [1, 16]' });
    expect(check(convGraph([1, 8, 64, 64], [8, 8, 3, 3], [{ name: 'strides', type: 'ints', ints: [9, 9] }]))).toEqual({ ok: false, rule: 'stride 9x9 above 8' });
    expect(check(convGraph([1, 8, 64, 64], [8, 8, 3, 3], [{ name: 'pads', type: 'ints', ints: [3, 3, 3, 3] }]))).toEqual({ ok: false, rule: 'padding [3,3,3,3] above (kernel−1)·dilation = 2' });
    expect(check(convGraph([1, 64, 8, 8], [64, 16, 3, 3], [{ name: 'group', type: 'int', i: 4 }]))).toEqual({ ok: false, rule: 'grouped convolution (group 4 of 64 channels) runs on the CPU' });
    expect(check(convGraph([1, 8, 8, 8], [4097, 8, 1, 1], []))).toEqual({ ok: false, rule: '4097 output channels above 4096' });
    // kernel_w · kernel_h · ceil(ic / 16) ≤ 8192: 16·16·ceil(520/16) = 256·33 = 8448
    expect(check(convGraph([1, 520, 32, 32], [8, 520, 16, 16], []))).toEqual({ ok: false, rule: 'kernel_w·kernel_h·ceil(ic/16) = 8448 above bank depth 8192' });
  });

  it('reads pads after auto_pad, decoded once in the IR (as shape inference does)', () => {
    const enc = (v: string) => new TextEncoder().encode(v);
    // VALID ignores a stale pads attribute (onnxruntime and our shape inference both do): 9x9 → 9x9 with a 1x1 kernel.
    const valid = convGraph([1, 8, 9, 9], [8, 8, 1, 1], [{ name: 'auto_pad', type: 'string', s: enc('VALID') }, { name: 'pads', type: 'ints', ints: [2, 2, 2, 2] }]);
    expect(valid.tensors.get('y')!.shape).toEqual([1, 8, 9, 9]);
    expect(check(valid)).toEqual({ ok: true });
    // SAME_UPPER with a 4x4 kernel on 8x8, stride 1: total pad 3 → [1,1] begin, [2,2] end, within (k−1)·d = 3.
    const same = convGraph([1, 8, 8, 8], [8, 8, 4, 4], [{ name: 'auto_pad', type: 'string', s: enc('SAME_UPPER') }]);
    expect(check(same)).toEqual({ ok: true });
    // Dilation 2 on a 2x2 kernel: extent 3, SAME_LOWER total pad 2 → 1 each side, within (k−1)·d = 2.
    const dilated = convGraph([1, 8, 8, 8], [8, 8, 2, 2], [{ name: 'auto_pad', type: 'string', s: enc('SAME_LOWER') }, { name: 'dilations', type: 'ints', ints: [2, 2] }]);
    expect(check(dilated)).toEqual({ ok: true });
  });

  it('takes LeakyRelu only at the slope the DPU computes (0.1015625 = 26/256, forced by vai_q_pytorch)', () => {
    const leaky = (alpha?: number) => {
      const bytes = model({
        nodes: [{ name: 'act', opType: 'LeakyRelu', inputs: ['x'], outputs: ['y'], attributes: alpha === undefined ? [] : [{ name: 'alpha', type: 'float', f: alpha }] }],
        inputs: [vi('x', [1, 8, 4, 4])],
        outputs: [vi('y', ['?'])],
      });
      return check(analyzeModel(loadModelFromBytes(bytes, 'leaky.onnx')));
    };
    expect(DPU_LEAKY_RELU_ALPHA).toBe(26 / 256);
    expect(leaky(0.1015625)).toEqual({ ok: true });
    // PyTorch's default slope 0.01 (also ONNX's default when the attribute is absent), and 0.1 (YOLO's).
    expect(leaky(0.01)).toEqual({ ok: false, rule: "LeakyRelu alpha 0.01 is not the DPU's slope 0.1015625 (26/256, forced by vai_q_pytorch)" });
    expect(leaky()).toEqual({ ok: false, rule: "LeakyRelu alpha 0.01 is not the DPU's slope 0.1015625 (26/256, forced by vai_q_pytorch)" });
    expect(leaky(0.1)).toMatchObject({ ok: false });
  });

  it('finds the CPU ops of real models', () => {
    const eff = analyze('efficientnet_b0');
    const sig = eff.layers.find((l) => l.op === 'Sigmoid')!;
    expect(dpuSupport(eff, sig, lim)).toEqual({ ok: false, rule: 'Sigmoid is not a DPU operator (Vitis AI runs it on the CPU)' });
    const mnv2 = analyze('mobilenetv2');
    for (const l of mnv2.layers) expect(dpuSupport(mnv2, l, lim), l.name).toEqual({ ok: true }); // ReLU6 = Clip(0,6)
    const convnext = analyze('convnext_tiny');
    const bad = new Set(convnext.layers.filter((l) => !dpuSupport(convnext, l, lim).ok).map((l) => l.op));
    // GELU is one layer once recognised (recognize-activations), still a CPU function.
    expect(bad.has('ReduceMean') && bad.has('Gelu') && bad.has('Transpose')).toBe(true);
  });
});

describe('latency model', () => {
  it('conv layers are compute-bound at the calibrated efficiency; activations fuse', () => {
    const g = analyze('resnet50');
    const t = resolveTarget();
    const conv = g.layers.find((l) => l.op === 'Conv' && l.cost!.macs > 1e8)!;
    const e = dpuLayerEstimate(g, conv, t.dpu);
    const expectedCompute = (2 * conv.cost!.macs) / (8192 * 1.25e9 * t.dpu.efficiency.conv) * 1e3;
    expect(e.computeMs).toBeCloseTo(expectedCompute, 12);
    expect(e.ms).toBeCloseTo(Math.max(e.computeMs, e.memoryMs) + t.dpu.overheads.perLayerMs, 12);
    const relu = g.layers.find((l) => l.op === 'Relu')!;
    expect(opClass(g, relu)).toBe('fused');
    expect(dpuLayerEstimate(g, relu, t.dpu).ms).toBe(0);
    const fp32 = gpuLayerEstimate(g, conv, t.gpu, 'fp32');
    const fp16 = gpuLayerEstimate(g, conv, t.gpu, 'fp16');
    expect(fp16.ms).toBeLessThan(fp32.ms);
  });
});

describe('measured profiles', () => {
  const names = new Set(['/conv1/Conv', '/relu/Relu', '/maxpool/MaxPool']);
  it('reads trtexec --exportProfile, splitting fused layer names', () => {
    const p = parseTrtexecProfile([
      { count: 100 },
      { name: '/conv1/Conv + /relu/Relu', timeMs: 5.1, averageMs: 0.051, medianMs: 0.05, percentage: 60 },
      { name: '/maxpool/MaxPool', timeMs: 2, averageMs: 0.02, percentage: 30 },
      { name: 'Reformatting CopyNode for Input Tensor 0 to /conv1/Conv', timeMs: 1, averageMs: 0.01, percentage: 10 },
    ], 'profile.json', names);
    expect([...p.layers.entries()]).toEqual([['/conv1/Conv', 0.05], ['/relu/Relu', 0], ['/maxpool/MaxPool', 0.02]]);
    expect(p.unmatched).toEqual([{ name: 'Reformatting CopyNode for Input Tensor 0 to /conv1/Conv', ms: 0.01 }]);
  });

  it('refuses files that are not trtexec profiles, naming the field', () => {
    const e = err(() => parseTrtexecProfile([{ count: 1 }, { name: 'x' }], 'p.json', names));
    expect(e.code).toBe('SPLITC4003');
    expect(e.location.field).toBe('1.averageMs');
    expect(err(() => parseTrtexecProfile({ layers: [] }, 'p.json', names)).code).toBe('SPLITC4003');
  });

  it('reads a GPU-half timing file: per-layer times whose sums over every measured suffix are the measured times', () => {
    const order = new Set(['a', 'b', 'c', 'd', 'e']);
    const p = parseGpuProfile({
      schemaVersion: 1, kind: 'gpu-suffix', device: 'NVIDIA H200',
      suffixes: [{ from: 'a', ms: 1.0 }, { from: 'c', ms: 0.6 }, { from: 'd', ms: 0.65 }, { from: 'ghost', ms: 3 }],
    }, 'h.json', order);
    // d measured slower than c (noise): c is flattened up to 0.65; then a..b = 1.0 - 0.65, c = 0, d..e = 0.65.
    expect([...p.layers.entries()]).toEqual([['a', 1.0 - 0.65], ['b', 0], ['c', 0], ['d', 0.65], ['e', 0]]);
    expect(p.unmatched).toEqual([{ name: 'ghost', ms: 3 }]);
    const sum = (from: number): number => [...p.layers.values()].slice(from).reduce((x, y) => x + y, 0);
    expect(sum(0)).toBeCloseTo(1.0, 12);
    expect(sum(3)).toBeCloseTo(0.65, 12);
    // An array is still read as trtexec's format.
    expect(parseGpuProfile([{ count: 1 }, { name: 'a', averageMs: 0.5 }], 't.json', order).layers.get('a')).toBe(0.5);
    const e = err(() => parseGpuProfile({ schemaVersion: 1, kind: 'gpu-suffix', device: 'x', suffixes: [{ from: 'a', ms: -1 }] }, 'h.json', order));
    expect(e.code).toBe('SPLITC4003');
    expect(e.location.field).toBe('suffixes.0.ms');
  });

  it('the GPU-half timings measured on an H200 feed plan: GPU times at measured splits are the measured ones', () => {
    const g = analyze('resnet18');
    const file = path.join(root, 'packages/targets/calibration/h200-device-2026-11-28/resnet18.gpu-profile.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { suffixes: { from: string; ms: number }[] };
    const gpu = parseGpuProfile(json, file, new Set(g.layers.map((l) => l.name)));
    expect(gpu.unmatched).toEqual([]);
    const t = resolveTarget({ target: 'vck190+h200' });
    const plan = planSplit(g, t, { measured: { gpu }, minCut: false });
    for (const s of json.suffixes) {
      const k = g.layers.findIndex((l) => l.name === s.from);
      const c = plan.candidates.find((x) => x.kind === 'prefix' && x.index === k)!;
      const flattened = Math.max(...json.suffixes.filter((x) => g.layers.findIndex((l) => l.name === x.from) >= k).map((x) => x.ms));
      expect(c.gpuMs).toBeCloseTo(flattened + t.gpu.overheads.perFrameMs, 9);
    }
    expect(plan.layers.every((l) => l.measured)).toBe(true);
  });

  it('reads the DPU timing file', () => {
    const p = parseDpuProfile({ schemaVersion: 1, device: 'vck190', layers: [{ name: '/conv1/Conv', ms: 0.2 }, { name: 'ghost', ms: 1 }] }, 'd.json', names);
    expect(p.layers.get('/conv1/Conv')).toBe(0.2);
    expect(p.unmatched).toHaveLength(1);
    expect(err(() => parseDpuProfile({ schemaVersion: 1, device: 'vck190', layers: [{ name: 'a', ms: -1 }] }, 'd.json', names)).location.field).toBe('layers.0.ms');
  });
});

describe('GPU kernel structure at batch 1', () => {
  const kernels = (g: Graph, from = 0, to = g.layers.length): Record<string, number> => {
    const n: Record<string, number> = {};
    gpuRoles(g).slice(from, to).forEach((r) => { const k = r.kind === 'kernel' ? r.cls : r.kind; n[k] = (n[k] ?? 0) + 1; });
    return n;
  };

  it('ResNet18: one kernel per convolution with its ReLU and residual Add, an RGB stem, pools and the FC', () => {
    const g = analyze('resnet18');
    // 20 Conv (the 7x7 stem on 3 channels is `narrow`), 17 Relu + 8 Add fused, MaxPool + GlobalAveragePool, Flatten free, Gemm.
    expect(kernels(g)).toEqual({ narrow: 1, conv: 19, fused: 25, memory: 2, free: 1, fc: 1 });
    const roles = gpuRoles(g);
    const add = g.layers.find((l) => l.name === '/layer1/layer1.0/Add')!;
    const conv2 = g.layers.find((l) => l.name === '/layer1/layer1.0/conv2/Conv')!;
    // The residual Add and the ReLU are pointwise functions of their own (a framework runs each as a kernel).
    expect(roles[add.index]).toEqual({ kind: 'fused', head: conv2.index, counted: true });
    const relu = g.layers.find((l) => l.name === '/layer1/layer1.0/relu_1/Relu')!;
    expect(roles[relu.index]).toEqual({ kind: 'fused', head: conv2.index, counted: true });
  });

  it('ConvNeXt: a decomposed LayerNorm is one kernel, GELU and layer scale fuse into the GEMMs, transposes are free', () => {
    const g = analyze('convnext_tiny');
    const block = g.layers.map((l, i) => [l, i] as const).filter(([l]) => l.name.startsWith('/features/features.1/features.1.0/'));
    const from = block[0]![1];
    const to = block[block.length - 1]![1] + 1;
    // dwconv, LayerNorm (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add), Linear + GELU, Linear + scale + residual.
    const k = kernels(g, from, to);
    expect(k.depthwise).toBe(1);
    expect(k.memory).toBe(1);
    expect(k.fc).toBe(2);
    expect(k.conv ?? 0).toBe(0);
    expect(Object.values(k).reduce((a, b) => a + b, 0)).toBe(to - from);
    // GELU = x·(1 + erf(x/√2))/2 counts once (its Erf); LayerNorm's steps and bias adds not at all.
    const counted = block.filter(([, i]) => { const r = gpuRoles(g)[i]!; return r.kind === 'fused' && r.counted; }).map(([l]) => l.op);
    // GELU (its Erf, or one Gelu op where the importer recognised the pattern) and the residual Add.
    expect(counted.filter((op) => op === 'Erf' || op === 'Gelu')).toHaveLength(1);
    expect(counted.filter((op) => op === 'Add')).toHaveLength(1);
    expect(counted).toHaveLength(2);
    const ln = block.filter(([l]) => ['Sub', 'Pow', 'Sqrt', 'Div'].includes(l.op) && l.name.includes('/norm/'));
    for (const [l, i] of ln) expect(gpuRoles(g)[i], l.name).toMatchObject({ kind: 'fused', counted: false });
    for (const l of g.layers) if (l.op === 'Transpose') expect(gpuRoles(g)[l.index]).toEqual({ kind: 'free' });
  });

  it('EfficientNet: SiLU fuses into its convolution; the squeeze-excitation multiply is a kernel of its own', () => {
    const g = analyze('efficientnet_b0');
    const roles = gpuRoles(g);
    for (const l of g.layers.filter((x) => x.op === 'Sigmoid' || x.op === 'Mul')) {
      const r = roles[l.index]!;
      const out = g.tensors.get(l.outputs[0]!)!.shape!;
      const x = g.tensors.get(l.inputs[0]!)!.shape!;
      // SE: Mul(x [1,C,H,W], s [1,C,1,1]) broadcasts a smaller tensor: it cannot be a GEMM epilogue.
      const se = l.op === 'Mul' && l.inputs.some((n) => g.tensors.get(n)!.shape!.slice(2).every((d) => d === 1)) && out[2]! > 1;
      if (se) expect(r, l.name).toEqual({ kind: 'kernel', cls: 'memory' });
      // SiLU = x·σ(x): the Sigmoid counts, the Mul is its second half.
      else expect(r, `${l.name} ${x.join('x')}`).toMatchObject({ kind: 'fused', counted: l.op === 'Sigmoid' });
    }
  });

  it('a layer that starts a kernel costs floor + compute + memory; fused layers cost fusedOpMs; free ones nothing', () => {
    const g = analyze('resnet50');
    const { gpu } = resolveTarget({ target: 'vck190+h200' });
    const conv = g.layers.find((l) => l.name === '/layer3/layer3.1/conv2/Conv')!; // 3x3, 256 -> 256 channels, 14x14
    const e = gpuLayerEstimate(g, conv, gpu, 'fp16');
    const macs = conv.cost!.macs;
    expect(macs).toBe(14 * 14 * 256 * 256 * 9);
    expect(e.computeMs).toBeCloseTo((2 * macs) / (989.5e12 * gpu.efficiency.fp16.conv) * 1e3, 12);
    // Weights only: the 14x14x256 activations stay in the 60 MB L2.
    expect(e.memoryMs).toBeCloseTo((conv.cost!.params * 2) / (4.8e12 * gpu.memory.efficiency) * 1e3, 12);
    expect(e.ms).toBeCloseTo(gpu.kernels!.floorMs.conv + e.computeMs + e.memoryMs, 12);
    const relu = g.layers.find((l) => l.name === '/layer3/layer3.1/relu_1/Relu')!;
    expect(gpuLayerEstimate(g, relu, gpu, 'fp16').ms).toBe(gpu.kernels!.fusedOpMs);
    expect(gpu.kernels!.fusedOpMs).toBeGreaterThan(0);
    const flatten = g.layers.find((l) => l.op === 'Flatten')!;
    expect(gpuLayerEstimate(g, flatten, gpu, 'fp16').ms).toBe(0);
  });

  it('a GPU profile without a kernels section prices every kernel at perLayerMs (user files keep working)', () => {
    const g = analyze('resnet18');
    const { gpu } = resolveTarget({ target: 'vck190+rtx2080' });
    const { kernels: _k, ...plain } = gpu;
    const conv = g.layers.find((l) => l.op === 'Conv' && l.index > 3)!;
    const e = gpuLayerEstimate(g, conv, plain as GpuDevice, 'fp16');
    expect(e.ms).toBeCloseTo(plain.overheads.perLayerMs + e.computeMs + e.memoryMs, 12);
  });
});

describe('h200 profile against the H200 measurements (packages/targets/calibration)', () => {
  const cal = path.join(root, 'packages/targets/calibration');
  const reference = JSON.parse(readFileSync(path.join(cal, 'h200-reference.json'), 'utf8')) as { whole: Record<string, { fp16: number; fp32: number }> };
  const fixture = (name: string): Graph => {
    const alias = name === 'mobilenet_v2' ? 'mobilenetv2' : name;
    const f = path.join(root, 'fixtures/models', `${alias}.onnx`);
    return analyzeModel(loadModel(readdirSync(path.dirname(f)).includes(`${alias}.onnx`) ? f : path.join(root, 'fixtures/models/calibration', `${alias}.onnx`)));
  };
  const summary = (pairs: [number, number][]): { geomean: number; worst: number } => {
    const r = pairs.map(([e, m]) => Math.max(e / m, m / e));
    return { geomean: Math.exp(r.reduce((s, x) => s + Math.log(x), 0) / r.length), worst: Math.max(...r) };
  };

  it('GPU-only fp16 estimates of the 11 fitted architectures: within 1.2x in geometric mean and 1.5x worst; the profile states these errors', () => {
    const t = resolveTarget({ target: 'vck190+h200', precision: 'fp16' });
    const pairs: [number, number][] = Object.entries(reference.whole).map(([name, m]) => [planSplit(fixture(name), t, { minCut: false }).baselines.gpuOnly.gpuMs, m.fp16]);
    expect(pairs).toHaveLength(11);
    const s = summary(pairs);
    expect(s.geomean).toBeLessThanOrEqual(1.2);
    expect(s.worst).toBeLessThanOrEqual(1.5);
    const stated = t.gpu.provenance!.errors.find((e) => e.set === 'fit' && e.precision === 'fp16')!;
    expect(stated.geomeanRatio).toBeCloseTo(s.geomean, 3);
    expect(stated.worstRatio).toBeCloseTo(s.worst, 3);
  }, 60_000);

  it('the GPU half after each measured stage of ResNet18/50, VGG16 and MobileNetV2, as a fraction of the whole: within 0.05', () => {
    const t = resolveTarget({ target: 'vck190+h200', precision: 'fp16' });
    const suffix = (JSON.parse(readFileSync(path.join(cal, 'h200-reference.json'), 'utf8')) as { suffix: Record<string, Record<string, number>> }).suffix;
    // The first layer of each stage, by the ONNX exporter's module-path names.
    const start = (g: Graph, stage: string): number => {
      const prefix = stage.startsWith('layer') ? `/${stage}/` : `/features/${stage}/`;
      const k = g.layers.findIndex((l) => l.name.startsWith(prefix));
      return k >= 0 ? k : g.layers.findIndex((l) => !l.name.startsWith('/features/') && !/^\/(conv1|relu|maxpool|layer\d)\//.test(l.name));
    };
    let worst = 0;
    let n = 0;
    for (const [name, stages] of Object.entries(suffix)) {
      const g = fixture(name);
      const plan = planSplit(g, t, { minCut: false });
      const whole = plan.baselines.gpuOnly.gpuMs;
      for (const [stage, ms] of Object.entries(stages)) {
        if (stage === 'input') continue;
        const k = start(g, stage);
        const c = plan.candidates.find((x) => x.kind === 'prefix' && x.index === k)!;
        worst = Math.max(worst, Math.abs(c.gpuMs / whole - ms / stages.input!));
        n++;
      }
    }
    expect(n).toBe(21);
    expect(worst).toBeLessThanOrEqual(0.05);
  }, 60_000);

  it('the held-out error the profile states is what its 16 held-out measurements give', () => {
    const t = resolveTarget({ target: 'vck190+h200', precision: 'fp16' });
    const whole = JSON.parse(readFileSync(path.join(cal, 'h200-device-2026-11-28/whole.json'), 'utf8')) as { heldOut: string[]; ms: Record<string, { fp16: number }> };
    const pairs: [number, number][] = whole.heldOut.map((name) => [planSplit(fixture(name), t, { minCut: false }).baselines.gpuOnly.gpuMs, whole.ms[name]!.fp16]);
    expect(pairs).toHaveLength(16);
    const s = summary(pairs);
    const stated = t.gpu.provenance!.errors.find((e) => e.set === 'held-out' && e.precision === 'fp16')!;
    expect(stated.points).toBe(16);
    expect(stated.geomeanRatio).toBeCloseTo(s.geomean, 3);
    expect(stated.worstRatio).toBeCloseTo(s.worst, 3);
  }, 60_000);
});
