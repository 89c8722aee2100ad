// Shape rules against the ONNX backend node tests (Debian's libonnx-testdata): for every test
// whose ops splitc has rules for, the inferred shape and dtype of each graph output must equal
// the expected output tensor's. Integer inputs (shapes, axes, indices) are given their test
// values as constants, as a real model would have them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SplitcError } from '@splitc/diagnostics';
import { buildGraph, importModel, inferShapes, ruleFor, type Tensor } from '@splitc/ir';
import { DataType, decodeTensor, decodeValues, isFloatType, loadModel, type ValueInfo } from '@splitc/onnx';
import { haveDebianData } from '@splitc/test-support';

const ROOT = '/usr/share/libonnx-testdata/data/node';

/**
 * Cases whose expected behaviour splitc deliberately does not model, with the reason. Nothing
 * else may fail.
 */
const EXCLUDED: Record<string, string> = {
  test_cast_FLOAT_to_BFLOAT16: 'the test data stores the bfloat16 result as a uint16 tensor; the model says bfloat16',
  test_castlike_FLOAT_to_BFLOAT16_expanded: 'the same bfloat16-as-uint16 storage in the expected output',
};

interface Outcome { name: string; status: 'pass' | 'fail' | 'skip'; detail: string }

function runCase(dir: string): Outcome {
  const name = path.basename(dir);
  const file = path.join(dir, 'model.onnx');
  let source;
  try {
    source = loadModel(file);
  } catch (e) {
    return { name, status: 'skip', detail: `load: ${(e as Error).message}` };
  }
  const g0 = source.model.graph;
  const opsetEntry = source.model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (opsetEntry === undefined) return { name, status: 'skip', detail: 'non-default domain' };
  if (g0.nodes.some((n) => ruleFor(n.domain === 'ai.onnx' ? '' : n.domain, n.opType) === undefined)) {
    return { name, status: 'skip', detail: 'op without a rule' };
  }
  if ([...g0.inputs, ...g0.outputs].some((v) => v.elemType === undefined)) return { name, status: 'skip', detail: 'sequence/optional types' };
  const dataset = path.join(dir, 'test_data_set_0');
  if (!existsSync(dataset)) return { name, status: 'skip', detail: 'no data set' };
  const inputs = g0.inputs.filter((i) => !g0.initializers.some((t) => t.name === i.name));
  try {
    return inferCase(name, source, dataset, inputs);
  } catch (e) {
    if (e instanceof SkipCase) return { name, status: 'skip', detail: e.message };
    throw e;
  }
}

class SkipCase extends Error {}

function inferCase(name: string, source: ReturnType<typeof loadModel>, dataset: string, inputs: readonly ValueInfo[]): Outcome {
  const g0 = source.model.graph;
  // Integer and bool inputs become constants with their test values; float inputs keep their shapes.
  const shapes: Record<string, number[]> = {};
  const consts = new Map<string, Tensor>();
  inputs.forEach((vi, k) => {
    const pb = path.join(dataset, `input_${k}.pb`);
    if (!existsSync(pb)) return;
    const t = decodeTensor(readFileSync(pb));
    if (t.dataType === DataType.STRING) throw new SkipCase('string tensors');
    const count = t.dims.reduce((a, b) => a * b, 1);
    // Integer inputs (shapes, axes, indices) and tiny float vectors (Resize scales, Range bounds) are
    // compile-time constants in real models.
    if ((!isFloatType(t.dataType) && count <= 65536) || (t.dims.length <= 1 && count <= 8)) {
      consts.set(vi.name, { name: vi.name, kind: 'constant', dtype: t.dataType, shape: t.dims, value: { dtype: t.dataType, shape: t.dims, data: decodeValues(t.data, t.dataType) } });
    }
    shapes[vi.name] = [...t.dims];
  });
  try {
    let g = importModel(source);
    const tensors = new Map(g.tensors);
    for (const [n, t] of consts) tensors.set(n, t);
    for (const vi of inputs) {
      const t = tensors.get(vi.name)!;
      if (t.kind === 'param' && shapes[vi.name] !== undefined) tensors.set(vi.name, { ...t, shape: shapes[vi.name] });
    }
    g = buildGraph({ ...g, tensors, inputs: g.inputs.filter((i) => !consts.has(i)) });
    g = inferShapes.run(g);
    for (let k = 0; k < g0.outputs.length; k++) {
      const pb = path.join(dataset, `output_${k}.pb`);
      if (!existsSync(pb)) continue;
      const expected = decodeTensor(readFileSync(pb));
      const t = g.tensors.get(g0.outputs[k]!.name)!;
      if (JSON.stringify(t.shape) !== JSON.stringify(expected.dims) || t.dtype !== expected.dataType) {
        return { name, status: 'fail', detail: `output ${k}: got ${t.dtype}[${t.shape?.join(',')}], expected ${expected.dataType}[${expected.dims.join(',')}]` };
      }
    }
    return { name, status: 'pass', detail: '' };
  } catch (e) {
    if (e instanceof SplitcError && e.code === 'SPLITC2004') return { name, status: 'skip', detail: 'no data input' };
    return { name, status: 'fail', detail: (e as Error).message };
  }
}


describe.runIf(haveDebianData(ROOT, 'libonnx-testdata', existsSync(ROOT)))('ONNX backend node tests (libonnx-testdata)', () => {
  it('every covered case infers the expected output shapes and dtypes', () => {
    const outcomes = readdirSync(ROOT).sort().map((d) => runCase(path.join(ROOT, d)));
    const failures = outcomes.filter((o) => o.status === 'fail' && !(o.name in EXCLUDED));
    const passed = outcomes.filter((o) => o.status === 'pass');
    console.log(`onnx node tests: ${passed.length} passed, ${failures.length} failed, ${outcomes.filter((o) => o.status === 'skip').length} skipped (no rule / no data input), ${Object.keys(EXCLUDED).length} excluded`);
    expect(failures.map((f) => `${f.name}: ${f.detail}`)).toEqual([]);
    expect(passed.length).toBeGreaterThan(300);
  });
});
