// I/O discipline of compile, plan and inspect: the model is read once, each byte that needs a
// digest is hashed once (the source, and each artifact from the bytes that are written), and
// nothing is hashed that a command does not report. Speed is measured by
// scripts/bench-compile.mjs, not here.
import { spawnSync } from 'node:child_process';
import crypto, { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, inspect, plan } from 'splitc';
import type { ProgressEvent } from '@splitc/diagnostics';
import { BACKGROUND_HASH_MIN_BYTES } from '@splitc/onnx';
import { twoBranchModel } from '@splitc/test-support';
import { ROOT } from './run-cli.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'splitc-read-once-'));

/** Run `body` (an ES module body that may set `result`) in a child; bytes it read and wrote through syscalls. */
function childIo(body: string, argv: readonly string[]): { read: number; written: number; result: unknown } {
  const script = `
    import { readFileSync } from 'node:fs';
    const io = () => Object.fromEntries(readFileSync('/proc/self/io', 'utf8').trim().split('\\n').map((l) => l.split(': ')).map(([k, v]) => [k, Number(v)]));
    let result;
    const before = io();
    ${body.replace(/^import .*?;/, '')}
    const after = io();
    console.log(JSON.stringify({ read: after.rchar - before.rchar, written: after.wchar - before.wchar, result }));`;
  const imports = /^import .*?;/.exec(body)?.[0] ?? '';
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', imports + script, ...argv], { cwd: ROOT, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as { read: number; written: number; result: unknown };
}
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Count the bytes given to sha256 hashes made on this thread while `fn` runs. */
function hashedBytes<T>(fn: () => T): { result: T; bytes: number; hashes: number } {
  const original = crypto.createHash;
  let bytes = 0;
  let hashes = 0;
  crypto.createHash = ((algorithm: string, options?: crypto.HashOptions) => {
    const h = original(algorithm, options);
    if (algorithm !== 'sha256') return h;
    hashes++;
    const update = h.update.bind(h);
    h.update = ((data: crypto.BinaryLike, enc?: crypto.Encoding) => {
      bytes += typeof data === 'string' ? Buffer.byteLength(data) : (data as Uint8Array).byteLength;
      return enc === undefined ? update(data) : update(data as string, enc);
    }) as typeof h.update;
    return h;
  }) as typeof crypto.createHash;
  syncBuiltinESMExports();
  try {
    return { result: fn(), bytes, hashes };
  } finally {
    crypto.createHash = original;
    syncBuiltinESMExports();
  }
}

// A model above the background-hashing threshold (~20 MiB of conv weights), so the worker runs.
const dir = tmp();
const big = path.join(dir, 'big.onnx');
writeFileSync(big, twoBranchModel(768, 2, (i) => Math.cos(i)));
const small = path.join(ROOT, 'fixtures/models/tinyres-weights.onnx');

