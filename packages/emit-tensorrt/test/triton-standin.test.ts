// `splitc run --gpu-url` against gpu/triton/ served by a stand-in for Triton (no tritonserver
// here). The stand-in does what Triton documents for this repository and nothing more: it answers
// the model metadata from the ensemble's config.pbtxt (inputs [-1, dims]); it drops every input
// parameter but binary_data_size (so fix_point never reaches a model, as in Triton's HTTP front end);
// it runs the ensemble's steps by their input_map/output_map: the seam's own 1/model.py (through a
// stand-in of triton_python_backend_utils, with 1/fix_points.json), then the engine — here the
// partition made batch-dynamic by build_engine.py's own dynamic_batch(), in onnxruntime; it answers
// outputs not asked for as binary in JSON, as Triton does. The unchanged client must then meet the
// issue's bar, and a wrong fix_points.json must show (the protocol cannot catch it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, readManifest } from '@splitc/compile';
import { decodeRequest, encodeResponse, run, type WireData } from '@splitc/runtime';
import { havePython, PYTHON } from '@splitc/test-support';
import { PB_UTILS_STUB } from './stubs.js';

const ROOT = path.resolve(__dirname, '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'splitc-triton-standin-'));
const out = path.join(dir, 'tinyres');
const repo = path.join(out, 'gpu/triton');
const MODEL = 'tinyres-weights';
const ok = havePython('google.protobuf', 'numpy');
const children: ChildProcess[] = [];

interface TensorConfig { name: string; data_type: string; dims: string[] }
interface Config { name: string; max_batch_size: number; input: TensorConfig[]; output: TensorConfig[]; ensemble_scheduling?: { step: { model_name: string; input_map: Record<string, string>; output_map: Record<string, string> }[] } }

beforeAll(() => {
  process.chdir(ROOT);
  compile('fixtures/models/tinyres-weights.onnx', { output: out, split: 5, onWarning: () => undefined });
});
afterAll(() => { for (const c of children) c.kill('SIGKILL'); });

/** The seam's 1/model.py in a long-lived Python process: one JSON request per line, one answer per line. */
function seamProcess(config: Config): { call(inputs: Record<string, { shape: number[]; b64: string }>): Promise<Record<string, { shape: number[]; b64: string }>> } {
  const stub = mkdtempSync(path.join(tmpdir(), 'splitc-pbutils-'));
  writeFileSync(path.join(stub, 'triton_python_backend_utils.py'), PB_UTILS_STUB);
  writeFileSync(path.join(stub, 'serve.py'), `import base64, importlib.util, json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import triton_python_backend_utils as pb_utils
spec = importlib.util.spec_from_file_location("model", sys.argv[2])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
m = mod.TritonPythonModel()
m.initialize({"model_config": sys.argv[3], "model_repository": sys.argv[4], "model_version": "1", "model_name": "seam"})
for line in sys.stdin:
    req = json.loads(line)
    request = [pb_utils.Tensor(k, np.frombuffer(base64.b64decode(v["b64"]), dtype=np.int8).reshape(v["shape"])) for k, v in req.items()]
    (resp,) = m.execute([request])
    sys.stdout.write(json.dumps(dict((t.name(), {"shape": list(t.as_numpy().shape), "b64": base64.b64encode(np.ascontiguousarray(t.as_numpy(), dtype="<f4").tobytes()).decode()}) for t in resp.output_tensors)) + "\\n")
    sys.stdout.flush()
`);
  const seamDir = path.join(repo, `${MODEL}__seam`);
  const child = spawn(PYTHON, [path.join(stub, 'serve.py'), stub, path.join(seamDir, '1/model.py'), JSON.stringify(config), seamDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((s: string) => void)[] = [];
  lines.on('line', (l) => waiting.shift()!(l));
  let chain = Promise.resolve();
  return {
    call(inputs) {
      // One request at a time through the pipe, in order.
      const p = chain.then(() => new Promise<string>((resolve) => { waiting.push(resolve); child.stdin!.write(`${JSON.stringify(inputs)}\n`); }));
      chain = p.then(() => undefined);
      return p.then((l) => JSON.parse(l) as Record<string, { shape: number[]; b64: string }>);
    },
  };
}

/** The stand-in server for the repository's ensemble. */
async function standIn(): Promise<{ url: string; close(): void; requests: number; jsonAnswers: number }> {
  const parsed = spawnSync(PYTHON, [path.join(__dirname, 'triton/pbtxt_check.py'), path.join(__dirname, 'triton/model_config.proto'), ...[MODEL, `${MODEL}__seam`, `${MODEL}__engine`].map((m) => path.join(repo, m, 'config.pbtxt'))], { encoding: 'utf8' });
  expect(parsed.stderr).toBe('');
  const [ens, seamConfig] = JSON.parse(parsed.stdout) as [Config, Config, Config];
  const seam = seamProcess(seamConfig);
  // The engine: build_engine.py's batch-dynamic partition, in onnxruntime.
  const engineFile = path.join(dir, 'engine.onnx');
  const code = `import sys\nsys.path.insert(0, ${JSON.stringify(path.join(out, 'gpu'))})\nimport build_engine as b\nopen(sys.argv[2], "wb").write(b.dynamic_batch(open(sys.argv[1], "rb").read(), set(b.EXPECTED_INPUTS), set(b.EXPECTED_OUTPUTS)))\n`;
  expect(spawnSync(PYTHON, ['-c', code, path.join(out, 'gpu/partition.onnx'), engineFile], { encoding: 'utf8' }).stderr).toBe('');
  const engine = await ort.InferenceSession.create(engineFile);
  const meta = (t: TensorConfig): { name: string; datatype: string; shape: number[] } => ({ name: t.name, datatype: t.data_type.replace('TYPE_', ''), shape: [-1, ...t.dims.map(Number)] });
  const metadata = JSON.stringify({ name: ens.name, versions: ['1'], platform: 'ensemble', inputs: ens.input.map(meta), outputs: ens.output.map(meta) });
  const [seamStep, engineStep] = ens.ensemble_scheduling!.step as [NonNullable<Config['ensemble_scheduling']>['step'][0], NonNullable<Config['ensemble_scheduling']>['step'][0]];
  const state = { requests: 0, jsonAnswers: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (req.method === 'GET') {
          if (req.url === `/v2/models/${MODEL}`) { res.writeHead(200, { 'content-type': 'application/json' }); res.end(metadata); } else { res.writeHead(req.url?.startsWith('/v2/health') ? 200 : 404); res.end('{}'); }
          return;
        }
        state.requests++;
        const r = decodeRequest(Buffer.concat(chunks), req.headers['inference-header-content-length'] as string | undefined);
        // Triton keeps no input parameter but binary_data_size: fix_point is gone here.
        const tensors = new Map<string, WireData>(r.inputs.map((t) => [t.name, { name: t.name, datatype: t.datatype, shape: t.shape, data: t.data }]));
        const seamIn: Record<string, { shape: number[]; b64: string }> = {};
        for (const [key, value] of Object.entries(seamStep.input_map)) { const t = tensors.get(value)!; seamIn[key] = { shape: [...t.shape], b64: Buffer.from(t.data).toString('base64') }; }
        const seamOut = await seam.call(seamIn);
        for (const [key, value] of Object.entries(seamStep.output_map)) { const t = seamOut[key]!; tensors.set(value, { name: value, datatype: 'FP32', shape: t.shape, data: Buffer.from(t.b64, 'base64') }); }
        const feeds: Record<string, ort.Tensor> = {};
        for (const [key, value] of Object.entries(engineStep.input_map)) { const t = tensors.get(value)!; const b = Buffer.from(t.data); feeds[key] = new ort.Tensor('float32', new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)), [...t.shape]); }
        const results = await engine.run(feeds);
        for (const [key, value] of Object.entries(engineStep.output_map)) { const t = results[key]!; const f = t.data as Float32Array; tensors.set(value, { name: value, datatype: 'FP32', shape: [...t.dims], data: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) }); }
        const asked = new Set((r.outputs ?? []).filter((o) => o.binary).map((o) => o.name));
        if (ens.output.some((o) => !asked.has(o.name))) state.jsonAnswers++;
        const body = encodeResponse({ modelName: MODEL, ...(r.id !== undefined ? { id: r.id } : {}), outputs: ens.output.map((o) => tensors.get(o.name)!) }, asked);
        res.writeHead(200, { ...body.headers, 'content-length': String(body.length) });
        for (const p of body.pieces) res.write(p);
        res.end();
      })().catch((e: unknown) => { res.writeHead(500); res.end(JSON.stringify({ error: String(e) })); });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close(), get requests() { return state.requests; }, get jsonAnswers() { return state.jsonAnswers; } };
}

