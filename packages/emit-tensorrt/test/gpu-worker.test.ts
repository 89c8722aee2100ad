// gpu/worker.py on its own, with a stand-in model.py: the reference backend computes up to
// --contexts requests at once (as the TensorRT backend runs C execution contexts on C streams),
// never more; beyond --max-waiting (default 64) requests waiting for a context, the next gets 503
// at once and the server keeps serving; a manifest of another schema, or none, is one line and exit 1.
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

/**
 * A model.py whose calls hold their context until RELEASE_FILE exists (at most 20 s). Every call
 * records the number of calls in flight in BUSY_FILE.
 */
const GATE_MODEL = `import os, threading, time, torch
INPUT_NAMES = ["x"]
OUTPUT_NAMES = ["y"]
_lock = threading.Lock()
_state = {"now": 0}
def _note(d):
    with _lock:
        _state["now"] += d
        with open(os.environ["BUSY_FILE"], "w") as f:
            f.write(str(_state["now"]))
class _M(object):
    def __call__(self, x):
        _note(1)
        try:
            t = time.time()
            while not os.path.exists(os.environ["RELEASE_FILE"]) and time.time() - t < 20:
                time.sleep(0.01)
        finally:
            _note(-1)
        return torch.zeros(1, 4) + float(x.sum())
def load_model():
    return _M()
`;

function layout(manifest: unknown, model = STUB_MODEL): string {
  const out = mkdtempSync(path.join(tmpdir(), 'splitc-gpuworker-'));
  mkdirSync(path.join(out, 'gpu'));
  writeFileSync(path.join(out, 'gpu/worker.py'), emitGpuWorkerPy('0.0.0', MANIFEST_SCHEMA_VERSION));
  writeFileSync(path.join(out, 'gpu/model.py'), model);
  writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest));
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
}

interface Answer { readonly status: number; readonly type: string | undefined; readonly body: string }

/** One frame of x as a binary KServe v2 request, on its own connection. */
async function infer(port: number): Promise<number> {
  return (await answer(port)).status;
}

/** The same request; the whole answer (a binary body comes back as latin1 text). */
function answer(port: number): Promise<Answer> {
  const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'INT8', shape: [1, 2, 2, 3], parameters: { fix_point: 0, binary_data_size: 12 } }] }));
  const body = Buffer.concat([header, Buffer.alloc(12, 1)]);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v2/models/m/infer', agent: false, headers: { 'content-type': 'application/octet-stream', 'content-length': body.length, 'inference-header-content-length': header.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks).toString('latin1') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function get(port: number, p: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }).on('error', reject);
  });
}

/** Starts worker.py in `out` with `args`; resolves once it prints that it is serving. */
async function start(out: string, args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; port: number; stderr: () => string }> {
  const port = await freePort();
  const child = spawn(PYTHON, [path.join(out, 'gpu/worker.py'), '--backend', 'reference', '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('serving')) resolve(); });
    child.on('exit', (code) => reject(new Error(`worker.py exited ${code}: ${err}`)));
  });
  return { child, port, stderr: () => err };
}

/**
 * Sends `total` requests at once to a worker whose contexts are held (GATE_MODEL), waits (at most
 * 10 s) for the first `refused` answers, then releases the contexts and collects the rest. With C
 * contexts and W waiting allowed, exactly total - C - W requests must be refused at once.
 */
async function overfill(out: string, port: number, total: number, refused: number): Promise<{ early: Answer[]; late: Answer[]; busy: string; healthWhileFull: number }> {
  const early: Answer[] = [];
  const all = Array.from({ length: total }, () => answer(port).then((a) => { early.push(a); return a; }));
  const deadline = Date.now() + 10_000;
  while (early.length < refused && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 300)); // time for any wrongly refused extra answer to arrive
  const firstAnswers = early.slice();
  const healthWhileFull = await get(port, '/v2/health/ready');
  const busy = readFileSync(path.join(out, 'busy'), 'utf8');
  writeFileSync(path.join(out, 'release'), '');
  const answers = await Promise.all(all);
  return { early: firstAnswers, late: answers.filter((a) => !firstAnswers.includes(a)), busy, healthWhileFull };
}

