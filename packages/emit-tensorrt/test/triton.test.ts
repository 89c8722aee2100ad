// gpu/triton/, the Triton model repository, without Triton (no tritonserver here): every
// config.pbtxt parsed by protobuf's own text-format parser against Triton's model_config.proto (an
// unknown or misspelt field fails); the ensemble's wiring checked as Triton's ensemble validation
// does it, against seam.onnx, the GPU partition and the manifest's wire; the Python seam model run
// through a stand-in of triton_python_backend_utils and compared with seam.onnx in onnxruntime;
// set_fix_points.py; build_engine.py --triton against a stand-in of the TensorRT 10 API; and the
// batch-dynamic copy of the partition it parses, run in onnxruntime at batch 6 against batch 1.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, MANIFEST_SCHEMA_VERSION, readManifest } from '@splitc/compile';
import { emitTritonRepository, type TritonInput } from '@splitc/emit-tensorrt';
import { decodeModel } from '@splitc/onnx';
import { havePython, PYTHON } from '@splitc/test-support';
import { PB_UTILS_STUB, tensorrtStub } from './stubs.js';

const ROOT = path.resolve(__dirname, '../../..');
const PROTO = path.join(__dirname, 'triton/model_config.proto');
const CHECK = path.join(__dirname, 'triton/pbtxt_check.py');
const dir = mkdtempSync(path.join(tmpdir(), 'splitc-triton-'));
const out = path.join(dir, 'tinyres');
const repo = path.join(out, 'gpu/triton');
const MODEL = 'tinyres-weights';
const ok = havePython('google.protobuf', 'numpy');

beforeAll(() => {
  process.chdir(ROOT);
  // --split 5: two crossing tensors of the same shape with different fix_points.
  compile('fixtures/models/tinyres-weights.onnx', { output: out, split: 5, onWarning: () => undefined });
});

interface TensorConfig { name: string; data_type: string; dims: string[] }
interface Step { model_name: string; model_version: string; input_map: Record<string, string>; output_map: Record<string, string> }
interface Config {
  name: string; platform?: string; backend?: string; max_batch_size: number;
  input: TensorConfig[]; output: TensorConfig[];
  instance_group?: { count: number; kind: string }[];
  ensemble_scheduling?: { step: Step[] };
}

/** Parse config.pbtxt files with protobuf's text_format against model_config.proto. */
function parse(files: readonly string[]): { status: number | null; configs: Config[]; stderr: string } {
  const r = spawnSync(PYTHON, [CHECK, PROTO, ...files], { encoding: 'utf8' });
  return { status: r.status, configs: r.status === 0 ? (JSON.parse(r.stdout) as Config[]) : [], stderr: r.stderr };
}

const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(path.join(d, f)).isDirectory() ? walk(path.join(d, f)) : [path.join(d, f)]));

