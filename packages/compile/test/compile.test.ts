// The compile driver through its API (`import { compile } from '@splitc/compile'`, no CLI): the
// artifact tree, manifest, golden files, determinism, atomic output and script hygiene. What the
// `splitc compile` command prints and its exit codes: packages/cli/test/compile-cli.test.ts.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, type CompileOptions, type Manifest } from '@splitc/compile';
import { chooseInline } from '../src/compile.js';
import { SplitcError } from '@splitc/diagnostics';
import { haveDebianData, havePython, PYTHON } from '@splitc/test-support';

const ROOT = path.resolve(__dirname, '../../..');
/** A fixture by its path in the repository (vitest runs from the root; golden paths stay relative). */
const at = (p: string): string => path.resolve(ROOT, p);
const errorOf = (f: () => unknown): SplitcError => {
  try { f(); } catch (e) { if (e instanceof SplitcError) return e; throw e; }
  throw new Error('expected a SplitcError');
};
const quiet = (o: CompileOptions): CompileOptions => ({ onWarning: () => undefined, ...o });

const tmp = () => mkdtempSync(path.join(tmpdir(), 'splitc-compile-'));
const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? walk(path.join(dir, f)) : [path.join(dir, f)])).sort();
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('compile()', () => {
  it('writes the partitions, the Vitis AI and TensorRT builds, the seam, the report and a manifest', () => {
    const out = path.join(tmp(), 'out');
    const warnings: string[] = [];
    const returned = compile(at('fixtures/models/mobilenetv2-weights.onnx'), { target: 'vck190+rtx2080', output: out, onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
    expect(walk(out).map((f) => path.relative(out, f))).toEqual([
      'dpu/README.md', 'dpu/compile.sh', 'dpu/model.py', 'dpu/partition.onnx', 'dpu/quantize.py', 'dpu/worker.py', 'dpu/xmodel_map.py',
      'gpu/README.md', 'gpu/build_engine.py', 'gpu/build_engine.sh', 'gpu/model.py', 'gpu/partition.onnx', 'gpu/seam.onnx',
      'gpu/triton/README.md', 'gpu/triton/mobilenetv2-weights/1/README.md', 'gpu/triton/mobilenetv2-weights/config.pbtxt',
      'gpu/triton/mobilenetv2-weights__engine/config.pbtxt', 'gpu/triton/mobilenetv2-weights__seam/1/model.py', 'gpu/triton/mobilenetv2-weights__seam/config.pbtxt',
      'gpu/triton/set_fix_points.py', 'gpu/worker.py',
      'manifest.json', 'report.html',
    ]);
    const m = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(m).toEqual(JSON.parse(JSON.stringify(returned)));
    expect(m.schemaVersion).toBe(3);
    expect(m.seam.batch).toBe(6);
    // The runtime's concurrency, from the vck190 and rtx2080 profiles.
    expect(m.seam.runtime).toEqual({ dpuRunnerThreads: 2, gpuContexts: 2 });
    expect(m.seam.wire.model).toBe('mobilenetv2-weights');
    expect(m.split.index).toBe(m.plan.best.index);
    expect(m.split.forced).toBe(false);
    expect(m.tools).toMatchObject({ vitisAi: '3.0', pytorch: '1.12', vaiTarget: 'DPUCVDX8G_ISA3_C32B6', tensorrt: '10.x', precision: 'fp16' });
    // Every artifact's hash and size are right; the manifest lists every file but itself.
    expect(m.artifacts.map((a) => a.path)).toEqual(walk(out).map((f) => path.relative(out, f)).filter((f) => f !== 'manifest.json'));
    for (const a of m.artifacts) {
      expect(sha(path.join(out, a.path)), a.path).toBe(a.sha256);
      expect(statSync(path.join(out, a.path)).size).toBe(a.bytes);
    }
    // Crossing tensors: float NCHW on the GPU side, INT8 NHWC from the DPU, dequantised by the seam.
    expect(m.crossing.length).toBeGreaterThan(0);
    for (const c of m.crossing) {
      expect(c.from).toBe('dpu');
      expect(c.dpu!.shape).toEqual(c.shape.length === 4 ? [c.shape[0], c.shape[2], c.shape[3], c.shape[1]] : c.shape);
      expect(c.link.bytes).toBe(c.shape.reduce((a, b) => a * b, 1));
      expect(c.quantization!.dequantize).toBe('x = q * 2^-fix_point');
    }
    expect(m.seam.model).toBe('gpu/seam.onnx');
    expect(m.partitions.dpu!.outputs).toEqual(m.crossing.map((c) => c.name));
    for (const f of ['dpu/compile.sh', 'dpu/quantize.py', 'dpu/worker.py', 'dpu/xmodel_map.py', 'gpu/build_engine.sh', 'gpu/build_engine.py', 'gpu/worker.py']) {
      expect(statSync(path.join(out, f)).mode & 0o111, f).not.toBe(0);
    }
  });

  it('is byte-identical on a second run, and returns the written manifest', () => {
    const d = tmp();
    compile(at('fixtures/models/tinyres-weights.onnx'), quiet({ output: path.join(d, 'a'), split: 9 }));
    const m = compile(at('fixtures/models/tinyres-weights.onnx'), quiet({ output: path.join(d, 'b'), split: 9 }));
    const a = walk(path.join(d, 'a')).map((f) => [path.relative(path.join(d, 'a'), f), sha(f)]);
    const b = walk(path.join(d, 'b')).map((f) => [path.relative(path.join(d, 'b'), f), sha(f)]);
    expect(b).toEqual(a);
    expect(JSON.parse(readFileSync(path.join(d, 'b', 'manifest.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(m)));
  });

  it('split: warns when it is not the best, and refuses an invalid index', () => {
    const d = tmp();
    const warnings: string[] = [];
    compile(at('fixtures/models/mobilenetv2-weights.onnx'), { output: path.join(d, 'o'), split: 10, onWarning: (w) => warnings.push(w) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^split 10 is not the best for the stream objective: [0-9.]+ ms against [0-9.]+ ms at k = \d+$/);
    const m = JSON.parse(readFileSync(path.join(d, 'o', 'manifest.json'), 'utf8')) as Manifest;
    expect(m.split).toMatchObject({ index: 10, forced: true });
    const bad = errorOf(() => compile(at('fixtures/models/lenet5-weights.onnx'), { output: path.join(d, 'p'), split: 99 }));
    expect(bad.code).toBe('SPLITC4011');
    expect(bad.message).toContain('invalid split: split 99 is not a valid cut: valid indices are 0..12');
    expect(errorOf(() => compile(at('fixtures/models/lenet5-weights.onnx'), { output: path.join(d, 'p'), split: 1.5 })).code).toBe('SPLITC9001');
    expect(readdirSync(d)).toEqual(['o']);
  });

  it('matches the golden files (regenerate with npm run golden)', () => {
    for (const name of ['lenet5-weights', 'mobilenetv2-weights']) {
      const out = path.join(tmp(), 'out');
      // Relative, as `npm run golden` gives it: the manifest records the model path as given.
      compile(`fixtures/models/${name}.onnx`, { output: out });
      const golden = path.join(ROOT, 'fixtures/golden', name);
      const files = walk(golden).map((f) => path.relative(golden, f));
      expect(files.length).toBeGreaterThanOrEqual(5);
      for (const f of files) expect(readFileSync(path.join(out, f), 'utf8'), `${name}/${f}`).toBe(readFileSync(path.join(golden, f), 'utf8'));
      // Every emitted text file of the kinds kept as golden is in the golden set.
      expect(walk(out).map((f) => path.relative(out, f)).filter((f) => /(\.py|\.sh|README\.md|manifest\.json|config\.pbtxt)$/.test(f))).toEqual(files);
    }
  });
});

describe('who hashes the partitions (chooseInline)', () => {
  const MB = 1 << 20;
  it('this thread writes everything, so it hashes only what keeps the worker from finishing last', () => {
    // VGG16-like: the worker still has most of the source to hash; this thread takes the larger half.
    expect(chooseInline([49 * MB, 504 * MB], 500 * MB)).toEqual([false, true]);
    // ResNet152-like: the source is hashed while the model is analysed; the worker takes both halves.
    expect(chooseInline([136 * MB, 105 * MB], 0)).toEqual([false, false]);
    // Four files (external data): writing 402 MiB costs this thread about as much as hashing 281,
    // so it hashes the 300 MiB file (581 in all) and the worker 350 + 102 = 452.
    expect(chooseInline([1 * MB, 300 * MB, 1 * MB, 100 * MB], 350 * MB)).toEqual([false, true, false, false]);
    expect(chooseInline([], 10 * MB)).toEqual([]);
  });
});

describe('failures leave nothing behind', () => {
  const LENET = at('fixtures/models/lenet5-weights.onnx');

  it('an existing output is never touched without force, and a splitc output is replaced with it', () => {
    const d = tmp();
    const out = path.join(d, 'out');
    mkdirSync(out);
    writeFileSync(path.join(out, 'keep.txt'), 'mine');
    const e = errorOf(() => compile(LENET, { output: out }));
    expect([e.code, e.message]).toEqual(['SPLITC5001', `${out}: field force: output exists: replaced only when forced`]);
    expect(readdirSync(out)).toEqual(['keep.txt']);
    // Not written by splitc: force does not replace it either.
    expect(errorOf(() => compile(LENET, { output: out, force: true })).message).toBe(`${out}: field force: output exists: is not a splitc output (it has no splitc manifest.json); forcing replaces only a directory that splitc wrote`);
    expect(readdirSync(out)).toEqual(['keep.txt']);
    const ours = path.join(d, 'ours');
    compile(LENET, { output: ours });
    writeFileSync(path.join(ours, 'keep.txt'), 'mine');
    compile(LENET, { output: ours, force: true });
    expect(existsSync(path.join(ours, 'keep.txt'))).toBe(false);
    expect(existsSync(path.join(ours, 'manifest.json'))).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['ours', 'out']);
  });

  it('a file, a symbolic link and an output holding the model are refused even with force', () => {
    const d = tmp();
    writeFileSync(path.join(d, 'file'), 'data');
    expect(errorOf(() => compile(LENET, { output: path.join(d, 'file'), force: true })).message).toMatch(/: output exists: is not a directory; /);
    mkdirSync(path.join(d, 'theirs'));
    symlinkSync(path.join(d, 'theirs'), path.join(d, 'link'));
    expect(errorOf(() => compile(LENET, { output: path.join(d, 'link'), force: true })).message).toMatch(/: output exists: is a symbolic link; /);
    const out = path.join(d, 'out');
    compile(LENET, { output: out });
    writeFileSync(path.join(out, 'model.onnx'), readFileSync(LENET));
    const inside = errorOf(() => compile(path.join(out, 'model.onnx'), { output: out, force: true }));
    expect([inside.code, inside.message]).toEqual(['SPLITC9001', `field output: output "${out}" holds the input "${path.join(out, 'model.onnx')}"; write the output elsewhere`]);
    expect(existsSync(path.join(out, 'model.onnx'))).toBe(true);
    expect(readFileSync(path.join(d, 'file'), 'utf8')).toBe('data');
    expect(readdirSync(d).sort()).toEqual(['file', 'link', 'out', 'theirs']);
  });

  it('a bad model: a typed error, no output and no temporary directory', () => {
    const d = tmp();
    const junk = path.join(d, 'junk.onnx');
    writeFileSync(junk, 'not a model');
    expect(errorOf(() => compile(junk, { output: path.join(d, 'out') })).code).toMatch(/^SPLITC100[34]$/);
    expect(readdirSync(d)).toEqual(['junk.onnx']);
  });

  it('a structure-only model: no weights to write', () => {
    const d = tmp();
    const e = errorOf(() => compile('fixtures/models/resnet18.onnx', { output: path.join(d, 'out') }));
    expect(e.code).toBe('SPLITC5003');
    expect(e.message).toMatch(/^fixtures\/models\/resnet18.onnx: field tensor ".*": model has no weights to write: .* \(a structure-only export\?\); export the model with its weights$/);
    expect(readdirSync(d)).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)('an unwritable output directory', () => {
    const d = tmp();
    chmodSync(d, 0o500);
    try {
      expect(errorOf(() => compile(LENET, { output: path.join(d, 'out') })).code).toBe('SPLITC5002');
    } finally {
      chmodSync(d, 0o700);
    }
    expect(readdirSync(d)).toEqual([]);
  });

  it('missing parent directories are created, and removed again when the compile fails', () => {
    const d = tmp();
    compile(LENET, { output: path.join(d, 'a', 'b', 'out') });
    expect(existsSync(path.join(d, 'a', 'b', 'out', 'manifest.json'))).toBe(true);
    expect(errorOf(() => compile(at('fixtures/models/resnet18.onnx'), { output: path.join(d, 'x', 'y', 'out') })).code).toBe('SPLITC5003');
    expect(readdirSync(d)).toEqual(['a']);
  });

  it('an output path below a file', () => {
    const d = tmp();
    writeFileSync(path.join(d, 'file'), 'x');
    expect(errorOf(() => compile(LENET, { output: path.join(d, 'file', 'out') })).code).toBe('SPLITC5002');
    expect(readdirSync(d)).toEqual(['file']);
  });
});

describe('emitted scripts are sound', () => {
  const d = tmp();
  const outs = ['mobilenetv2-weights', 'tinyres-weights', 'lenet5-weights'].map((name, i) => {
    const out = path.join(d, name);
    compile(at(`fixtures/models/${name}.onnx`), quiet({ output: out, ...(i === 1 ? { split: 7 } : {}) }));
    return out;
  });
  const files = outs.flatMap(walk);
  const shells = files.filter((f) => f.endsWith('.sh'));
  const pythons = files.filter((f) => f.endsWith('.py'));

  it('shell scripts: bash -n, set -euo pipefail, quoted variables', () => {
    expect(shells.length).toBeGreaterThanOrEqual(4);
    for (const f of shells) {
      expect(spawnSync('bash', ['-n', f]).status, f).toBe(0);
      const text = readFileSync(f, 'utf8');
      expect(text.startsWith('#!/usr/bin/env bash\n'), f).toBe(true);
      expect(text, f).toContain('\nset -euo pipefail\n');
    }
  });

  it.runIf(haveDebianData('/usr/bin/shellcheck', 'shellcheck', existsSync('/usr/bin/shellcheck')))('shell scripts: shellcheck finds nothing', () => {
    const r = spawnSync('/usr/bin/shellcheck', ['--severity=style', ...shells], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.runIf(havePython())('python files compile', () => {
    expect(pythons.length).toBeGreaterThanOrEqual(6);
    const r = spawnSync(PYTHON, ['-m', 'py_compile', ...pythons], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.runIf(havePython('torch'))('model.py runs standalone and prints its output shapes', () => {
    const dpuDir = path.join(outs[0]!, 'dpu');
    const r = spawnSync(PYTHON, ['model.py'], { cwd: dpuDir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const m = JSON.parse(readFileSync(path.join(outs[0]!, 'manifest.json'), 'utf8')) as Manifest;
    expect(r.stdout.trim().split('\n')).toEqual(m.crossing.map((c) => `${c.name} [${c.shape.join(', ')}]`));
  });
});
