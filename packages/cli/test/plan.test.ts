// `splitc plan` end to end: JSON contract, the plan file, flags and their errors, calibration.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlan, plan } from 'splitc';
import { ROOT, splitc } from './run-cli.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'splitc-plan-'));

describe('splitc plan --json', () => {
  it('prints one object with target, objective, best, baselines and candidates', () => {
    const r = splitc(['plan', 'fixtures/models/resnet50.onnx', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['target', 'objective', 'best', 'baselines', 'speedups', 'candidates', 'unsupported', 'measured', 'accuracy', 'predictor', 'notes']);
    expect(j.predictor).toEqual({ name: 'exact' });
    // The model's own error and what in each profile is measured, fitted or assumed.
    expect(j.measured).toEqual({ gpu: null, dpu: null });
    expect(Object.keys(j.accuracy.gpu)).toEqual(['basis', 'measured', 'fitted', 'assumed', 'errors']);
    expect(j.accuracy.gpu.errors.length).toBeGreaterThan(0);
    expect(j.accuracy.dpu.errors[0]).toMatchObject({ set: 'fit', points: 3 });
    expect(j.target).toEqual({ dpu: 'vck190', gpu: 'rtx2080', link: 'pcie', precision: 'fp16', vaiTarget: 'DPUCVDX8G_ISA3_C32B6', dpuParallelFrames: 6 });
    expect(j.objective).toBe('stream');
    const fields = ['kind', 'index', 'crossingTensors', 'crossingBytes', 'dpuLayers', 'gpuLayers', 'dpuMs', 'linkMs', 'gpuMs', 'streamMs', 'latencyMs'];
    for (const c of [j.best, j.baselines.dpuOnly, j.baselines.gpuOnly, ...j.candidates]) expect(Object.keys(c)).toEqual(fields);
    expect(j.baselines.gpuOnly.index).toBe(0);
    expect(j.baselines.dpuOnly.index).toBe(j.best.dpuLayers + j.best.gpuLayers);
    expect(j.best.streamMs).toBe(Math.min(...j.candidates.map((c: { streamMs: number }) => c.streamMs)));
    expect(j.speedups.overGpuOnly).toBeCloseTo(j.baselines.gpuOnly.streamMs / j.best.streamMs, 12);
  });

  it('--objective latency minimises latency; the API gives the same plan', () => {
    const r = splitc(['plan', 'fixtures/models/vgg16.onnx', '--json', '--objective', 'latency', '--link', '10gbe', '--precision', 'fp32']);
    const j = JSON.parse(r.stdout);
    expect(j.objective).toBe('latency');
    expect(j.best.latencyMs).toBe(Math.min(...j.candidates.map((c: { latencyMs: number }) => c.latencyMs)));
    const p = plan('fixtures/models/vgg16.onnx', { objective: 'latency', link: '10gbe', precision: 'fp32' });
    expect(JSON.parse(JSON.stringify(p.best))).toEqual(j.best);
  });
});

describe('splitc plan -o plan.json', () => {
  it('writes a versioned plan that validates and is byte-identical on re-run', () => {
    const d = tmp();
    const a = path.join(d, 'a.json');
    const b = path.join(d, 'b.json');
    expect(splitc(['plan', 'fixtures/models/mobilenetv2.onnx', '-o', a]).status).toBe(0);
    expect(splitc(['plan', 'fixtures/models/mobilenetv2.onnx', '-o', b]).status).toBe(0);
    expect(readFileSync(a)).toEqual(readFileSync(b));
    const p = parsePlan(JSON.parse(readFileSync(a, 'utf8')), a);
    expect(p.schemaVersion).toBe(2);
    expect(p.split.dpuLayers.length + p.split.gpuLayers.length).toBe(p.model.layers);
    expect(p.split.cutTensors.every((t) => t.bytes === t.shape.reduce((x, y) => x * y, 1))).toBe(true);
  });
});

describe('measured profiles override estimates', () => {
  it('a trtexec profile replaces the GPU time of the layers it names', () => {
    const d = tmp();
    const prof = path.join(d, 'profile.json');
    writeFileSync(prof, JSON.stringify([
      { count: 10 },
      { name: '/classifier/classifier.1/Gemm + /classifier/classifier.2/Relu', timeMs: 50, averageMs: 5, medianMs: 5, percentage: 90 },
      { name: 'Reformatting CopyNode', timeMs: 1, averageMs: 0.1, percentage: 10 },
    ]));
    const base = plan('fixtures/models/lenet5.onnx');
    const measured = plan('fixtures/models/lenet5.onnx', { profileGpu: prof });
    const gemm = measured.layers.find((l) => l.name === '/classifier/classifier.1/Gemm')!;
    expect(gemm.gpuMs).toBe(5);
    expect(gemm.measured).toBe(true);
    expect(measured.layers.find((l) => l.name === '/classifier/classifier.2/Relu')!.gpuMs).toBe(0);
    expect(measured.measured.gpu).toEqual({ file: prof, matched: 2, unmatched: 1 });
    expect(measured.baselines.gpuOnly.gpuMs).toBeGreaterThan(base.baselines.gpuOnly.gpuMs + 4);
  });
});

describe('bad flags and files: one line naming the field', () => {
  const cases: [string, string[], RegExp, number][] = [
    ['unknown DPU', ['--target', 'vck999+rtx2080'], /^error SPLITC4002: field --target: unknown target: "vck999" is not a known DPU \(known: vck190, zcu102, zcu104\)\n$/, 1],
    ['unknown link', ['--link', 'wifi'], /^error SPLITC4002: field --link: unknown target: "wifi" is not a known link/, 1],
    ['bad precision', ['--precision', 'int4'], /^error SPLITC9001: field --precision: precision "int4" must be one of fp16, fp32 \(run splitc plan --help\)\n$/, 2],
    ['bad objective', ['--objective', 'fast'], /^error SPLITC9001: field --objective: objective "fast" must be one of stream, latency \(run splitc plan --help\)\n$/, 2],
    ['missing target file', ['--target-file', 'nope.json'], /^error SPLITC1001: nope.json: cannot read file: no such file\n$/, 1],
    ['unknown flag', ['--bogus'], /^error SPLITC9001: unknown option --bogus \(run splitc plan --help\)\n$/, 2],
  ];
  for (const [what, flags, re, code] of cases) {
    it(what, () => {
      const r = splitc(['plan', 'fixtures/models/lenet5.onnx', ...flags]);
      expect(r.stderr).toMatch(re);
      expect(r.status).toBe(code);
      expect(r.stdout).toBe('');
    });
  }

  it('a bad target file names the field', () => {
    const f = path.join(tmp(), 't.json');
    writeFileSync(f, JSON.stringify({ schemaVersion: 1, links: { fast: { name: 'fast', description: '', bandwidthBytesPerS: -1, latencyMs: 0 } } }));
    const r = splitc(['plan', 'fixtures/models/lenet5.onnx', '--target-file', f, '--link', 'fast']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error SPLITC4001: ${f}: field links\\.fast\\.bandwidthBytesPerS: invalid target description: .*\\n$`));
  });
});

describe('calibration (docs/calibration.md)', () => {
  // Vitis AI 3.0 Model Zoo, VCK190 C32B6, multi-thread fps.
  const published: Record<string, number> = { resnet50: 2688.35, mobilenetv2: 4930.31, vgg16: 621.19 };
  const doc = readFileSync(path.join(ROOT, 'docs/calibration.md'), 'utf8');
  for (const [model, fps] of Object.entries(published)) {
    it(`${model}: DPU-only estimate within ±30% of ${fps} fps, as the docs table says`, () => {
      const p = plan(`fixtures/models/${model}.onnx`);
      const est = 1000 / p.baselines.dpuOnly!.streamMs;
      expect(Math.abs(est / fps - 1)).toBeLessThanOrEqual(0.3);
      expect(doc).toContain(`| ${fps} | ${est.toFixed(1)} |`);
    });
  }
});