describe('gpu/triton/ from compile', () => {
  it('holds the ensemble, the seam and the engine models, and is byte-identical on a re-run', () => {
    expect(walk(repo).map((f) => path.relative(repo, f)).sort()).toEqual([
      'README.md', 'set_fix_points.py',
      `${MODEL}/1/README.md`, `${MODEL}/config.pbtxt`,
      `${MODEL}__engine/config.pbtxt`,
      `${MODEL}__seam/1/model.py`, `${MODEL}__seam/config.pbtxt`,
    ]);
    const again = path.join(dir, 'again');
    compile('fixtures/models/tinyres-weights.onnx', { output: again, split: 5, onWarning: () => undefined });
    for (const f of walk(repo)) expect(readFileSync(path.join(again, 'gpu/triton', path.relative(repo, f))).equals(readFileSync(f))).toBe(true);
    // The manifest lists them with the other artifacts.
    const listed = readManifest(out).artifacts.map((a) => a.path);
    for (const f of walk(repo)) expect(listed).toContain(path.relative(out, f));
    // build_engine.py knows where the plan goes.
    expect(readFileSync(path.join(out, 'gpu/build_engine.py'), 'utf8')).toContain(`\nTRITON_MAX_BATCH = 6\nTRITON_PLAN = "triton/${MODEL}__engine/1/model.plan"\n`);
  });

  it.runIf(ok)('its Python (set_fix_points.py, the seam\'s model.py, build_engine.py) parses with the 3.7 grammar and compiles', () => {
    const files = ['gpu/triton/set_fix_points.py', `gpu/triton/${MODEL}__seam/1/model.py`, 'gpu/build_engine.py'].map((f) => path.join(out, f));
    const r = spawnSync(PYTHON, ['-c', 'import ast, sys\nfor f in sys.argv[1:]:\n    ast.parse(open(f, encoding="utf-8").read(), f, feature_version=(3, 7))\n    compile(open(f, encoding="utf-8").read(), f, "exec")\nprint("ok")', ...files], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok\n');
  });

  it.runIf(ok)('every config.pbtxt parses with protobuf\'s text_format against model_config.proto; a misspelt field does not', () => {
    const files = [`${MODEL}/config.pbtxt`, `${MODEL}__seam/config.pbtxt`, `${MODEL}__engine/config.pbtxt`].map((f) => path.join(repo, f));
    const r = parse(files);
    expect(r.stderr).toBe('');
    expect(r.configs.map((c) => [c.name, c.platform ?? null, c.backend ?? null])).toEqual([
      [MODEL, 'ensemble', null], [`${MODEL}__seam`, null, 'python'], [`${MODEL}__engine`, 'tensorrt_plan', null],
    ]);
    // The checker is strict: one misspelt field, one unknown enum value, one unknown field.
    for (const [from, to] of [['max_batch_size', 'max_batchsize'], ['TYPE_INT8', 'TYPE_I8'], ['model_version: -1', 'model_version: -1\n      model_versoin: 1']] as const) {
      const bad = path.join(dir, `bad-${to.length}.pbtxt`);
      writeFileSync(bad, readFileSync(files[0]!, 'utf8').replace(from, to));
      const b = parse([bad]);
      expect(b.status).toBe(1);
      expect(b.stderr).toContain(bad);
    }
  });

  it.runIf(ok)('the ensemble is wired as Triton validates it, and matches seam.onnx, the partition and the manifest\'s wire', () => {
    const [ens, seam, engine] = parse([`${MODEL}/config.pbtxt`, `${MODEL}__seam/config.pbtxt`, `${MODEL}__engine/config.pbtxt`].map((f) => path.join(repo, f))).configs as [Config, Config, Config];
    const m = readManifest(out);
    const wire = m.seam.wire;
    expect(wire.model).toBe(MODEL);
    // The endpoint: the wire's tensors, per-frame dims, max_batch_size = the DPU batch everywhere.
    for (const c of [ens, seam, engine]) expect(c.max_batch_size).toBe(m.seam.batch);
    const tc = (name: string, type: string, shape: readonly number[]): TensorConfig => ({ name, data_type: type, dims: shape.map(String) });
    expect(ens.input).toEqual(wire.inputs.map((t) => tc(t.name, 'TYPE_INT8', t.shape.slice(1))));
    expect(ens.output).toEqual(wire.outputs.map((t) => tc(t.name, 'TYPE_FP32', t.shape.slice(1))));
    // The seam model's I/O is seam.onnx's (less the scales), the engine's the GPU partition's.
    const seamOnnx = decodeModel(readFileSync(path.join(out, 'gpu/seam.onnx')));
    const onnxType = (e: number | undefined): string => ({ 1: 'TYPE_FP32', 3: 'TYPE_INT8' } as Record<number, string>)[e!]!;
    const fromOnnx = (list: readonly { name: string; elemType: number | undefined; shape: readonly (number | string | null)[] | undefined }[]): TensorConfig[] =>
      list.map((v) => tc(v.name, onnxType(v.elemType), (v.shape as number[]).slice(1)));
    expect(seam.input).toEqual(fromOnnx(seamOnnx.graph.inputs.filter((v) => v.name.endsWith('__int8'))));
    expect(seam.output).toEqual(fromOnnx(seamOnnx.graph.outputs));
    const partition = decodeModel(readFileSync(path.join(out, 'gpu/partition.onnx')));
    expect(engine.input).toEqual(fromOnnx(partition.graph.inputs));
    expect(engine.output).toEqual(fromOnnx(partition.graph.outputs));
    expect(engine.instance_group).toEqual([{ count: m.seam.runtime.gpuContexts, kind: 'KIND_GPU' }]);

    // Triton's checks (core ensemble_utils.cc): each step's inputs all mapped, once, from an
    // ensemble input or an earlier step's output of the same type and dims; outputs mapped from
    // the step model's outputs; every ensemble output produced; no tensor produced twice.
    const models = new Map([seam, engine].map((c) => [c.name, c]));
    const known = new Map<string, TensorConfig>(ens.input.map((t) => [t.name, t]));
    const same = (a: TensorConfig, b: TensorConfig): boolean => a.data_type === b.data_type && a.dims.join() === b.dims.join();
    const steps = ens.ensemble_scheduling!.step;
    expect(steps.map((s) => s.model_name)).toEqual([`${MODEL}__seam`, `${MODEL}__engine`]);
    for (const step of steps) {
      const model = models.get(step.model_name)!;
      expect(Object.keys(step.input_map).sort()).toEqual(model.input.map((t) => t.name).sort());
      for (const [key, tensor] of Object.entries(step.input_map)) {
        const src = known.get(tensor);
        expect(src, `${step.model_name} reads ${tensor} before anything makes it`).toBeDefined();
        expect(same(src!, model.input.find((t) => t.name === key)!)).toBe(true);
      }
      for (const [key, tensor] of Object.entries(step.output_map)) {
        const made = model.output.find((t) => t.name === key);
        expect(made, `${step.model_name} has no output ${key}`).toBeDefined();
        expect(known.has(tensor), `${tensor} made twice`).toBe(false);
        known.set(tensor, { ...made!, name: tensor });
      }
    }
    for (const o of ens.output) expect(same(known.get(o.name)!, o)).toBe(true);
    // The two same-shape crossings stay apart: each seam output feeds the engine input of its name.
    expect(steps[1]!.input_map).toEqual(Object.fromEntries(wire.inputs.map((t) => [t.name, steps[0]!.output_map[t.name]])));
    expect(steps[0]!.input_map).toEqual(Object.fromEntries(wire.inputs.map((t) => [`${t.name}__int8`, t.name])));
  });
});

describe.runIf(ok)('the seam model (Python backend)', () => {
  /** Loads 1/model.py as Triton does (initialize with the JSON config), runs one request from stdin. */
  const RUN = `import importlib.util, json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import triton_python_backend_utils as pb_utils
spec = importlib.util.spec_from_file_location("model", sys.argv[2])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
req = json.load(sys.stdin)
m = mod.TritonPythonModel()
try:
    m.initialize({"model_config": json.dumps(req["config"]), "model_repository": req["repository"], "model_version": "1", "model_name": req["config"]["name"]})
except Exception as e:
    print(json.dumps({"error": str(e)}))
    sys.exit(0)
request = [pb_utils.Tensor(k, np.array(v["data"], dtype=np.int8).reshape(v["shape"])) for k, v in req["inputs"].items()]
(resp,) = m.execute([request])
print(json.dumps({"outputs": dict((t.name(), {"shape": list(t.as_numpy().shape), "dtype": str(t.as_numpy().dtype), "data": t.as_numpy().ravel().tolist()}) for t in resp.output_tensors)}))
`;
  const stubDir = mkdtempSync(path.join(tmpdir(), 'splitc-pbutils-'));

  function runSeam(config: Config, repository: string, inputs: Record<string, { shape: number[]; data: number[] }>): { error?: string; outputs?: Record<string, { shape: number[]; dtype: string; data: number[] }> } {
    writeFileSync(path.join(stubDir, 'triton_python_backend_utils.py'), PB_UTILS_STUB);
    writeFileSync(path.join(stubDir, 'run.py'), RUN);
    const r = spawnSync(PYTHON, [path.join(stubDir, 'run.py'), stubDir, path.join(repository, '1/model.py')], { input: JSON.stringify({ config, repository, inputs }), encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as ReturnType<typeof runSeam>;
  }

  it('dequantises each tensor at its own fix_point exactly as seam.onnx does (n = 6 and n = 3), and refuses a missing or incomplete fix_points.json', async () => {
    const [config] = parse([path.join(repo, `${MODEL}__seam/config.pbtxt`)]).configs as [Config];
    const seamDir = path.join(repo, `${MODEL}__seam`);
    const names = config.output.map((t) => t.name);
    const fixPoints = { [names[0]!]: 7, [names[1]!]: 5 };
    const missing = runSeam(config, seamDir, {});
    expect(missing.error).toBe(`${path.join(seamDir, '1', 'fix_points.json')} is missing: write it with gpu/triton/set_fix_points.py (the compiled xmodel's fix_points)`);
    writeFileSync(path.join(seamDir, '1/fix_points.json'), JSON.stringify({ crossings: { [names[0]!]: 7 } }));
    expect(runSeam(config, seamDir, {}).error).toContain(`crossing tensor ${JSON.stringify(names[1])} needs an integer fix_point in [-32, 32], got null`);
    writeFileSync(path.join(seamDir, '1/fix_points.json'), JSON.stringify({ crossings: fixPoints }));

    const session = await ort.InferenceSession.create(readFileSync(path.join(out, 'gpu/seam.onnx')));
    for (const n of [6, 3]) {
      const inputs: Record<string, { shape: number[]; data: number[] }> = {};
      const feeds: Record<string, ort.Tensor> = {};
      config.input.forEach((t, k) => {
        const shape = [n, ...t.dims.map(Number)];
        const data = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * (31 + k * 6) + k) % 256) - 128);
        inputs[t.name] = { shape, data };
      });
      const got = runSeam(config, seamDir, inputs);
      expect(got.error).toBeUndefined();
      // seam.onnx has a static batch of 1: run it frame by frame.
      for (let f = 0; f < n; f++) {
        for (const t of config.input) {
          const per = inputs[t.name]!.data.length / n;
          feeds[t.name] = new ort.Tensor('int8', Int8Array.from(inputs[t.name]!.data.slice(f * per, (f + 1) * per)), [1, ...t.dims.map(Number)]);
          const base = t.name.slice(0, -'__int8'.length);
          feeds[`${base}__scale`] = new ort.Tensor('float32', Float32Array.of(2 ** -fixPoints[base]!), []);
        }
        const want = await session.run(feeds);
        for (const name of names) {
          const o = got.outputs![name]!;
          expect(o.dtype).toBe('float32');
          expect(o.shape).toEqual([n, ...config.output.find((t) => t.name === name)!.dims.map(Number)]);
          const per = o.data.length / n;
          expect(o.data.slice(f * per, (f + 1) * per)).toEqual([...(want[name]!.data as Float32Array)]);
        }
      }
    }
  });
});

