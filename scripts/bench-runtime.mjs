#!/usr/bin/env node
// Benchmark: the runtime over loopback. Prints figures; not a test.
//
//   node scripts/bench-runtime.mjs [codec] [pace] [memory] [--frames N] [--memory-frames N]
//
//   codec   KServe v2 requests with binary tensor data through the node:http server (in a second
//           process) and client, over loopback, a no-op model, beside plain TCP between the same
//           two processes as the floor: GB/s for a 1.2 MB batch (6×56×56×64 INT8, a ResNet
//           crossing) with 4 and 1 requests in flight, and requests/s for a 1 KB body (a Nagle /
//           delayed-ACK stall would show here as ~25 requests/s).
//   pace    `run --pace plan` on tinyres (--split 5), mobilenetv2 and resnet18 (exported with
//           PyTorch on first use into fixtures/models/large/), at the planner's split: every
//           stage takes the plan's time for its batch, scaled by a factor large enough that the
//           reference executors (onnxruntime on this CPU) finish inside it — the factor is found
//           from an unpaced run and printed; efficiency = fps ÷ the plan's predicted rate at that
//           scale.
//   memory  tinyres --split 5 for 10,000 frames (checked against fp32 as usual): RSS and heap
//           every 1,000 frames; growth after warm-up.
import { fork, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceClient, run, startServer } from '@splitc/runtime';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  return Number(args.splice(at, 2)[1]);
};
const frames = option('--frames', 600);
const memoryFrames = option('--memory-frames', 10_000);
const which = args.length > 0 ? new Set(args) : new Set(['codec', 'pace', 'memory']);
if (!which.has('codec-server')) console.log(`node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const dir = mkdtempSync(path.join(tmpdir(), 'splitc-bench-runtime-'));

const SHAPE = [6, 56, 56, 64];
const ECHO = { name: 'echo', inputs: [{ name: 'x', datatype: 'INT8', shape: SHAPE }], outputs: [{ name: 'y', datatype: 'FP32', shape: [6, 1] }] };

/** The server side of the codec benchmark, in its own process (as `splitc serve` would be). */
async function codecServer() {
  const server = await startServer({ model: ECHO, contexts: 4, execute: async (_inputs, n) => ({ outputs: [{ name: 'y', datatype: 'FP32', shape: [n, 1], data: new Uint8Array(n * 4) }], computeMs: 0 }) });
  const small = await startServer({ model: { ...ECHO, inputs: [{ name: 'x', datatype: 'INT8', shape: [1, 4, 4, 64] }] }, execute: async (_inputs, n) => ({ outputs: [{ name: 'y', datatype: 'FP32', shape: [n, 1], data: new Uint8Array(n * 4) }], computeMs: 0 }) });
  const raw = net.createServer((s) => s.resume());
  await new Promise((r) => raw.listen(0, '127.0.0.1', r));
  process.send({ url: server.url, smallUrl: small.url, rawPort: raw.address().port });
}

async function codec() {
  const child = fork(fileURLToPath(import.meta.url), ['codec-server']);
  const { url, smallUrl, rawPort } = await new Promise((r) => child.once('message', r));
  // The floor: the same bytes over a plain TCP socket between the two processes.
  {
    const buf = Buffer.alloc(SHAPE.reduce((a, b) => a * b, 1), 1);
    const n = 1000;
    const c = net.connect(rawPort, '127.0.0.1');
    await new Promise((r) => c.once('connect', r));
    const t0 = performance.now();
    for (let i = 0; i < n; i++) if (!c.write(buf)) await new Promise((r) => c.once('drain', r));
    await new Promise((r) => c.end(r));
    const s = (performance.now() - t0) / 1000;
    console.log(`codec  floor: plain TCP between the two processes, ${(n * buf.length / s / 1e9).toFixed(2)} GB/s`);
  }
  const measure = async (label, s, count, window, url) => {
    const data = new Uint8Array(s.reduce((a, b) => a * b, 1)).map((_, i) => i);
    const client = new InferenceClient(url, 'echo', { maxResponseBytes: 1 << 16, window });
    const one = () => client.infer({ inputs: [{ name: 'x', datatype: 'INT8', shape: s, data }] });
    for (let i = 0; i < 20; i++) await one(); // warm-up: connections, JIT
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: window }, async () => { while (next++ < count) await one(); }));
    const s2 = (performance.now() - t0) / 1000;
    client.close();
    console.log(`codec  ${label}: ${count} requests in ${s2.toFixed(2)} s = ${(count / s2).toFixed(0)} req/s, ${((count * data.length) / s2 / 1e9).toFixed(2)} GB/s of tensor data`);
  };
  const bytes = SHAPE.reduce((a, b) => a * b, 1);
  await measure(`${(bytes / 1e6).toFixed(2)} MB INT8 batch, window 4`, SHAPE, 2000, 4, url);
  await measure(`${(bytes / 1e6).toFixed(2)} MB INT8 batch, window 1`, SHAPE, 1000, 1, url);
  await measure('1 KB (1×4×4×64), window 1', [1, 4, 4, 64], 5000, 1, smallUrl);
  child.kill();
}

async function pace() {
  const { compile } = await import('splitc');
  const models = [
    ['tinyres --split 5', 'fixtures/models/tinyres-weights.onnx', { split: 5 }],
    ['mobilenetv2', 'fixtures/models/mobilenetv2-weights.onnx', {}],
    ['resnet18', 'fixtures/models/large/resnet18-weights.onnx', {}],
  ];
  if (!existsSync(models[2][1])) {
    console.error('exporting resnet18 with (seeded random) weights with PyTorch …');
    const r = spawnSync('/usr/bin/python3', ['scripts/export-fixtures.py', '--only', 'resnet18', '--out', 'fixtures/models/large', '--weights'], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(1);
  }
  for (const [label, file, opts] of models) {
    const out = path.join(dir, label.replace(/\W+/g, '-'));
    const m = compile(file, { output: out, force: true, onWarning: () => undefined, ...opts });
    const e = m.split.estimate;
    // Unpaced: how long the reference executors take per batch here.
    const free = await run(out, { frames: Math.min(frames, 120) });
    const perBatch = {
      dpu: free.stages.dpu.busyMs / free.stages.dpu.calls,
      gpu: free.stages.gpu.busyMs / free.stages.link.requests,
    };
    const dpuPlan = e.streamMs > Math.max(e.linkMs, e.gpuMs) ? e.streamMs * m.seam.batch : e.dpuMs;
    const scale = Math.ceil(2 * Math.max(perBatch.dpu / dpuPlan, perBatch.gpu / (m.seam.batch * e.gpuMs)));
    const r = await run(out, { frames, pace: 'plan', paceScale: scale });
    console.log(`pace   ${label}: plan ${e.streamMs.toFixed(3)} ms/frame (DPU ${e.dpuMs.toFixed(3)}, link ${e.linkMs.toFixed(3)}, GPU ${e.gpuMs.toFixed(3)} ms); reference executors per batch here: DPU ${perBatch.dpu.toFixed(1)} ms, GPU ${perBatch.gpu.toFixed(1)} ms (unpaced ${free.fps.toFixed(0)} fps)`);
    console.log(`       --pace plan ×${scale}: ${r.frames} frames, ${r.fps.toFixed(1)} fps against a predicted ${r.pace.predictedFps.toFixed(1)} → efficiency ${r.efficiency.toFixed(3)} (once full: ${r.steadyEfficiency?.toFixed(3)}); latency p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms; busy DPU ${r.stages.dpu.busyMs.toFixed(0)} / link ${r.stages.link.busyMs.toFixed(0)} / GPU ${r.stages.gpu.busyMs?.toFixed(0)} / sink ${r.stages.sink.busyMs.toFixed(0)} ms of ${r.wallMs.toFixed(0)}; min cosine ${r.check.minCosine.toFixed(6)}`);
  }
}

async function memory() {
  const { compile } = await import('splitc');
  const out = path.join(dir, 'tinyres-mem');
  compile('fixtures/models/tinyres-weights.onnx', { output: out, split: 5, force: true, onWarning: () => undefined });
  const samples = [];
  let nextAt = 0;
  const r = await run(out, {
    frames: memoryFrames,
    onProgress: (p) => {
      if (p.done >= nextAt) {
        const u = process.memoryUsage();
        samples.push([p.done, u.rss / 2 ** 20, u.heapUsed / 2 ** 20, u.external / 2 ** 20]);
        nextAt += 1000;
      }
    },
  });
  for (const [n, rss, heap, ext] of samples) console.log(`memory ${String(n).padStart(6)} frames: RSS ${rss.toFixed(1)} MiB, heap ${heap.toFixed(1)} MiB, external ${ext.toFixed(1)} MiB`);
  const warm = samples.find((s) => s[0] >= 2000) ?? samples[0];
  const last = samples.at(-1);
  console.log(`memory ${r.frames} frames at ${r.fps.toFixed(0)} fps: RSS ${warm[1].toFixed(1)} → ${last[1].toFixed(1)} MiB from frame ${warm[0]} to ${last[0]} (${(last[1] - warm[1]).toFixed(1)} MiB); min cosine ${r.check.minCosine.toFixed(6)}`);
}

if (which.has('codec-server')) await codecServer();
else if (which.has('codec')) await codec();
if (which.has('pace')) await pace();
if (which.has('memory')) await memory();
if (which.has('codec-server')) await new Promise(() => undefined);
