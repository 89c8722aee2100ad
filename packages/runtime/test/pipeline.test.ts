// The split running end to end over real loopback sockets: the DPU half (reference, int8 NHWC at
// calibrated fix_points) → KServe v2 → the GPU half behind the seam → the sink, checked frame by
// frame against the fp32 model; the two same-shape crossings of tinyres at --split 5 routed by
// name; and a GPU server killed mid-stream.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '@splitc/compile';
import { readManifest } from '@splitc/compile';
import { planPace, ReferenceDpu, ReferenceGpu, ReferenceModel, run, seamPlan, seededFrame, serve, typedView } from '@splitc/runtime';
import { SplitcError } from '@splitc/diagnostics';
import { havePython, PYTHON } from '../../ir/test/python.js';

const ROOT = path.resolve(__dirname, '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'splitc-runtime-'));
const tinyres = path.join(dir, 'tinyres');
const mobilenet = path.join(dir, 'mobilenetv2');

beforeAll(() => {
  process.chdir(ROOT);
  compile('fixtures/models/tinyres-weights.onnx', { output: tinyres, split: 5, onWarning: () => undefined });
  compile('fixtures/models/mobilenetv2-weights.onnx', { output: mobilenet });
});

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0; let aa = 0; let bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i]! * b[i]!; aa += a[i]! ** 2; bb += b[i]! ** 2; }
  return ab / Math.sqrt(aa * bb);
}