describe.runIf(ok)('set_fix_points.py', () => {
  it('writes fix_points.json from an xmodel map, a splitc run --json output or NAME=FP pairs, and refuses what does not fit', () => {
    const script = path.join(repo, 'set_fix_points.py');
    const target = path.join(repo, `${MODEL}__seam/1/fix_points.json`);
    const names = readManifest(out).seam.wire.inputs.map((t) => t.name);
    const py = (...args: string[]): { status: number | null; stdout: string; stderr: string } => spawnSync(PYTHON, [script, ...args], { cwd: dir, encoding: 'utf8' });
    const xmap = path.join(dir, 'xmodel_map.json');
    writeFileSync(xmap, JSON.stringify({ xmodel: 'splitc_dpu.xmodel', batch: 6, inputs: [], crossings: names.map((n, i) => ({ name: n, xmodel: `t${i}`, index: i, shape: [6, 32, 32, 16], fix_point: 4 + i })) }));
    let r = py('--map', xmap);
    expect(r.stderr).toBe('');
    expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual({ crossings: { [names[0]!]: 4, [names[1]!]: 5 } });
    const runJson = path.join(dir, 'run.json');
    writeFileSync(runJson, JSON.stringify({ frames: 6, fixPoints: { input: 5, crossings: { [names[0]!]: 7, [names[1]!]: 5 } } }));
    r = py('--map', runJson, `${names[1]!}=3`); // pairs win over the file
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual({ crossings: { [names[0]!]: 7, [names[1]!]: 3 } });
    r = py(`${names[0]!}=1`);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`set_fix_points.py: crossing tensor ${JSON.stringify(names[1])} needs an integer fix_point in [-32, 32], got null\n`);
    r = py(`${names[0]!}=1`, `${names[1]!}=2`, 'nope=3');
    expect(r.stderr).toBe(`set_fix_points.py: "nope": not crossing tensors of this model (they are ${names.map((n) => JSON.stringify(n)).join(', ')})\n`);
    r = py('--map', path.join(out, 'manifest.json'));
    expect(r.stderr).toBe(`set_fix_points.py: ${path.join(out, 'manifest.json')} is neither an xmodel_map.json nor the output of splitc run --json\n`);
    const old = path.join(dir, 'old-manifest.json');
    writeFileSync(old, JSON.stringify({ schemaVersion: 2 }));
    r = py('--manifest', old, `${names[0]!}=1`);
    expect(r.stderr).toBe(`set_fix_points.py: ${old} has manifest schema 2; this script supports schema ${MANIFEST_SCHEMA_VERSION} (recompile with this splitc)\n`);
  });
});

