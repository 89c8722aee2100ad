// The TensorRT emitter on its own: build_engine.sh parses, passes shellcheck and runs against a
// stubbed trtexec (version gate, flags per precision); build_engine.py compiles and holds the
// partition's I/O exactly; hostile names stay in their comments and literals; bad options are
// typed errors; seam.onnx dequantises INT8 NHWC to float NCHW exactly, checked in onnxruntime.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { SplitcError } from '@splitc/diagnostics';
import { emitBuildEnginePy, emitBuildEngineSh, emitGpuReadme, emitSeamOnnx, seamInputNames, dpuLayoutShape, type TensorRtInput } from '@splitc/emit-tensorrt';
import { decodeModel } from '@splitc/onnx';
import { resolveTarget, type Precision } from '@splitc/targets';
import { haveDebianData, havePython, PYTHON } from '@splitc/test-support';
import { tensorrtStub } from './stubs.js';

const d = mkdtempSync(path.join(tmpdir(), 'splitc-trt-'));
const gpu = resolveTarget().gpu;
const EVIL = 'a\nb$(touch PWNED)`touch PWNED`"""\'\r\u2028';
const input = (precision: Precision, names = ['x', 'y']): TensorRtInput => ({
  gpu, precision, modelName: `m${EVIL}.onnx`, splitcVersion: '0.0.0',
  inputs: [{ name: names[0]!, shape: [1, 8, 4, 4] }],
  outputs: [{ name: names[1]!, shape: [1, 10] }],
});
const write = (name: string, text: string, mode = 0o755): string => {
  const f = path.join(d, name);
  writeFileSync(f, text);
  chmodSync(f, mode);
  return f;
};

/** A trtexec that reports `banner` and records its arguments. */
function stubTrtexec(dir: string, banner: string): string {
  const bin = path.join(d, dir);
  spawnSync('mkdir', ['-p', bin]);
  write(`${dir}/trtexec`, `#!/usr/bin/env bash\nif [ "$1" = "--help" ]; then echo "=== ${banner} ==="; exit 0; fi\nprintf '%s\\n' "$@" > "${bin}/args"\n`);
  return bin;
}

