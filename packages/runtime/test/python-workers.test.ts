// The emitted Python workers over real loopback sockets, against the TypeScript runtime: the GPU
// worker (reference backend, PyTorch) serves `run`; the DPU worker (reference backend) drives
// `serve`; faults on both; the xmodel-mapping script against a stand-in for the xir Python API
// with the calls its documentation gives; every emitted script parsed as Python 3.7.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '@splitc/compile';
import { readManifest } from '@splitc/compile';
import { ReferenceModel, run, seededFrame, serve } from '@splitc/runtime';
import { havePython, PYTHON } from '../../ir/test/python.js';

const ROOT = path.resolve(__dirname, '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'splitc-pyworkers-'));
const tinyres = path.join(dir, 'tinyres');
const ok = havePython('torch', 'numpy');
const children: ChildProcess[] = [];

beforeAll(() => {
  process.chdir(ROOT);
  compile('fixtures/models/tinyres-weights.onnx', { output: tinyres, split: 5, onWarning: () => undefined });
});
afterAll(() => { for (const c of children) c.kill('SIGKILL'); });

/** Start gpu/worker.py on a free port; resolves with its URL once it says it serves. */
async function gpuWorker(out: string): Promise<{ url: string; child: ChildProcess; banner: string }> {
  const port = await new Promise<number>((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
  const child = spawn(PYTHON, [path.join(out, 'gpu/worker.py'), '--backend', 'reference', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  let banner = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('serving')) { banner = d.toString(); resolve(); } });
    child.on('exit', (code) => reject(new Error(`gpu/worker.py exited ${code}: ${err}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child, banner };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0; let aa = 0; let bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i]! * b[i]!; aa += a[i]! ** 2; bb += b[i]! ** 2; }
  return ab / Math.sqrt(aa * bb);
}

function readNpyF32(file: string): Float32Array {
  const b = readFileSync(file);
  const hl = b.readUInt16LE(8);
  return new Float32Array(b.buffer.slice(b.byteOffset + 10 + hl, b.byteOffset + b.length));
}

function writeNpyF32(file: string, shape: readonly number[], data: Float32Array): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1'); pre[6] = 1; pre[7] = 0; pre.writeUInt16LE(header.length, 8);
  writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

describe.runIf(ok)('emitted Python workers (reference backends) against the TypeScript runtime', () => {
  it('gpu/worker.py serves splitc run: 120 frames within cosine 0.999 of the fp32 model, in order', async () => {
    const { url, child, banner } = await gpuWorker(tinyres);
    // Its contexts default to the manifest's (the target profile's).
    expect(banner).toContain(`(backend reference, ${readManifest(tinyres).seam.runtime.gpuContexts} contexts)`);
    const r = await run(tinyres, { gpuUrl: url, frames: 120 });
    child.kill();
    expect(r.frames).toBe(120);
    expect(r.concurrency.gpuContexts).toBe(null);
    expect(r.check!.minCosine).toBeGreaterThanOrEqual(0.999);
    expect(r.check!.top1Agreement).toBeGreaterThanOrEqual(0.99);
    expect(r.check!.orderAgreement).toBe(1);
    expect(r.stages.gpu.busyMs).toBeGreaterThan(0); // the worker reports its compute time
  });

  it('gpu/worker.py answers garbage, truncated, oversized and mis-shaped requests with 4xx and keeps serving', async () => {
    const { url, child } = await gpuWorker(tinyres);
    const port = Number(new URL(url).port);
    const send = (bytes: string | Buffer): Promise<string> => new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      let got = '';
      s.on('data', (d) => { got += d.toString('latin1'); });
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
      s.end(bytes);
    });
    const post = (body: Buffer, extra = ''): Buffer => Buffer.concat([Buffer.from(`POST /v2/models/tinyres-weights/infer HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n${extra}\r\n`), body]);
    const status = (r: string): number => Number(/^HTTP\/1\.[01] (\d{3})/.exec(r)?.[1] ?? 0);
    const error = (r: string): string => (JSON.parse(r.slice(r.indexOf('\r\n\r\n') + 4)) as { error: string }).error;
    const header = JSON.stringify({ inputs: [{ name: '/b1/b1.3/Conv_output_0', datatype: 'INT8', shape: [1, 32, 32, 16], parameters: { fix_point: 7, binary_data_size: 16384 } }, { name: '/stem/stem.2/Relu_output_0', datatype: 'INT8', shape: [1, 32, 32, 16], parameters: { fix_point: 5, binary_data_size: 16384 } }] });
    const good = Buffer.concat([Buffer.from(header), Buffer.alloc(32768, 3)]);
    const cases: [Buffer | string, number, RegExp][] = [
      [post(Buffer.from('{nope')), 400, /does not parse/],
      [post(good.subarray(0, good.length - 100), `inference-header-content-length: ${header.length}\r\n`), 400, /ends after 16284 of 16384 bytes/],
      [`POST /v2/models/tinyres-weights/infer HTTP/1.1\r\nhost: x\r\ncontent-length: 99999999\r\n\r\n`, 413, /more than the \d+ this model's inputs allow/],
      [post(Buffer.from(header.replace('"fix_point":7', '"fix_point":"7"')), `inference-header-content-length: ${header.length + 2}\r\n`), 400, /needs an integer parameter fix_point/],
      [post(Buffer.from(header.replace('[1,32,32,16]', '[7,32,32,16]')), `inference-header-content-length: ${header.length}\r\n`), 400, /expected \[1\.\.6,32,32,16\]/],
    ];
    for (const [req, code, msg] of cases) {
      const r = await send(req);
      expect(status(r), r.slice(0, 300)).toBe(code);
      expect(error(r)).toMatch(msg);
      const okr = await send(post(good, `inference-header-content-length: ${header.length}\r\nconnection: close\r\n`));
      expect(status(okr)).toBe(200);
    }
    // A client that vanishes mid-body does not wedge it.
    await new Promise<void>((resolve) => { const s = net.connect(port, '127.0.0.1', () => { s.write(post(good, `inference-header-content-length: ${header.length}\r\n`).subarray(0, 5000)); s.destroy(); resolve(); }); });
    expect(status(await send(post(good, `inference-header-content-length: ${header.length}\r\nconnection: close\r\n`)))).toBe(200);
    child.kill();
  });

  it('dpu/worker.py drives splitc serve: outputs in frame order within cosine 0.999 of the fp32 model', async () => {
    const m = readManifest(tinyres);
    const frames = path.join(dir, 'frames');
    const outs = path.join(dir, 'outs');
    mkdirSync(frames);
    const shape = [1, 3, 32, 32];
    const n = 40;
    for (let i = 0; i < n; i++) writeNpyF32(path.join(frames, `${String(i).padStart(4, '0')}.npy`), shape, seededFrame(7, i, shape));
    const h = await serve(tinyres);
    // Not spawnSync: the server runs in this process's event loop.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(PYTHON, [path.join(tinyres, 'dpu/worker.py'), '--backend', 'reference', '--gpu-url', h.url, '--input', frames, '--output', outs, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(c);
      let stdout = '';
      let stderr = '';
      c.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
      c.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
      c.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    await h.close();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout) as { frames: number; batch: number; threads: number; fixPoints: { input: number; crossings: Record<string, number> } };
    expect(summary.frames).toBe(n);
    expect(summary.batch).toBe(m.seam.batch);
    // Runner threads default to the manifest's (the target profile's).
    expect(summary.threads).toBe(m.seam.runtime.dpuRunnerThreads);
    expect(summary.fixPoints.crossings['/b1/b1.3/Conv_output_0']).not.toBe(summary.fixPoints.crossings['/stem/stem.2/Relu_output_0']);
    // The same calibration frames give the same fix_points in Python (numpy) and TypeScript.
    const ts = await run(tinyres, { input: frames, frames: 6, check: false });
    expect(summary.fixPoints).toEqual({ input: ts.fixPoints.input, crossings: ts.fixPoints.crossings });
    expect(readdirSync(outs).length).toBe(n);
    const ref = await ReferenceModel.create('fixtures/models/tinyres-weights.onnx', 'input', shape);
    const want = await Promise.all(Array.from({ length: n }, async (_, i) => (await ref.run(seededFrame(7, i, shape))).output!));
    for (let i = 0; i < n; i++) {
      const got = readNpyF32(path.join(outs, `${String(i).padStart(6, '0')}_0.npy`));
      const own = cosine(got, want[i]!);
      expect(own, `frame ${i}`).toBeGreaterThanOrEqual(0.999);
      if (i > 0) expect(own, `frame ${i} is nearer the previous frame's output`).toBeGreaterThan(cosine(got, want[i - 1]!));
    }
    await ref.release();
  });

  it('dpu/worker.py: the GPU server killed mid-stream → exit 1 within 10 s, one line with the frames completed', async () => {
    const { url, child } = await gpuWorker(tinyres);
    const dpu = spawn(PYTHON, [path.join(tinyres, 'dpu/worker.py'), '--backend', 'reference', '--gpu-url', url, '--frames', '100000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(dpu);
    let err = '';
    dpu.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    await new Promise((r) => setTimeout(r, 6000)); // calibration, then frames flowing
    const killed = performance.now();
    child.kill('SIGKILL');
    const code = await new Promise<number | null>((resolve) => dpu.on('exit', resolve));
    expect(performance.now() - killed).toBeLessThan(10_000);
    expect(code).toBe(1);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^worker\.py: GPU server http:\/\/127\.0\.0\.1:\d+ failed: .+; \d+ of 100000 frames completed\n$/);
  });
});

describe.runIf(ok)('dpu/xmodel_map.py against the xir Python API', () => {
  // A stand-in for xir with exactly the calls the Vitis AI documentation gives: Graph.deserialize,
  // get_root_subgraph().toposort_child_subgraph(), has_attr/get_attr("device"), get_name, get_ops,
  // get_input_tensors / get_output_tensors, Tensor.name/.dims/.dtype, has_attr/get_attr("fix_point").
  const fake = path.join(dir, 'fake-xir');
  const xir = `import json
class Tensor(object):
    def __init__(self, d): self.name, self.dims, self.dtype, self._fp = d["name"], d["dims"], d.get("dtype", "xint8"), d.get("fix_point")
    def has_attr(self, k): return k == "fix_point" and self._fp is not None
    def get_attr(self, k): return self._fp
class Op(object):
    def __init__(self, t): self._t = t
    def get_type(self): return self._t
class Subgraph(object):
    def __init__(self, d): self._d = d
    def has_attr(self, k): return k == "device" and "device" in self._d
    def get_attr(self, k): return self._d["device"]
    def get_name(self): return self._d["name"]
    def get_ops(self): return set(Op(t) for t in self._d.get("ops", []))
    def get_input_tensors(self): return set(Tensor(t) for t in self._d.get("inputs", []))
    def get_output_tensors(self): return set(Tensor(t) for t in self._d.get("outputs", []))
class Root(object):
    def __init__(self, subs): self._subs = subs
    def toposort_child_subgraph(self): return [Subgraph(s) for s in self._subs]
class Graph(object):
    def __init__(self, subs): self._root = Root(subs)
    @staticmethod
    def deserialize(path):
        with open(path) as f: return Graph(json.load(f))
    def get_root_subgraph(self): return self._root
`;
  const dpuSub = (outputs: object[]) => ({ name: 'subgraph_DpuPartition__input_0', device: 'DPU', ops: ['conv2d-fix', 'add', 'relu'], inputs: [{ name: 'DpuPartition__input_0_fix', dims: [6, 32, 32, 3], fix_point: 5 }], outputs });
  // vai_q_pytorch-style names: VART's lexicographic order (m1 < m4) is not the crossing order.
  const outputs = [
    { name: 'DpuPartition__DpuPartition_Conv2d_m4__1234_fix', dims: [6, 32, 32, 16], fix_point: 7 },
    { name: 'DpuPartition__DpuPartition_ReLU_m1__1200_fix', dims: [6, 32, 32, 16], fix_point: 5 },
  ];
  const stubs = [{ name: 'root_input', device: 'USER' }, { name: 'subgraph_out', device: 'CPU', ops: ['download'] }];
  const runMap = (subs: object[], extra: string[] = []) => {
    mkdirSync(fake, { recursive: true });
    writeFileSync(path.join(fake, 'xir.py'), xir);
    const xmodel = path.join(dir, `x${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(xmodel, JSON.stringify(subs));
    const out = `${xmodel}.map.json`;
    const r = spawnSync(PYTHON, [path.join(tinyres, 'dpu/xmodel_map.py'), xmodel, '-o', out, ...extra], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: fake } });
    return { ...r, map: r.status === 0 ? JSON.parse(readFileSync(out, 'utf8')) as { batch: number; inputs: unknown[]; crossings: { name: string; xmodel: string; index: number; shape: number[]; fix_point: number }[] } : null };
  };

  it('maps each crossing tensor to its VART output index, shape and fix_point, and the input fix_point', () => {
    const r = runMap([stubs[0]!, dpuSub(outputs), stubs[1]!]);
    expect(r.stderr).toBe('');
    expect(r.map).toEqual({
      xmodel: expect.any(String), batch: 6,
      inputs: [{ xmodel: 'DpuPartition__input_0_fix', shape: [6, 32, 32, 3], fix_point: 5 }],
      crossings: [
        { name: '/b1/b1.3/Conv_output_0', xmodel: 'DpuPartition__DpuPartition_Conv2d_m4__1234_fix', index: 0, shape: [6, 32, 32, 16], fix_point: 7 },
        { name: '/stem/stem.2/Relu_output_0', xmodel: 'DpuPartition__DpuPartition_ReLU_m1__1200_fix', index: 1, shape: [6, 32, 32, 16], fix_point: 5 },
      ],
    });
  });

  it('refuses two DPU subgraphs, a computing CPU subgraph, a non-int8 output, an ambiguous name', () => {
    const refused = (subs: object[], msg: RegExp, extra: string[] = []) => {
      const r = runMap(subs, extra);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    };
    refused([dpuSub(outputs), { ...dpuSub(outputs), name: 'second' }], /has 2 DPU subgraphs, expected exactly 1/);
    refused([dpuSub(outputs), { name: 'subgraph_cpu', device: 'CPU', ops: ['download', 'softmax'] }], /CPU subgraph subgraph_cpu computing softmax/);
    refused([dpuSub([outputs[0]!, { ...outputs[1]!, dtype: 'float32' }])], /DPU tensor DpuPartition__DpuPartition_ReLU_m1__1200_fix is float32, not int8/);
    refused([dpuSub([outputs[0]!, { ...outputs[1]!, name: 'DpuPartition__DpuPartition_Conv2d_m4__99_fix' }])], /matches 2 DPU outputs/);
    // --map names a tensor by hand.
    const r = runMap([dpuSub([outputs[0]!, { ...outputs[1]!, name: 'DpuPartition__add_7_fix' }])], ['--map', '/stem/stem.2/Relu_output_0=DpuPartition__add_7_fix']);
    expect(r.status).toBe(0);
    expect(r.map!.crossings[1]).toMatchObject({ name: '/stem/stem.2/Relu_output_0', xmodel: 'DpuPartition__add_7_fix', index: 1 });
  });
});

describe.runIf(ok)('emitted Python is Python 3.7', () => {
  it('parses with the 3.7 grammar (ast feature_version) and compiles', () => {
    const files = ['dpu/worker.py', 'dpu/xmodel_map.py', 'dpu/model.py', 'gpu/worker.py', 'gpu/model.py'].map((f) => path.join(tinyres, f));
    const r = spawnSync(PYTHON, ['-c', 'import ast, sys\nfor f in sys.argv[1:]:\n    ast.parse(open(f, encoding="utf-8").read(), f, feature_version=(3, 7))\n    compile(open(f, encoding="utf-8").read(), f, "exec")\nprint("ok")', ...files], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok\n');
  });
});