describe.runIf(ok)('build_engine.py --triton and its batch-dynamic partition', () => {
  it.each([false, true])('makes the partition\'s batch dimension dynamic (external weights: %s); onnxruntime gives at batch 6 what it gives frame by frame', async (externalData) => {
    let src = out;
    if (externalData) {
      src = path.join(dir, 'external');
      compile('fixtures/models/tinyres-weights.onnx', { output: src, split: 5, externalData: true, onWarning: () => undefined });
      expect(existsSync(path.join(src, 'gpu/partition.onnx.data'))).toBe(true);
    }
    // Beside the partition, so onnxruntime finds weights stored there.
    const patched = path.join(src, 'gpu/dynamic.onnx');
    const code = `import sys\nsys.path.insert(0, ${JSON.stringify(path.join(src, 'gpu'))})\nimport build_engine as b\nm = open(sys.argv[1], "rb").read()\nopen(sys.argv[2], "wb").write(b.dynamic_batch(m, set(b.EXPECTED_INPUTS), set(b.EXPECTED_OUTPUTS)))\n`;
    const r = spawnSync(PYTHON, ['-c', code, path.join(src, 'gpu/partition.onnx'), patched], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const before = decodeModel(readFileSync(path.join(src, 'gpu/partition.onnx')));
    const after = decodeModel(readFileSync(patched));
    expect(after.graph.inputs.map((v) => [v.name, v.shape])).toEqual(before.graph.inputs.map((v) => [v.name, ['batch', ...v.shape!.slice(1)]]));
    expect(after.graph.outputs.map((v) => [v.name, v.shape])).toEqual(before.graph.outputs.map((v) => [v.name, ['batch', ...v.shape!.slice(1)]]));
    expect(after.graph.initializers.length).toBe(before.graph.initializers.length);
    if (havePython('onnx')) {
      const c = spawnSync(PYTHON, ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', patched], { encoding: 'utf8' });
      expect(c.stderr).toBe('');
    }
    const one = await ort.InferenceSession.create(path.join(src, 'gpu/partition.onnx'));
    const six = await ort.InferenceSession.create(patched);
    const feeds: Record<string, ort.Tensor> = {};
    for (const v of before.graph.inputs) {
      const shape = [6, ...(v.shape as number[]).slice(1)];
      const len = shape.reduce((a, b) => a * b, 1);
      feeds[v.name] = new ort.Tensor('float32', Float32Array.from({ length: len }, (_, i) => Math.sin(i * 0.37 + v.name.length)), shape);
    }
    const batched = await six.run(feeds);
    for (let f = 0; f < 6; f++) {
      const frame: Record<string, ort.Tensor> = {};
      for (const v of before.graph.inputs) {
        const per = feeds[v.name]!.data.length / 6;
        frame[v.name] = new ort.Tensor('float32', (feeds[v.name]!.data as Float32Array).slice(f * per, (f + 1) * per), [1, ...(v.shape as number[]).slice(1)]);
      }
      const single = await one.run(frame);
      for (const o of before.graph.outputs) {
        const per = single[o.name]!.data.length;
        const got = (batched[o.name]!.data as Float32Array).slice(f * per, (f + 1) * per);
        const want = single[o.name]!.data as Float32Array;
        for (let i = 0; i < per; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i]!)));
      }
    }
  });

  it('parses the batch-dynamic copy with the partition\'s path, sets a 1..6 profile and writes the plan into the repository', () => {
    // A stand-in for the TensorRT 10 Python API (the calls build_engine.py makes; OnnxParser.parse
    // takes the path for weights stored beside the model), recording what it was given.
    const stub = mkdtempSync(path.join(tmpdir(), 'splitc-trt-stub-'));
    writeFileSync(path.join(stub, 'tensorrt.py'), tensorrtStub('recording'));
    const m = readManifest(out);
    const partition = decodeModel(readFileSync(path.join(out, 'gpu/partition.onnx')));
    const io = [...partition.graph.inputs.map((v) => [v.name, 'in', [-1, ...(v.shape as number[]).slice(1)]]), ...partition.graph.outputs.map((v) => [v.name, 'out', [-1, ...(v.shape as number[]).slice(1)]])];
    const log = path.join(stub, 'log');
    const env = { ...process.env, PYTHONPATH: stub, TRT_STUB_LOG: log, TRT_STUB_IO: JSON.stringify(io) };
    const plan = path.join(repo, `${MODEL}__engine/1/model.plan`);
    expect(existsSync(plan)).toBe(false);
    const r = spawnSync(PYTHON, [path.join(out, 'gpu/build_engine.py'), '--triton'], { cwd: stub, encoding: 'utf8', env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const onnx = path.join(out, 'gpu/partition.onnx');
    const b = m.seam.batch;
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(new RegExp(`^parse \\d+ bytes, path ${onnx.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, starts like the partition: True$`)),
      ...partition.graph.inputs.map((v) => { const rest = (v.shape as number[]).slice(1); return `set_shape ${v.name} [1, ${rest.join(', ')}] [${b}, ${rest.join(', ')}] [${b}, ${rest.join(', ')}]`; }),
      'add_optimization_profile',
    ]);
    expect(readFileSync(plan, 'utf8')).toBe('PLAN');
    // The engine's batch dimension must be dynamic: a static one fails the I/O check.
    const staticIo = JSON.stringify(io.map(([n, k, s]) => [n, k, [1, ...(s as number[]).slice(1)]]));
    const bad = spawnSync(PYTHON, [path.join(out, 'gpu/build_engine.py'), '--triton'], { cwd: stub, encoding: 'utf8', env: { ...env, TRT_STUB_IO: staticIo } });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^build_engine\.py: engine I\/O .* differs from the partition's /);
    // Without --triton nothing changes: parse_from_file, static shapes, partition.plan.
    writeFileSync(log, '');
    const plain = spawnSync(PYTHON, [path.join(out, 'gpu/build_engine.py'), '--engine', path.join(stub, 'p.plan')], { cwd: stub, encoding: 'utf8', env: { ...env, TRT_STUB_IO: staticIo } });
    expect(plain.stderr).toBe('');
    expect(readFileSync(log, 'utf8')).toBe(`parse_from_file ${onnx}\n`);
  });
});