describe('build_engine.sh', () => {
  it.each(['fp16', 'fp32'] as const)('%s: parses, runs against trtexec 10 with the right flags, refuses TensorRT 11', (precision) => {
    const sh = write(`build_engine_${precision}.sh`, emitBuildEngineSh(input(precision, [`in${EVIL}`, 'out'])));
    const n = spawnSync('bash', ['-n', sh], { encoding: 'utf8' });
    expect(n.stderr).toBe('');
    if (haveDebianData('/usr/bin/shellcheck', 'shellcheck', existsSync('/usr/bin/shellcheck'))) {
      const sc = spawnSync('/usr/bin/shellcheck', ['--severity=style', sh], { encoding: 'utf8' });
      expect(sc.stdout + sc.stderr).toBe('');
    }
    const ok = stubTrtexec(`trt10-${precision}`, 'TensorRT v100300');
    const r = spawnSync('bash', [sh], { cwd: d, encoding: 'utf8', env: { ...process.env, PATH: `${ok}:${process.env.PATH}` } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const args = readFileSync(path.join(ok, 'args'), 'utf8').trim().split('\n');
    expect(args).toEqual([
      `--onnx=${path.join(d, 'partition.onnx')}`, `--saveEngine=${path.join(d, 'partition.plan')}`, ...(precision === 'fp16' ? ['--fp16'] : []),
      '--memPoolSize=workspace:4096M', '--profilingVerbosity=detailed', '--dumpProfile', '--separateProfileRun',
      `--exportProfile=${path.join(d, 'profile.json')}`, `--exportLayerInfo=${path.join(d, 'layers.json')}`, `--exportTimes=${path.join(d, 'times.json')}`,
    ]);
    const v11 = stubTrtexec(`trt11-${precision}`, 'TensorRT v110000');
    const old = spawnSync('bash', [sh], { cwd: d, encoding: 'utf8', env: { ...process.env, PATH: `${v11}:${process.env.PATH}` } });
    expect(old.status).toBe(2);
    expect(old.stderr).toBe("build_engine.sh: needs TensorRT 10.x, trtexec reports 'TensorRT v110000'\n");
    expect(existsSync(path.join(d, 'PWNED'))).toBe(false);
  });
});

describe('build_engine.py', () => {
  it.runIf(havePython())('compiles, and its literals hold the partition I/O exactly (hostile names included)', () => {
    const x = input('fp16', [`in${EVIL}`, `out${EVIL}`]);
    const py = write('build_engine.py', emitBuildEnginePy(x));
    const probe = 'import ast, json, sys\nt = ast.parse(open(sys.argv[1], encoding="utf-8").read())\nc = {n.targets[0].id: ast.literal_eval(n.value) for n in t.body if isinstance(n, ast.Assign) and n.targets[0].id in ("PRECISION", "EXPECTED_INPUTS", "EXPECTED_OUTPUTS")}\nprint(json.dumps({k: (v if isinstance(v, str) else [[n, list(s)] for n, s in v.items()]) for k, v in c.items()}))';
    const r = spawnSync(PYTHON, ['-c', probe, py], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ PRECISION: 'fp16', EXPECTED_INPUTS: [[`in${EVIL}`, [1, 8, 4, 4]]], EXPECTED_OUTPUTS: [[`out${EVIL}`, [1, 10]]] });
  });

  it.runIf(havePython())('parses the ONNX from its file path (parse_from_file), so external weights beside the partition load', () => {
    // A stub of the TensorRT 10 Python API (the calls build_engine.py makes, as in the TensorRT
    // docstrings): parse(bytes) cannot see weights stored beside the model, so the stub fails it
    // exactly as TensorRT does for such a model; parse_from_file records the path it was given.
    const stub = mkdtempSync(path.join(tmpdir(), 'splitc-trt-stub-'));
    writeFileSync(path.join(stub, 'tensorrt.py'), tensorrtStub('externalWeights'));
    const gpuDir = mkdtempSync(path.join(tmpdir(), 'splitc-trt-gpu-'));
    writeFileSync(path.join(gpuDir, 'partition.onnx'), 'onnx');
    writeFileSync(path.join(gpuDir, 'partition.onnx.data'), 'weights');
    writeFileSync(path.join(gpuDir, 'build_engine.py'), emitBuildEnginePy(input('fp16')));
    const log = path.join(stub, 'log');
    const STUB_IO = JSON.stringify([['x', 'in', [1, 8, 4, 4]], ['y', 'out', [1, 10]]]);
    // Run from another directory, with the defaults (partition.onnx beside the script).
    const r = spawnSync(PYTHON, [path.join(gpuDir, 'build_engine.py')], { cwd: stub, encoding: 'utf8', env: { ...process.env, PYTHONPATH: stub, TRT_STUB_LOG: log, TRT_STUB_IO: STUB_IO } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe(`parse_from_file ${path.join(gpuDir, 'partition.onnx')}\n`);
    expect(readFileSync(path.join(gpuDir, 'partition.plan'), 'utf8')).toBe('PLAN');
    // A missing partition is one readable line, not a parser trace.
    const missing = spawnSync(PYTHON, [path.join(gpuDir, 'build_engine.py'), '--onnx', 'nope.onnx'], { cwd: stub, encoding: 'utf8', env: { ...process.env, PYTHONPATH: stub, TRT_STUB_LOG: log, TRT_STUB_IO: STUB_IO } });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('build_engine.py: no ONNX file at nope.onnx\n');
  });

  it('bad options are typed errors, not broken scripts', () => {
    expect(() => emitBuildEngineSh({ ...input('fp16'), workspaceMiB: 0.5 })).toThrow(SplitcError);
    expect(() => emitBuildEnginePy({ ...input('fp16'), workspaceMiB: Number.NaN })).toThrow(SplitcError);
    expect(() => emitBuildEngineSh({ ...input('fp16'), precision: 'int8; rm -rf /' as Precision })).toThrow('precision "int8; rm -rf /" must be fp16 or fp32');
  });
});

describe('README', () => {
  it('names stay on their line, in code spans', () => {
    const md = emitGpuReadme({ ...input('fp16', ['x`y', 'out\nforged line']), seamInputs: ['s\n# heading'] });
    expect(md).toContain('``x`y``');
    expect(md).toContain('`out\\nforged line`');
    expect(md).toContain('`s\\n# heading`');
    expect(md.split('\n').some((l) => l.startsWith('# heading') || l.startsWith('forged line'))).toBe(false);
  });
});

describe('seam.onnx', () => {
  const tensors = [{ name: 'a', shape: [1, 3, 2, 4] }, { name: 'b', shape: [1, 5] }];
  const bytes = emitSeamOnnx(tensors, 'splitc test');

  it('is deterministic and declares the INT8 NHWC inputs, the scales and the float NCHW outputs', () => {
    expect(Buffer.from(emitSeamOnnx(tensors, 'splitc test')).equals(Buffer.from(bytes))).toBe(true);
    const m = decodeModel(bytes);
    expect(m.graph.inputs.map((i) => i.name)).toEqual(['a__int8', 'a__scale', 'b__int8', 'b__scale']);
    expect(m.graph.outputs.map((o) => o.name)).toEqual(['a', 'b']);
    expect(m.graph.nodes.map((n) => n.opType)).toEqual(['Cast', 'Mul', 'Transpose', 'Cast', 'Mul']);
    expect(seamInputNames('a')).toEqual({ q: 'a__int8', scale: 'a__scale' });
    expect(dpuLayoutShape([1, 3, 2, 4])).toEqual([1, 2, 4, 3]);
  });

  it('computes x = transpose(float(q) * 2^-fix_point) exactly in onnxruntime', async () => {
    const s = await ort.InferenceSession.create(bytes);
    const qa = Int8Array.from({ length: 24 }, (_, i) => (i * 37) % 256 - 128);
    const qb = Int8Array.from({ length: 5 }, (_, i) => -3 * i);
    const out = await s.run({
      a__int8: new ort.Tensor('int8', qa, [1, 2, 4, 3]), a__scale: new ort.Tensor('float32', Float32Array.of(2 ** -5), []),
      b__int8: new ort.Tensor('int8', qb, [1, 5]), b__scale: new ort.Tensor('float32', Float32Array.of(2 ** -3), []),
    });
    expect(out.a!.dims).toEqual([1, 3, 2, 4]);
    // NCHW element (c, h, w) is NHWC element (h, w, c).
    const expected = Array.from({ length: 24 }, (_, i) => {
      const c = Math.floor(i / 8), h = Math.floor((i % 8) / 4), w = i % 4;
      return qa[(h * 4 + w) * 3 + c]! * 2 ** -5;
    });
    expect([...(out.a!.data as Float32Array)]).toEqual(expected);
    expect([...(out.b!.data as Float32Array)]).toEqual([...qb].map((q) => q * 2 ** -3));
  });
});