describe('splitc run (reference pipeline)', () => {
  it('tinyres at --split 5: 300 frames, every output within cosine 0.999 of the fp32 model, in order', async () => {
    const m = readManifest(tinyres);
    expect(m.seam.batch).toBe(6);
    expect(m.seam.wire).toEqual({
      protocol: 'kserve-v2', model: 'tinyres-weights',
      inputs: [
        { name: '/b1/b1.3/Conv_output_0', datatype: 'INT8', shape: [6, 32, 32, 16] },
        { name: '/stem/stem.2/Relu_output_0', datatype: 'INT8', shape: [6, 32, 32, 16] },
      ],
      outputs: [{ name: 'output', datatype: 'FP32', shape: [6, 10] }],
    });
    const seen: number[] = [];
    const r = await run(tinyres, { frames: 300, onProgress: (e) => seen.push(e.done) });
    expect(r.frames).toBe(300);
    expect(seen.at(-1)).toBe(300);
    expect(r.stages.dpu.calls).toBe(50);
    expect(r.stages.link.requests).toBe(50);
    expect(r.check!.frames).toBe(300);
    expect(r.check!.minCosine).toBeGreaterThanOrEqual(0.999);
    expect(r.check!.top1Agreement).toBeGreaterThanOrEqual(0.99);
    expect(r.check!.orderAgreement).toBe(1);
    // The two crossings have the same shape and different fix_points.
    const fp = r.fixPoints.crossings;
    expect(fp['/b1/b1.3/Conv_output_0']).not.toBe(fp['/stem/stem.2/Relu_output_0']);
    expect(r.latencyMs.p99).toBeGreaterThanOrEqual(r.latencyMs.p50);
    expect(r.fps).toBeGreaterThan(0);
  });

  it("takes its concurrency from the manifest (the target profile's), and keeps frame order with several DPU calls in flight", async () => {
    const m = readManifest(tinyres);
    expect(m.seam.runtime).toEqual({ dpuRunnerThreads: 2, gpuContexts: 2 });
    const d = await run(tinyres, { frames: 12, check: false });
    expect(d.concurrency).toEqual({ runnerThreads: 2, gpuContexts: 2 });
    const r = await run(tinyres, { frames: 60, runnerThreads: 3 });
    expect(r.concurrency.runnerThreads).toBe(3);
    expect(r.stages.dpu.calls).toBe(10);
    expect(r.check!.orderAgreement).toBe(1);
    expect(r.check!.minCosine).toBeGreaterThanOrEqual(0.999);
    await expect(run(tinyres, { frames: 6, runnerThreads: 0 })).rejects.toThrow('runner threads 0 must be a positive integer');
  });

  it('routes the two same-shape crossings by name: swapping them, or their fix_points, breaks the check', async () => {
    const m = readManifest(tinyres);
    const seam = seamPlan(m, 'manifest.json');
    const dpu = await ReferenceDpu.create(tinyres, m, seam);
    const gpu = await ReferenceGpu.create(tinyres, m, seam);
    const ref = await ReferenceModel.create('fixtures/models/tinyres-weights.onnx', 'input', dpu.inputShape);
    await dpu.calibrate(Array.from({ length: 32 }, (_, i) => seededFrame(2, i, dpu.inputShape)));
    const frames = Array.from({ length: 6 }, (_, i) => seededFrame(1, i, dpu.inputShape));
    const want = await Promise.all(frames.map(async (f) => (await ref.run(f)).output!));
    const worst = async (tensors: Parameters<typeof gpu.execute>[0]): Promise<number> => {
      const out = typedView((await gpu.execute(tensors, 6))[0]!) as Float32Array;
      return Math.min(...want.map((w, i) => cosine(out.subarray(i * 10, (i + 1) * 10), w)));
    };
    const t = await dpu.runBatch(frames);
    expect(t.map((x) => x.name)).toEqual(['/b1/b1.3/Conv_output_0', '/stem/stem.2/Relu_output_0']);
    expect(await worst(t)).toBeGreaterThanOrEqual(0.999);
    const [a, b] = t as [typeof t[0], typeof t[0]];
    expect(await worst([{ ...a, data: b.data }, { ...b, data: a.data }])).toBeLessThan(0.99);
    expect(await worst([{ ...a, parameters: b.parameters! }, { ...b, parameters: a.parameters! }])).toBeLessThan(0.99);
    await Promise.all([dpu.release(), gpu.release(), ref.release()]);
  });

  it('mobilenetv2 at the planner\'s split: 300 frames within cosine 0.999, top-1 ≥ 99%', async () => {
    const r = await run(mobilenet, { frames: 300 });
    expect(r.frames).toBe(300);
    expect(r.check!.minCosine).toBeGreaterThanOrEqual(0.999);
    expect(r.check!.top1Agreement).toBeGreaterThanOrEqual(0.99);
  });

  // ResNet18 with (seeded random) weights is 45 MB: exported with Debian's PyTorch on first use into
  // fixtures/models/large/ (ignored by git), as the compile benchmark does for its models.
  it.runIf(havePython('torch', 'torchvision'))('resnet18 at the planner\'s split: 300 frames within cosine 0.999, top-1 ≥ 99%', async () => {
    const model = path.join(ROOT, 'fixtures/models/large/resnet18-weights.onnx');
    if (!existsSync(model)) {
      const r = spawnSync(PYTHON, [path.join(ROOT, 'scripts/export-fixtures.py'), '--only', 'resnet18', '--out', path.dirname(model), '--weights'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    const out = path.join(dir, 'resnet18');
    compile(model, { output: out });
    const r = await run(out, { frames: 300 });
    expect(r.frames).toBe(300);
    expect(r.check!.minCosine).toBeGreaterThanOrEqual(0.999);
    expect(r.check!.top1Agreement).toBeGreaterThanOrEqual(0.99);
    expect(r.check!.orderAgreement).toBe(1);
  }, 600_000);

  it('--pace plan paces each stage so that the slowest one is exactly the plan\'s stream period', () => {
    for (const out of [tinyres, mobilenet]) {
      const m = readManifest(out);
      const e = m.split.estimate;
      const p = planPace(m, 3);
      expect(p.gpuFrameMs).toBe(3 * e.gpuMs);
      expect(p.linkFrameMs).toBe(3 * e.linkMs);
      expect(p.predictedFps).toBeCloseTo(1000 / (3 * e.streamMs), 9);
      // Per frame: the DPU's batch time spread over its frames, the link's and the GPU's own times.
      expect(Math.max(p.dpuBatchMs / m.seam.batch, p.linkFrameMs, p.gpuFrameMs)).toBeCloseTo(3 * e.streamMs, 9);
    }
    expect(() => planPace(readManifest(tinyres), 0)).toThrow(/pace scale 0 must be positive/);
  });

  it('a GPU server that answers for another model, or none at all, is refused up front', async () => {
    const h = await serve(tinyres);
    try {
      const e = await run(mobilenet, { gpuUrl: h.url, frames: 6 }).then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(SplitcError);
      expect((e as SplitcError).code).toBe('SPLITC6003');
      expect((e as SplitcError).message).toMatch(/does not serve model "mobilenetv2-weights" \(HTTP 404\)/);
    } finally {
      await h.close();
    }
    const e = await run(tinyres, { gpuUrl: h.url, frames: 6 }).then(() => null, (x: unknown) => x);
    expect((e as SplitcError).message).toMatch(/connection refused/);
  });

  it('a GPU server killed mid-stream: run fails within 10 s, one line saying how many frames completed', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', `import { serve } from '@splitc/runtime'; const h = await serve(${JSON.stringify(tinyres)}); console.log(h.url);`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
    let killedAt = 0;
    const e = await run(tinyres, {
      gpuUrl: url, frames: 100_000,
      onProgress: (p) => { if (p.done >= 60 && killedAt === 0) { killedAt = performance.now(); child.kill('SIGKILL'); } },
    }).then(() => null, (x: unknown) => x);
    const took = performance.now() - killedAt;
    expect(killedAt).toBeGreaterThan(0);
    expect(e).toBeInstanceOf(SplitcError);
    const err = e as SplitcError;
    expect(err.code).toBe('SPLITC6003');
    expect(err.message).not.toContain('\n');
    const m = /; (\d+) of 100000 frames completed$/.exec(err.message);
    expect(m, err.message).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(60);
    expect(took).toBeLessThan(10_000);
  });
});
