// dpu/worker.py on its own, with a stand-in model.py and a stand-in GPU server: a manifest of
// another schema (or none) is one line and exit 1, not a KeyError; the worker asks for every output
// as binary data (Triton answers in JSON otherwise) and files the answer's outputs by name, in the
// manifest's order, whatever order the server sends them in.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_SCHEMA_VERSION } from '@splitc/compile';
import { emitDpuWorkerPy } from '@splitc/emit-vitis';
import { havePython, PYTHON } from '@splitc/test-support';

const SEAM = {
  batch: 6,
  runtime: { dpuRunnerThreads: 1, gpuContexts: 1 },
  wire: {
    protocol: 'kserve-v2', model: 'm',
    inputs: [{ name: 'x', datatype: 'INT8', shape: [6, 2, 2, 3] }],
    outputs: [{ name: 'y1', datatype: 'FP32', shape: [6, 2] }, { name: 'y2', datatype: 'FP32', shape: [6, 3] }],
  },
};

/** The DPU partition as the identity: the crossing tensor x is the input frame. */
const STUB_MODEL = `INPUT_SHAPES = [[1, 3, 2, 2]]
OUTPUT_NAMES = ["x"]
def load_model():
    return lambda x: x
`;

function layout(manifest: unknown): string {
  const out = mkdtempSync(path.join(tmpdir(), 'splitc-dpuworker-'));
  mkdirSync(path.join(out, 'dpu'));
  writeFileSync(path.join(out, 'dpu/worker.py'), emitDpuWorkerPy('0.0.0', MANIFEST_SCHEMA_VERSION));
  writeFileSync(path.join(out, 'dpu/model.py'), STUB_MODEL);
  writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest));
  return out;
}

describe.runIf(havePython('torch', 'numpy'))('dpu/worker.py', () => {
  it('a manifest of another schema, or none, is one line naming the file and both versions, exit 1', () => {
    // Schema 2 had no seam.runtime: the old worker died on a KeyError.
    const out = layout({ schemaVersion: 2, seam: { batch: 6, wire: SEAM.wire } });
    const manifest = path.join(out, 'manifest.json');
    const r = spawnSync(PYTHON, [path.join(out, 'dpu/worker.py'), '--backend', 'reference', '--gpu-url', 'http://127.0.0.1:9', '--frames', '1'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`worker.py: ${manifest} has manifest schema 2; this worker supports schema ${MANIFEST_SCHEMA_VERSION} (recompile with the splitc that wrote this worker)\n`);
    const none = spawnSync(PYTHON, [path.join(out, 'dpu/worker.py'), '--gpu-url', 'http://127.0.0.1:9', '--manifest', path.join(out, 'nope.json')], { encoding: 'utf8' });
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^worker\.py: cannot read the manifest .*nope\.json: \[Errno 2\] No such file or directory: .*\n$/);
    // emitDpuWorkerPy's default is the manifest's schema (the driver passes it explicitly too).
    expect(emitDpuWorkerPy('0.0.0')).toContain(`\nSUPPORTED_SCHEMA = ${MANIFEST_SCHEMA_VERSION}  #`);
  });

  it('asks for binary outputs and files them by name when the server answers in another order', async () => {
    const out = layout({ schemaVersion: MANIFEST_SCHEMA_VERSION, seam: SEAM });
    const requests: unknown[] = [];
    // Like Triton: outputs not asked for as binary come back as JSON data; here y2 comes first.
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const hl = Number(req.headers['inference-header-content-length']);
        const head = JSON.parse(body.subarray(0, hl).toString('utf8')) as { inputs: { shape: number[] }[]; outputs?: { name: string; parameters?: { binary_data?: boolean } }[] };
        requests.push(head);
        const n = head.inputs[0]!.shape[0]!;
        const y1 = new Float32Array(n * 2).fill(1);
        const y2 = new Float32Array(n * 3).fill(2);
        const binary = (name: string): boolean => head.outputs?.find((o) => o.name === name)?.parameters?.binary_data === true;
        if (!binary('y1') || !binary('y2')) {
          const json = Buffer.from(JSON.stringify({ model_name: 'm', outputs: [{ name: 'y2', datatype: 'FP32', shape: [n, 3], data: Array.from(y2) }, { name: 'y1', datatype: 'FP32', shape: [n, 2], data: Array.from(y1) }] }));
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length });
          res.end(json);
          return;
        }
        const json = Buffer.from(JSON.stringify({ model_name: 'm', outputs: [{ name: 'y2', datatype: 'FP32', shape: [n, 3], parameters: { binary_data_size: y2.byteLength } }, { name: 'y1', datatype: 'FP32', shape: [n, 2], parameters: { binary_data_size: y1.byteLength } }] }));
        const all = Buffer.concat([json, Buffer.from(y2.buffer), Buffer.from(y1.buffer)]);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'inference-header-content-length': json.length, 'content-length': all.length });
        res.end(all);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const results = path.join(out, 'results');
    const child = spawn(PYTHON, [path.join(out, 'dpu/worker.py'), '--backend', 'reference', '--gpu-url', `http://127.0.0.1:${port}`, '--frames', '6', '--calibration-frames', '2', '--output', results, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    server.close();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { frames: number }).frames).toBe(6);
    expect(requests).toHaveLength(1);
    expect((requests[0] as { outputs: unknown }).outputs).toEqual([{ name: 'y1', parameters: { binary_data: true } }, { name: 'y2', parameters: { binary_data: true } }]);
    // Output K is the manifest's K-th output: 000000_0.npy holds y1 (1×2 of 1.0), _1 holds y2.
    const npy = (f: string): { shape: string; data: Float32Array } => {
      const b = readFileSync(path.join(results, f));
      const hl = b.readUInt16LE(8);
      const header = b.subarray(10, 10 + hl).toString('latin1');
      return { shape: /'shape': \(([^)]*)\)/.exec(header)![1]!, data: new Float32Array(b.buffer.slice(b.byteOffset + 10 + hl, b.byteOffset + b.length)) };
    };
    expect(npy('000005_0.npy')).toEqual({ shape: '1, 2', data: new Float32Array([1, 1]) });
    expect(npy('000005_1.npy')).toEqual({ shape: '1, 3', data: new Float32Array([2, 2, 2]) });
  }, 60_000);
});
