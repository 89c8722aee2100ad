// `splitc compile` end to end: the artifact tree, manifest, golden files, determinism, atomic
// output, script hygiene, and the programmatic API.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, type Manifest } from 'splitc';
import { haveDebianData, havePython, PYTHON } from '@splitc/test-support';
import { ROOT, splitc } from './run-cli.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'splitc-compile-'));
const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? walk(path.join(dir, f)) : [path.join(dir, f)])).sort();
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('splitc compile', () => {
  it('writes the partitions, the Vitis AI and TensorRT builds, the seam, the report and a manifest', () => {
    const out = path.join(tmp(), 'out');
    const r = splitc(['compile', 'fixtures/models/mobilenetv2-weights.onnx', '--target', 'vck190+rtx2080', '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(walk(out).map((f) => path.relative(out, f))).toEqual([
      'dpu/README.md', 'dpu/compile.sh', 'dpu/model.py', 'dpu/partition.onnx', 'dpu/quantize.py', 'dpu/worker.py', 'dpu/xmodel_map.py',
      'gpu/README.md', 'gpu/build_engine.py', 'gpu/build_engine.sh', 'gpu/model.py', 'gpu/partition.onnx', 'gpu/seam.onnx', 'gpu/worker.py',
      'manifest.json', 'report.html',
    ]);
    const m = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
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

  it('is byte-identical on a second run, and the API returns the written manifest', () => {
    const d = tmp();
    expect(splitc(['compile', 'fixtures/models/tinyres-weights.onnx', '-o', path.join(d, 'a'), '--split', '9']).status).toBe(0);
    const m = compile('fixtures/models/tinyres-weights.onnx', { output: path.join(d, 'b'), split: 9, onWarning: () => undefined });
    const a = walk(path.join(d, 'a')).map((f) => [path.relative(path.join(d, 'a'), f), sha(f)]);
    const b = walk(path.join(d, 'b')).map((f) => [path.relative(path.join(d, 'b'), f), sha(f)]);
    expect(b).toEqual(a);
    expect(JSON.parse(readFileSync(path.join(d, 'b', 'manifest.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(m)));
  });

  it('--split warns when it is not the best, and refuses an invalid index', () => {
    const d = tmp();
    const r = splitc(['compile', 'fixtures/models/mobilenetv2-weights.onnx', '-o', path.join(d, 'o'), '--split', '10']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^warning: split 10 is not the best for the stream objective: [0-9.]+ ms against [0-9.]+ ms at k = \d+\n$/);
    const m = JSON.parse(readFileSync(path.join(d, 'o', 'manifest.json'), 'utf8')) as Manifest;
    expect(m.split).toMatchObject({ index: 10, forced: true });
    const bad = splitc(['compile', 'fixtures/models/lenet5-weights.onnx', '-o', path.join(d, 'p'), '--split', '99']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('error SPLITC4011: field --split: invalid split: split 99 is not a valid cut: valid indices are 0..12\n');
    expect(existsSync(path.join(d, 'p'))).toBe(false);
  });

  it('matches the golden files (regenerate with npm run golden)', () => {
    for (const name of ['lenet5-weights', 'mobilenetv2-weights']) {
      const out = path.join(tmp(), 'out');
      compile(`fixtures/models/${name}.onnx`, { output: out });
      const golden = path.join(ROOT, 'fixtures/golden', name);
      const files = walk(golden).map((f) => path.relative(golden, f));
      expect(files.length).toBeGreaterThanOrEqual(5);
      for (const f of files) expect(readFileSync(path.join(out, f), 'utf8'), `${name}/${f}`).toBe(readFileSync(path.join(golden, f), 'utf8'));
      // Every emitted text file of the kinds kept as golden is in the golden set.
      expect(walk(out).map((f) => path.relative(out, f)).filter((f) => /(\.py|\.sh|README\.md|manifest\.json)$/.test(f))).toEqual(files);
    }
  });
});

describe('failures leave nothing behind', () => {
  it('an existing output is never touched without --force, and a splitc output is replaced with it', () => {
    const d = tmp();
    const out = path.join(d, 'out');
    mkdirSync(out);
    writeFileSync(path.join(out, 'keep.txt'), 'mine');
    const r = splitc(['compile', 'fixtures/models/lenet5-weights.onnx', '-o', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`error SPLITC5001: ${out}: output exists: pass --force to replace it\n`);
    expect(readdirSync(out)).toEqual(['keep.txt']);
    // Not written by splitc: --force does not replace it either (outputs.test.ts has the other cases).
    expect(splitc(['compile', 'fixtures/models/lenet5-weights.onnx', '-o', out, '--force']).status).toBe(1);
    expect(readdirSync(out)).toEqual(['keep.txt']);
    const ours = path.join(d, 'ours');
    expect(splitc(['compile', 'fixtures/models/lenet5-weights.onnx', '-o', ours]).status).toBe(0);
    writeFileSync(path.join(ours, 'keep.txt'), 'mine');
    expect(splitc(['compile', 'fixtures/models/lenet5-weights.onnx', '-o', ours, '--force']).status).toBe(0);
    expect(existsSync(path.join(ours, 'keep.txt'))).toBe(false);
    expect(existsSync(path.join(ours, 'manifest.json'))).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['ours', 'out']);
  });

  it('a bad model: one line, exit 1, no output and no temporary directory', () => {
    const d = tmp();
    const junk = path.join(d, 'junk.onnx');
    writeFileSync(junk, 'not a model');
    const r = splitc(['compile', junk, '-o', path.join(d, 'out')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error SPLITC100[34]: /);
    expect(readdirSync(d)).toEqual(['junk.onnx']);
  });

  it('a structure-only model: no weights to write', () => {
    const d = tmp();
    const r = splitc(['compile', 'fixtures/models/resnet18.onnx', '-o', path.join(d, 'out')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error SPLITC5003: fixtures\/models\/resnet18.onnx: field tensor ".*": model has no weights to write: .* \(a structure-only export\?\); export the model with its weights\n$/);
    expect(readdirSync(d)).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)('an unwritable output directory', () => {
    const d = tmp();
    chmodSync(d, 0o500);
    const r = splitc(['compile', 'fixtures/models/lenet5-weights.onnx', '-o', path.join(d, 'out')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error SPLITC5002: /);
    chmodSync(d, 0o700);
    expect(readdirSync(d)).toEqual([]);
  });

  it('missing parent directories are created, and removed again when the compile fails', () => {
    const d = tmp();
    expect(splitc(['compile', 'fixtures/models/lenet5-weights.onnx', '-o', path.join(d, 'a', 'b', 'out')]).status).toBe(0);
    expect(existsSync(path.join(d, 'a', 'b', 'out', 'manifest.json'))).toBe(true);
    const r = splitc(['compile', 'fixtures/models/resnet18.onnx', '-o', path.join(d, 'x', 'y', 'out')]);
    expect(r.status).toBe(1);
    expect(readdirSync(d)).toEqual(['a']);
  });

  it('an output path that is a file in the way (as root too)', () => {
    const d = tmp();
    writeFileSync(path.join(d, 'file'), 'x');
    const r = splitc(['compile', 'fixtures/models/lenet5-weights.onnx', '-o', path.join(d, 'file', 'out')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error SPLITC5002: /);
    expect(readdirSync(d)).toEqual(['file']);
  });

  it('-o is required', () => {
    const r = splitc(['compile', 'fixtures/models/lenet5-weights.onnx']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('error SPLITC9001: missing -o (--output) (run splitc compile --help)\n');
  });
});

describe('emitted scripts are sound', () => {
  const d = tmp();
  const outs = ['mobilenetv2-weights', 'tinyres-weights', 'lenet5-weights'].map((name, i) => {
    const out = path.join(d, name);
    compile(`fixtures/models/${name}.onnx`, { output: out, ...(i === 1 ? { split: 7 } : {}), onWarning: () => undefined });
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
