// `splitc serve` and `splitc run` as a user drives them: two processes over loopback, the JSON
// they print, and how they stop and fail. (The pipeline itself is tested in packages/runtime.)
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '@splitc/compile';
import { BIN, ROOT, splitc } from './run-cli.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'splitc-run-cli-'));
const out = path.join(work, 'tinyres');
const live: ChildProcessWithoutNullStreams[] = [];

beforeAll(() => {
  compile(path.join(ROOT, 'fixtures/models/tinyres-weights.onnx'), { output: out, split: 5, onWarning: () => undefined });
});
afterAll(() => {
  for (const p of live) p.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** Starts `splitc serve OUT --port 0 --json` and resolves with its first stdout line, parsed. */
function startServe(extra: readonly string[] = []): Promise<{ proc: ChildProcessWithoutNullStreams; url: string; model: string; endpoint: string }> {
  const proc = spawn(process.execPath, [BIN, 'serve', out, '--port', '0', '--json', ...extra], { cwd: ROOT });
  live.push(proc);
  return new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve({ proc, ...(JSON.parse(buf.slice(0, nl)) as { url: string; model: string; endpoint: string }) });
    });
    proc.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
}

function exited(proc: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
}

describe('splitc serve + splitc run over loopback', () => {
  it('serve --max-waiting 0 refuses a request while its one context is busy (503), and run stops at once saying so', async () => {
    // Each request is paced to take far longer than the test: the second of run's window of two
    // finds the only context busy and nobody allowed to wait.
    const s = await startServe(['--contexts', '1', '--max-waiting', '0', '--pace', 'plan', '--pace-scale', '1e7']);
    const t0 = Date.now();
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, 'run', out, '--gpu-url', s.url, '--frames', '12', '--window', '2'], { cwd: ROOT });
      let stderr = '';
      p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      p.on('exit', (status) => resolve({ status, stderr }));
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error SPLITC6003: GPU server failed: .*HTTP 503: too many requests waiting; retry later; 0 of 12 frames completed\n$/);
    // Not after the first request's turn (paced for hours) or a timeout: at once.
    expect(Date.now() - t0).toBeLessThan(15_000);
    s.proc.kill('SIGKILL');
    expect(splitc(['serve', out, '--max-waiting', '-1']).stderr).toMatch(/^error SPLITC9001: field --max-waiting: --max-waiting must be a non-negative integer, got "-1"/);
  }, 60_000);

  it('serve names the model after the source file and run checks every frame against the fp32 model', async () => {
    const s = await startServe();
    expect(s.model).toBe('tinyres-weights');
    expect(s.endpoint).toBe(`${s.url}/v2/models/tinyres-weights/infer`);
    const r = splitc(['run', out, '--gpu-url', s.url, '--frames', '24', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const res = JSON.parse(r.stdout) as { frames: number; batch: number; fps: number; latencyMs: { p50: number; p99: number }; check: { minCosine: number; top1Agreement: number } };
    expect(res.frames).toBe(24);
    expect(res.batch).toBe(6);
    expect(res.check.minCosine).toBeGreaterThanOrEqual(0.999);
    expect(res.check.top1Agreement).toBe(1);
    expect(res.latencyMs.p99).toBeGreaterThanOrEqual(res.latencyMs.p50);
    const code = exited(s.proc);
    s.proc.kill('SIGTERM');
    expect(await code).toBe(0);
  }, 60_000);

  it('run starts its own server when given no --gpu-url, and prints a readable summary', () => {
    const r = splitc(['run', out, '--frames', '12']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ran {6}12 frames of tinyres-weights \(6 per DPU call\) against http:\/\/127\.0\.0\.1:\d+\n/);
    expect(r.stdout).toMatch(/\ncheck {4}min cosine (?:1\.000000|0\.99\d+).*top-1 agreement 100\.0% over 12 frames/);
  }, 60_000);

  it('a GPU server that is not there: exit 1, one line', () => {
    const r = splitc(['run', out, '--gpu-url', 'http://127.0.0.1:9', '--frames', '6']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error SPLITC6003: /);
  }, 60_000);

  it('--pace plan reports the efficiency against the plan\'s rate', () => {
    const r = splitc(['run', out, '--frames', '24', '--pace', 'plan', '--pace-scale', '3000', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const res = JSON.parse(r.stdout) as { fps: number; efficiency: number; pace: { scale: number; predictedFps: number } };
    expect(res.pace.scale).toBe(3000);
    expect(res.efficiency).toBeCloseTo(res.fps / res.pace.predictedFps, 9);
    expect(splitc(['run', out, '--pace', 'plan', '--pace-scale', '-1'])).toEqual({ status: 2, stdout: '', stderr: 'error SPLITC9001: field --pace-scale: --pace-scale must be a positive number, got "-1"\n' });
  }, 60_000);

  it('concurrency defaults to the manifest\'s (from the target profile); --runner-threads overrides it', () => {
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { seam: { runtime: { dpuRunnerThreads: number; gpuContexts: number } } };
    const base = JSON.parse(splitc(['run', out, '--frames', '12', '--json']).stdout) as { concurrency: { runnerThreads: number; gpuContexts: number } };
    expect(base.concurrency).toEqual({ runnerThreads: manifest.seam.runtime.dpuRunnerThreads, gpuContexts: manifest.seam.runtime.gpuContexts });
    const three = JSON.parse(splitc(['run', out, '--frames', '12', '--runner-threads', '3', '--json']).stdout) as { concurrency: { runnerThreads: number }; check: { orderAgreement: number } };
    expect(three.concurrency.runnerThreads).toBe(3);
    expect(three.check.orderAgreement).toBe(1);
  }, 60_000);

  it('bad numbers are usage errors', () => {
    expect(splitc(['run', out, '--frames', '0'])).toEqual({ status: 2, stdout: '', stderr: 'error SPLITC9001: field --frames: --frames must be a positive integer, got "0"\n' });
    expect(splitc(['serve', out, '--port', 'http'])).toEqual({ status: 2, stdout: '', stderr: 'error SPLITC9001: field --port: --port must be a non-negative integer, got "http"\n' });
  });

  it('run on a directory splitc did not write: exit 1 naming the manifest', () => {
    const r = splitc(['run', work]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error SPLITC\d{4}: .*manifest\.json/);
  });
});