describe.runIf(ok)('splitc run against gpu/triton/ on a Triton stand-in', () => {
  it('meets cosine 0.999 and top-1 99% with the fix_points run calibrates, and falls far below with them swapped', async () => {
    // The fix_points of run's simulated DPU (deterministic for the same frames): a local run says them.
    const local = await run(out, { frames: 6 });
    const fp = local.fixPoints.crossings;
    const names = readManifest(out).seam.wire.inputs.map((t) => t.name);
    expect(names.map((n) => fp[n])).toEqual([7, 5]); // two same-shape crossings, different fix_points
    const set = (pairs: string[]): void => {
      const r = spawnSync(PYTHON, [path.join(repo, 'set_fix_points.py'), ...pairs], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
    };
    set(names.map((n) => `${n}=${fp[n]}`));
    const s = await standIn();
    const r = await run(out, { gpuUrl: s.url, frames: 60 });
    s.close();
    expect(r.frames).toBe(60);
    expect(s.requests).toBe(10); // one DPU batch of 6 per request
    expect(s.jsonAnswers).toBe(0); // run asks for every output as binary data (Triton answers JSON otherwise)
    expect(r.check!.minCosine).toBeGreaterThanOrEqual(0.999);
    expect(r.check!.top1Agreement).toBeGreaterThanOrEqual(0.99);
    expect(r.check!.orderAgreement).toBe(1);
    // The same fix_points swapped: nothing on the wire catches it; the outputs do.
    set(names.map((n, i) => `${n}=${fp[names[1 - i]!]}`));
    const w = await standIn();
    const wrong = await run(out, { gpuUrl: w.url, frames: 30 });
    w.close();
    expect(wrong.check!.minCosine).toBeLessThan(0.95);
  }, 120_000);
});