describe('read once, hash once', () => {
  it('inspect hashes nothing, and reads the structure but not the large weights', () => {
    const { hashes } = hashedBytes(() => inspect(small));
    expect(hashes).toBe(0);
    const io = childIo(`import { inspect } from 'splitc'; inspect(process.argv[1]);`, [big]);
    // The 20 MiB conv weight is never read: the summary does not need its values.
    expect(io.read).toBeLessThan(1 << 20);
    expect(io.result).toBeUndefined();
  });

  it('plan hashes the source exactly once (inline for a small model, on the worker for a large one)', () => {
    const s = hashedBytes(() => plan(small));
    expect(s.bytes).toBe(statSync(small).size);
    expect(s.result.model.sha256).toBe(sha(readFileSync(small)));
    const b = hashedBytes(() => plan(big));
    expect(b.bytes).toBe(0);
    expect(b.result.model.sha256).toBe(sha(readFileSync(big)));
  });

  it('plan with lazyDigest reads the structure only and hashes nothing, until the digest is asked for', () => {
    const eager = plan(big);
    const { result: p, hashes } = hashedBytes(() => plan(big, { lazyDigest: true }));
    expect(hashes).toBe(0);
    // The same plan; its digest is read and hashed (here, on this thread) when first asked for.
    const h = hashedBytes(() => p.model.sha256);
    expect(h.result).toBe(sha(readFileSync(big)));
    expect(h.bytes).toBe(statSync(big).size);
    expect(JSON.stringify(p)).toBe(JSON.stringify(eager));
    // In a process: the 20 MiB weight is never read when the digest is not asked for.
    const io = childIo(`import { plan } from 'splitc'; const p = plan(process.argv[1], { lazyDigest: true }); result = p.best.index;`, [big]);
    expect(io.read).toBeLessThan(1 << 20);
    expect(io.result).toBe(eager.best.index);
  });

  it('splitc plan reads only the structure for its summary and --json, and the whole model for -o', () => {
    // The CLI process itself, as a user runs it; a preload reports its /proc/self/io at exit.
    const work = tmp();
    const preload = path.join(work, 'io.cjs');
    writeFileSync(preload, "process.on('exit', () => { const rchar = /rchar: (\\d+)/.exec(require('fs').readFileSync('/proc/self/io', 'utf8'))[1]; require('fs').writeSync(2, 'rchar=' + rchar + '\\n'); });");
    const readBy = (args: string[]): { read: number; stdout: string } => {
      const r = spawnSync(process.execPath, ['-r', preload, path.join(ROOT, 'packages/cli/bin/splitc.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return { read: Number(/rchar=(\d+)/.exec(r.stderr)![1]), stdout: r.stdout };
    };
    const size = statSync(big).size;
    const text = readBy(['plan', big]);
    const json = readBy(['plan', big, '--json']);
    const out = path.join(work, 'plan.json');
    const saved = readBy(['plan', big, '-o', out]);
    // Its own code and the target profiles are read either way; the 20 MiB weight only for -o.
    expect(text.read).toBeLessThan(size / 2);
    expect(json.read).toBeLessThan(size / 2);
    expect(saved.read).toBeGreaterThanOrEqual(size);
    expect((JSON.parse(readFileSync(out, 'utf8')) as { model: { sha256: string } }).model.sha256).toBe(sha(readFileSync(big)));
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(readBy(['plan', big, '--json', '--report', path.join(work, 'r.html')]).stdout));
    expect(text.stdout).toContain('chosen ');
  });

  it('compile hashes the source once and each artifact once, from the bytes it writes', () => {
    const out = path.join(tmp(), 'out');
    const { result: m, bytes } = hashedBytes(() => compile(small, { output: out }));
    const artifactBytes = m.artifacts.reduce((n, a) => n + a.bytes, 0);
    expect(bytes).toBe(statSync(small).size + artifactBytes);
    for (const a of m.artifacts) expect(sha(readFileSync(path.join(out, a.path))), a.path).toBe(a.sha256);
  });

  it('compile of a large model hashes on the worker: digests right, progress reported', () => {
    expect(statSync(big).size).toBeGreaterThanOrEqual(BACKGROUND_HASH_MIN_BYTES);
    const out = path.join(tmp(), 'out');
    const events: ProgressEvent[] = [];
    const { result: m, bytes } = hashedBytes(() => compile(big, { output: out, onProgress: (e) => events.push(e) }));
    // The worker hashes the source and some of the partitions (those chooseInline gives it, from
    // how much of the source it has left); this thread, once each, the small files and the other
    // partitions, as it writes them.
    const halves = m.artifacts.filter((a) => a.path.endsWith('partition.onnx')).map((a) => a.bytes);
    expect(halves).toHaveLength(2);
    const partitions = halves[0]! + halves[1]!;
    expect(partitions).toBeGreaterThan(statSync(big).size / 2);
    const onWorker = m.artifacts.reduce((n, a) => n + a.bytes, 0) - bytes;
    expect([0, halves[0]!, halves[1]!, partitions]).toContain(onWorker);
    expect(m.model.sha256).toBe(sha(readFileSync(big)));
    for (const a of m.artifacts) expect(sha(readFileSync(path.join(out, a.path))), a.path).toBe(a.sha256);
    const reads = events.filter((e) => e.phase === 'read model');
    expect(reads.at(-1)).toEqual({ phase: 'read model', done: statSync(big).size, total: statSync(big).size, unit: 'bytes' });
    // The partitions say which source they came from.
    expect(readFileSync(path.join(out, 'dpu/partition.onnx')).includes(Buffer.from(m.model.sha256))).toBe(true);
  });

  it('a compile process reads the model once and writes each output byte once (/proc/self/io)', () => {
    const out = path.join(tmp(), 'out');
    const io = childIo(`import { compile } from 'splitc'; const m = compile(process.argv[1], { output: process.argv[2] }); result = m.artifacts.reduce((n, a) => n + a.bytes, 0);`, [big, out]);
    const { read, written } = io;
    const artifactBytes = io.result as number;
    const size = statSync(big).size;
    const manifest = statSync(path.join(out, 'manifest.json')).size;
    // The model once, plus the small files a compile reads (target profiles): well under 1 MiB.
    expect(read).toBeGreaterThanOrEqual(size);
    expect(read - size).toBeLessThan(1 << 20);
    // Each output byte once; the rest are 8-byte eventfd wake-ups between the threads.
    expect(written).toBeGreaterThanOrEqual(artifactBytes + manifest);
    expect(written - artifactBytes - manifest).toBeLessThan(64 << 10);
  });
});
