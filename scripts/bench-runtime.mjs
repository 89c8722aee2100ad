#!/usr/bin/env node
// Benchmark: the runtime over loopback. Prints figures; not a test.
//
//   node scripts/bench-runtime.mjs [codec] [pace] [memory] [--frames N] [--memory-frames N] [--repeat N] [--case NAME]
//
//   codec   KServe v2 requests with binary tensor data through the runtime's server (in a second
//           process) and the client, over loopback, a no-op model, each case beside plain TCP
//           between two processes (the floor, measured just before it: the receiver reads into one
//           fixed buffer; an echo is a Node stream pipe): per request the payload size, requests/s
//           and GB/s of tensor bytes each way, the ratio to the floor, and the CPU each process
//           used. For the first case also bare node:http (no codec) and plain TCP read the default
//           Node way (a new Buffer per read, as node:http's server reads). Cases: one ResNet18 crossing ×6 frames (6×56×56×64 INT8, 1.2 MB) → logits with
//           4 and 1 requests in flight; the same crossing echoed back (1.2 MB each way); a 48-frame
//           batch (9.6 MB); a 1 KB body for requests/s (a Nagle / delayed-ACK stall would show
//           here as ~25 requests/s). --repeat N runs them N times and prints min and median;
//           --case NAME runs one case (crossing, echo, large, small).
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
import http from 'node:http';
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
  const v = args.splice(at, 2)[1];
  return typeof fallback === 'string' || name === '--case' ? v : Number(v);
};
const frames = option('--frames', 600);
const memoryFrames = option('--memory-frames', 10_000);
const repeat = option('--repeat', 1);
const only = option('--case', undefined);
const which = args.length > 0 ? new Set(args) : new Set(['codec', 'pace', 'memory']);
if (!which.has('codec-server') && !which.has('floor-server')) console.log(`node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const dir = mkdtempSync(path.join(tmpdir(), 'splitc-bench-runtime-'));

// The codec cases. `in`/`out`: the request's input and the response's output tensor; the executor
// answers without computing (zeros, or for `echo` the request's bytes unchanged), so what is timed
// is the codec, the HTTP/1.1 framing and the sockets.
const CROSSING = [6, 56, 56, 64]; // one ResNet18 crossing (layer1 output, NHWC INT8) × 6 frames
const CASES = {
  crossing: { label: 'ResNet18 crossing ×6 frames → logits', in: { datatype: 'INT8', shape: CROSSING }, out: { datatype: 'FP32', shape: [6, 1000] }, count: 1500 },
  echo: { label: 'ResNet18 crossing ×6 frames, echoed back', in: { datatype: 'INT8', shape: CROSSING }, out: { datatype: 'INT8', shape: CROSSING }, count: 1000, echo: true },
  large: { label: 'ResNet18 crossing ×48 frames → logits', in: { datatype: 'INT8', shape: [48, 56, 56, 64] }, out: { datatype: 'FP32', shape: [48, 1000] }, count: 200 },
  small: { label: '1×4×4×64 INT8 → 1 FP32 (latency)', in: { datatype: 'INT8', shape: [1, 4, 4, 64] }, out: { datatype: 'FP32', shape: [1, 1] }, count: 5000 },
};
const bytesOf = (t) => t.shape.reduce((a, b) => a * b, 1) * (t.datatype === 'FP32' ? 4 : 1);
const modelOf = (name, c) => ({ name, inputs: [{ name: 'x', ...c.in }], outputs: [{ name: 'y', ...c.out }] });

/** The server side of the codec benchmark, in its own process (as `splitc serve` would be). */
async function codecServer() {
  const urls = {};
  for (const [name, c] of Object.entries(CASES)) {
    const zeros = new Uint8Array(bytesOf(c.out));
    const execute = c.echo
      ? async (inputs, n) => ({ outputs: [{ name: 'y', datatype: c.out.datatype, shape: [n, ...c.out.shape.slice(1)], data: inputs[0].data }], computeMs: 0 })
      : async (_inputs, n) => ({ outputs: [{ name: 'y', datatype: c.out.datatype, shape: [n, ...c.out.shape.slice(1)], data: zeros.subarray(0, (zeros.length / c.out.shape[0]) * n) }], computeMs: 0 });
    urls[name] = (await startServer({ model: modelOf(name, c), contexts: 4, execute })).url;
  }
  process.on('message', (m) => {
    if (m === 'exit') process.exit(0);
    if (m === 'cpu') process.send({ cpu: process.cpuUsage() });
  });
  process.send({ urls });
}

/**
 * The references, in a process of their own (so that their traffic does not change the codec
 * server's garbage collector): plain TCP (a receiver that drops what it reads, and an echo) and
 * bare node:http.
 */
async function floorServer() {
  const echo = net.createServer({ noDelay: true }, (s) => s.pipe(s));
  // Plain TCP read the default way (a new Buffer per read, stream events), as node:http reads.
  const streamSink = net.createServer({ noDelay: true }, (s) => s.resume());
  // Bare node:http, no codec: drops the body, answers with as many bytes as the crossing case.
  const answer = Buffer.alloc(bytesOf(CASES.crossing.out));
  const bare = http.createServer({ noDelay: true }, (req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => { res.writeHead(200, { 'content-length': String(answer.length) }); res.end(answer); });
  });
  await Promise.all([echo, bare, streamSink].map((x) => new Promise((r) => x.listen(0, '127.0.0.1', r))));
  process.on('message', (m) => {
    if (m === 'exit') process.exit(0);
    // The best plain TCP can do here: the receiver reads into one fixed buffer (no buffer per
    // read, no stream machinery) and drops the bytes; it connects to the sender.
    if (m?.sinkTo !== undefined) {
      let got = 0;
      let done = false;
      net.connect({ port: m.sinkTo, host: '127.0.0.1', noDelay: true, onread: { buffer: Buffer.allocUnsafe(1 << 20), callback: (n) => { got += n; if (got >= m.total && !done) { done = true; process.send({ sunk: got }); } return true; } } });
    }
  });
  process.send({ echoPort: echo.address().port, barePort: bare.address().port, streamSinkPort: streamSink.address().port });
}

/**
 * Plain TCP between the two processes, the same bytes in `size`-byte writes: to a receiver reading
 * into one fixed buffer (in the floor process, which connects here), or to `port`: echoed back (a
 * Node stream pipe), or read the default way and dropped.
 */
async function tcpFloor(floors, port, size, total, echo) {
  if (port === null) {
    const buf = Buffer.alloc(size, 1);
    const listener = net.createServer({ noDelay: true });
    await new Promise((r) => listener.listen(0, '127.0.0.1', r));
    const accepted = new Promise((r) => listener.once('connection', r));
    floors.send({ sinkTo: listener.address().port, total });
    const c = await accepted;
    const sunk = new Promise((r) => floors.once('message', r));
    const t0 = performance.now();
    for (let sent = 0; sent < total; sent += size) if (!c.write(buf)) await new Promise((r) => c.once('drain', r));
    await sunk;
    const s = (performance.now() - t0) / 1000;
    c.destroy();
    listener.close();
    return total / s / 1e9;
  }
  const buf = Buffer.alloc(size, 1);
  const c = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise((r) => c.once('connect', r));
  let back = 0;
  const returned = echo ? new Promise((r) => c.on('data', (d) => { back += d.length; if (back >= total) r(); })) : null;
  const t0 = performance.now();
  for (let sent = 0; sent < total; sent += size) if (!c.write(buf)) await new Promise((r) => c.once('drain', r));
  if (echo) await returned;
  else await new Promise((r) => c.end(r));
  const s = (performance.now() - t0) / 1000;
  c.destroy();
  return total / s / 1e9;
}

/** Bare node:http between the two processes, no codec: `count` POSTs of `size` bytes, `window` at a time. */
async function bareHttp(port, size, count, window) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: window, noDelay: true });
  const body = Buffer.alloc(size, 1);
  const one = () => new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: { 'content-length': String(size) } }, (res) => { res.on('data', () => undefined); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
  for (let i = 0; i < 20; i++) await one();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: window }, async () => { while (next++ < count) await one(); }));
  const s = (performance.now() - t0) / 1000;
  agent.destroy();
  return count * size / s / 1e9;
}

async function codec() {
  const child = fork(fileURLToPath(import.meta.url), ['codec-server'], { execArgv: process.execArgv });
  const { urls } = await new Promise((r) => child.once('message', r));
  const floors = fork(fileURLToPath(import.meta.url), ['floor-server']);
  const { echoPort, barePort, streamSinkPort } = await new Promise((r) => floors.once('message', r));
  const serverCpu = async () => { child.send('cpu'); return (await new Promise((r) => child.once('message', r))).cpu; };
  const busy = (a, b, s) => ((b.user - a.user + b.system - a.system) / 1e6 / s * 100).toFixed(0);
  const perRequest = (a, b, n) => ((b.user - a.user + b.system - a.system) / n).toFixed(0);
  const results = [];
  const measure = async (name, window) => {
    const c = CASES[name];
    const inBytes = bytesOf(c.in);
    const outBytes = bytesOf(c.out);
    const data = new Uint8Array(inBytes).map((_, i) => i);
    // The floor first, in the same run: the same bytes over plain TCP (each direction the case uses).
    const floorBytes = Math.max(inBytes, 1 << 20) * Math.min(c.count, 400);
    const floor = name === 'small' ? NaN : await tcpFloor(floors, c.echo ? echoPort : null, Math.max(inBytes, 65536), floorBytes, c.echo);
    const client = new InferenceClient(urls[name], name, { maxResponseBytes: outBytes + 65536, window });
    const one = () => client.infer({ inputs: [{ name: 'x', datatype: c.in.datatype, shape: c.in.shape, data }] });
    for (let i = 0; i < 20; i++) await one(); // warm-up: connections, JIT
    const cpu0 = process.cpuUsage();
    const scpu0 = await serverCpu();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: window }, async () => { while (next++ < c.count) await one(); }));
    const s = (performance.now() - t0) / 1000;
    const cpu1 = process.cpuUsage();
    const scpu1 = await serverCpu();
    client.close();
    const r = { name, window, rps: c.count / s, gbIn: (c.count * inBytes) / s / 1e9, gbOut: (c.count * outBytes) / s / 1e9, floor };
    results.push(r);
    const mb = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} KB`);
    const ratio = Number.isNaN(floor) ? '' : `; plain-TCP floor ${floor.toFixed(2)} GB/s${c.echo ? ' each way' : ''}, ratio ${((c.echo ? Math.min(r.gbIn, r.gbOut) : r.gbIn) / floor).toFixed(2)}`;
    if (name === 'crossing' && window === 4) {
      r.bare = await bareHttp(barePort, inBytes, c.count, window);
      r.streamTcp = await tcpFloor(floors, streamSinkPort, Math.max(inBytes, 65536), floorBytes, false);
      console.log(`codec  references: bare node:http (no codec, body dropped, ${mb(outBytes)} answer), window ${window}: ${r.bare.toFixed(2)} GB/s in; plain TCP read the default Node way (a new Buffer per read): ${r.streamTcp.toFixed(2)} GB/s`);
    }
    console.log(`codec  ${c.label}, window ${window}: ${mb(inBytes)} in / ${mb(outBytes)} out per request, ${r.rps.toFixed(0)} req/s, tensor bytes ${r.gbIn.toFixed(2)} GB/s in + ${r.gbOut.toFixed(2)} GB/s out${ratio}; CPU client ${busy(cpu0, cpu1, s)}% (${perRequest(cpu0, cpu1, c.count)} µs/request) server ${busy(scpu0, scpu1, s)}% (${perRequest(scpu0, scpu1, c.count)} µs/request) (load ${loadavg()[0].toFixed(1)})`);
  };
  for (let i = 0; i < repeat; i++) {
    if (repeat > 1) console.log(`codec  run ${i + 1} of ${repeat}`);
    for (const [name, window] of [['crossing', 4], ['crossing', 1], ['echo', 4], ['large', 2], ['small', 1]]) {
      if (only === undefined || only === name) await measure(name, window);
    }
  }
  if (repeat > 1) {
    const keys = [...new Set(results.map((r) => `${r.name} window ${r.window}`))];
    const stat = (xs) => { const v = [...xs].sort((a, b) => a - b); return `min ${v[0].toFixed(2)} median ${v[Math.floor(v.length / 2)].toFixed(2)}`; };
    for (const k of keys) {
      const rs = results.filter((r) => `${r.name} window ${r.window}` === k);
      console.log(`codec  ${k} over ${rs.length} runs: GB/s in ${stat(rs.map((r) => r.gbIn))}; GB/s out ${stat(rs.map((r) => r.gbOut))}; req/s ${stat(rs.map((r) => r.rps))}${Number.isNaN(rs[0].floor) ? '' : `; floor ${stat(rs.map((r) => r.floor))}; ratio ${stat(rs.map((r) => (r.name === 'echo' ? Math.min(r.gbIn, r.gbOut) : r.gbIn) / r.floor))}`}${rs[0].bare === undefined ? '' : `; bare node:http ${stat(rs.map((r) => r.bare))}; plain TCP read the default way ${stat(rs.map((r) => r.streamTcp))}`}`);
    }
  }
  child.send('exit');
  floors.send('exit');
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
else if (which.has('floor-server')) await floorServer();
else if (which.has('codec')) await codec();
if (which.has('pace')) await pace();
if (which.has('memory')) await memory();
if (which.has('codec-server') || which.has('floor-server')) await new Promise(() => undefined);