describe('emitTritonRepository', () => {
  const EVIL = 'a\nb"c\\d\u2028é\r#}] name: "x"';
  const base: TritonInput = {
    served: 'm', batch: 6, contexts: 2, splitcVersion: '0.0.0', manifestSchema: MANIFEST_SCHEMA_VERSION,
    crossings: [{ name: `c${EVIL}`, shape: [1, 4, 3, 2] }, { name: 'flat', shape: [1, 7] }],
    gpuInputs: [{ name: 'flat', shape: [1, 7] }, { name: `c${EVIL}`, shape: [1, 4, 3, 2] }],
    gpuOutputs: [{ name: `y${EVIL}`, shape: [1, 10] }],
  };

  it.runIf(ok)('hostile tensor names stay names: every config parses back to exactly them', () => {
    const r = emitTritonRepository(base);
    expect(r.skipped).toBe(null);
    const d = mkdtempSync(path.join(tmpdir(), 'splitc-triton-evil-'));
    const files = r.files.filter((f) => f.rel.endsWith('config.pbtxt')).map((f) => {
      const p = path.join(d, f.rel);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, f.text);
      return p;
    });
    const [ens, seam, engine] = parse(files).configs as [Config, Config, Config];
    expect(ens.input).toEqual([
      { name: `c${EVIL}`, data_type: 'TYPE_INT8', dims: ['3', '2', '4'] },
      { name: 'flat', data_type: 'TYPE_INT8', dims: ['7'] },
    ]);
    expect(ens.output.map((t) => t.name)).toEqual([`y${EVIL}`]);
    expect(seam.input.map((t) => t.name)).toEqual([`c${EVIL}__int8`, 'flat__int8']);
    expect(engine.input.map((t) => t.name)).toEqual(['flat', `c${EVIL}`]);
    expect(ens.ensemble_scheduling!.step[1]!.output_map).toEqual({ [`y${EVIL}`]: `y${EVIL}` });
    // One line per name: no raw line break or separator reached the files.
    for (const f of r.files.filter((x) => x.rel.endsWith('.pbtxt'))) expect(f.text).toMatch(/^[\x20-\x7e\n]*$/);
  });

  it('refuses, with a reason, what a Triton repository cannot serve the same way', () => {
    const why = (x: Partial<TritonInput>): string | null => emitTritonRepository({ ...base, ...x }).skipped;
    expect(why({ served: '..' })).toContain('is not a plain directory name');
    expect(why({ served: 'a/b' })).toContain('is not a plain directory name');
    expect(why({ served: 'm\u202e' })).toBe('the served model name "m\\u202e" is not a plain directory name ([A-Za-z0-9_.-], at most 100 characters), which a Triton model repository needs');
    expect(why({ crossings: [] })).toBe('no tensor crosses from the DPU to the GPU');
    expect(why({ gpuInputs: [...base.gpuInputs, { name: 'image', shape: [1, 3, 8, 8] }] })).toBe('the GPU partition reads tensors that do not come from the DPU, which the wire does not carry');
    expect(why({ gpuOutputs: [{ name: 'flat__float', shape: [1, 2] }] })).toBe('the ensemble tensor name "flat__float" would be used twice');
    expect(why({ gpuOutputs: [{ name: 'y', shape: [2, 10] }] })).toContain('needs a leading batch dimension of 1');
    expect(emitTritonRepository({ ...base, served: '..' }).files).toEqual([]);
  });
});