describe.runIf(havePython('torch', 'numpy'))('gpu/worker.py', () => {
  it('the reference backend computes --contexts requests at once, never more', async () => {
    const out = layout({ schemaVersion: MANIFEST_SCHEMA_VERSION, seam: SEAM });
    const peakFile = path.join(out, 'peak');
    const { child, port, stderr } = await start(out, ['--contexts', '2'], { PEAK_FILE: peakFile });
    // Four requests at once: with two contexts they pass the barrier in pairs. One context (the
    // old single lock) deadlocks the first call at the barrier until it breaks: 500s.
    const statuses = await Promise.all([infer(port), infer(port), infer(port), infer(port)]);
    child.kill();
    expect(stderr()).toBe('');
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(readFileSync(peakFile, 'utf8')).toBe('2');
  }, 60_000);

  it('with its contexts busy, 64 requests wait (by default) and the next gets 503 with a KServe error body at once; the server keeps serving', async () => {
    const out = layout({ schemaVersion: MANIFEST_SCHEMA_VERSION, seam: SEAM }, GATE_MODEL);
    const { child, port, stderr } = await start(out, ['--contexts', '2'], { BUSY_FILE: path.join(out, 'busy'), RELEASE_FILE: path.join(out, 'release') });
    // 2 computing + 64 waiting + 3 more: the 3 are refused while the others are held.
    const r = await overfill(out, port, 2 + 64 + 3, 3);
    expect(r.busy).toBe('2');
    expect(r.healthWhileFull).toBe(200);
    expect(r.early.map((a) => a.status)).toEqual([503, 503, 503]);
    for (const a of r.early) {
      expect(a.type).toBe('application/json');
      expect(JSON.parse(a.body)).toEqual({ error: 'too many requests waiting for an execution context (64); retry later' });
    }
    expect(r.late.map((a) => a.status)).toEqual(Array(66).fill(200));
    expect(await infer(port)).toBe(200);
    child.kill();
    expect(stderr()).toBe('');
  }, 60_000);

  it('--max-waiting N sets the bound (0: refuse whenever every context is busy); a negative N is one line, exit 1', async () => {
    const out = layout({ schemaVersion: MANIFEST_SCHEMA_VERSION, seam: SEAM }, GATE_MODEL);
    const { child, port, stderr } = await start(out, ['--contexts', '2', '--max-waiting', '1'], { BUSY_FILE: path.join(out, 'busy'), RELEASE_FILE: path.join(out, 'release') });
    const r = await overfill(out, port, 5, 2);
    expect(r.busy).toBe('2');
    expect(r.early.map((a) => [a.status, JSON.parse(a.body).error])).toEqual(Array(2).fill([503, 'too many requests waiting for an execution context (1); retry later']));
    expect(r.late.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(await infer(port)).toBe(200);
    child.kill();
    expect(stderr()).toBe('');
    const zero = layout({ schemaVersion: MANIFEST_SCHEMA_VERSION, seam: SEAM }, GATE_MODEL);
    const z = await start(zero, ['--contexts', '1', '--max-waiting', '0'], { BUSY_FILE: path.join(zero, 'busy'), RELEASE_FILE: path.join(zero, 'release') });
    const rz = await overfill(zero, z.port, 3, 2);
    expect(rz.busy).toBe('1');
    expect(rz.early.map((a) => a.status)).toEqual([503, 503]);
    expect(rz.late.map((a) => a.status)).toEqual([200]);
    z.child.kill();
    const neg = spawnSync(PYTHON, [path.join(out, 'gpu/worker.py'), '--backend', 'reference', '--max-waiting', '-1'], { encoding: 'utf8' });
    expect(neg.status).toBe(1);
    expect(neg.stderr).toBe('worker.py: --max-waiting -1 must be at least 0\n');
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
