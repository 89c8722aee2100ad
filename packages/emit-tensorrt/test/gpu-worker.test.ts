// gpu/worker.py on its own, with a stand-in model.py: the reference backend computes up to
// --contexts requests at once (as the TensorRT backend runs C execution contexts on C streams),
// never more; a manifest of another schema, or none, is one line and exit 1.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MANIFEST_SCHEMA_VERSION } from '@splitc/compile';
import { emitGpuWorkerPy } from '@splitc/emit-tensorrt';
import { havePython, PYTHON } from '@splitc/test-support';

const children: ChildProcess[] = [];
afterAll(() => { for (const c of children) c.kill('SIGKILL'); });

/** A seam section for one crossing tensor x (INT8 [6,2,2,3] on the wire) and one output y (FP32 [6,4]). */
const SEAM = {
  batch: 6,
  runtime: { dpuRunnerThreads: 2, gpuContexts: 2 },
  wire: { protocol: 'kserve-v2', model: 'm', inputs: [{ name: 'x', datatype: 'INT8', shape: [6, 2, 2, 3] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [6, 4] }] },
};

/**
 * A model.py whose calls meet at a barrier of two: two requests must compute at the same time or
 * both fail after 20 s. Every call records the number of calls in flight in PEAK_FILE.
 */
const STUB_MODEL = `import os, threading, torch
INPUT_NAMES = ["x"]
OUTPUT_NAMES = ["y"]
_lock = threading.Lock()
_state = {"now": 0, "peak": 0}
_barrier = threading.Barrier(2, timeout=20)
class _M(object):
    def __call__(self, x):
        with _lock:
            _state["now"] += 1
            _state["peak"] = max(_state["peak"], _state["now"])
            with open(os.environ["PEAK_FILE"], "w") as f:
                f.write(str(_state["peak"]))
        try:
            _barrier.wait()
        finally:
            with _lock:
                _state["now"] -= 1
        return torch.zeros(1, 4) + float(x.sum())
def load_model():
    return _M()
`;

function layout(manifest: unknown): string {
  const out = mkdtempSync(path.join(tmpdir(), 'splitc-gpuworker-'));
  mkdirSync(path.join(out, 'gpu'));
  writeFileSync(path.join(out, 'gpu/worker.py'), emitGpuWorkerPy('0.0.0', MANIFEST_SCHEMA_VERSION));
  writeFileSync(path.join(out, 'gpu/model.py'), STUB_MODEL);
  writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest));
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
}

/** One frame of x as a binary KServe v2 request, on its own connection. */
function infer(port: number): Promise<number> {
  const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'INT8', shape: [1, 2, 2, 3], parameters: { fix_point: 0, binary_data_size: 12 } }] }));
  const body = Buffer.concat([header, Buffer.alloc(12, 1)]);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v2/models/m/infer', agent: false, headers: { 'content-type': 'application/octet-stream', 'content-length': body.length, 'inference-header-content-length': header.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe.runIf(havePython('torch', 'numpy'))('gpu/worker.py', () => {
  it('the reference backend computes --contexts requests at once, never more', async () => {
    const out = layout({ schemaVersion: MANIFEST_SCHEMA_VERSION, seam: SEAM });
    const port = await freePort();
    const peakFile = path.join(out, 'peak');
    const child = spawn(PYTHON, [path.join(out, 'gpu/worker.py'), '--backend', 'reference', '--port', String(port), '--contexts', '2'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PEAK_FILE: peakFile } });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('serving')) resolve(); });
      child.on('exit', (code) => reject(new Error(`worker.py exited ${code}: ${err}`)));
    });
    // Four requests at once: with two contexts they pass the barrier in pairs. One context (the
    // old single lock) deadlocks the first call at the barrier until it breaks: 500s.
    const statuses = await Promise.all([infer(port), infer(port), infer(port), infer(port)]);
    child.kill();
    expect(err).toBe('');
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(readFileSync(peakFile, 'utf8')).toBe('2');
  }, 60_000);

  it('a manifest of another schema, or none, is one line naming the file and both versions, exit 1', () => {
    const out = layout({ schemaVersion: 2, seam: { wire: SEAM.wire } });
    const manifest = path.join(out, 'manifest.json');
    const r = spawnSync(PYTHON, [path.join(out, 'gpu/worker.py'), '--backend', 'reference'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`worker.py: ${manifest} has manifest schema 2; this worker supports schema ${MANIFEST_SCHEMA_VERSION} (recompile with the splitc that wrote this worker)\n`);
    const none = spawnSync(PYTHON, [path.join(out, 'gpu/worker.py'), '--manifest', path.join(out, 'nope.json')], { encoding: 'utf8' });
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^worker\.py: cannot read the manifest .*nope\.json: \[Errno 2\] No such file or directory: .*\n$/);
    writeFileSync(manifest, '{"schemaVersion": 3,');
    const bad = spawnSync(PYTHON, [path.join(out, 'gpu/worker.py')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr.split('\n')).toHaveLength(2);
    expect(bad.stderr).toContain(`cannot read the manifest ${manifest}: `);
  });
});
