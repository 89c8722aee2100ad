// Small hostile models that used to take seconds, gigabytes or the whole call stack (issue 9,
// item 3). Each must import and plan with the right result; the time and memory figures are
// printed by scripts/bench-hostile.mjs, not asserted here.
import { describe, expect, it } from 'vitest';
import { SplitcError } from '@splitc/diagnostics';
import { analyzeModel, MAX_FOLDED_ELEMENTS, type Graph } from '@splitc/ir';
import { DataType, loadModelFromBytes, type NodeInput } from '@splitc/onnx';
import { minCutPartition, planSplit, prefixCrossings } from '@splitc/planner';
import { opClass, resolveTarget } from '@splitc/targets';
import { floats, int64s, model, vi } from '@splitc/test-support';

const analyze = (bytes: Uint8Array, name: string): Graph => analyzeModel(loadModelFromBytes(bytes, name));

function reluChain(n: number): Uint8Array {
  return model({
    nodes: Array.from({ length: n }, (_, i): NodeInput => ({ name: `r${i}`, opType: 'Relu', inputs: [i === 0 ? 'x' : `t${i - 1}`], outputs: [i === n - 1 ? 'y' : `t${i}`] })),
    inputs: [vi('x', [1, 8, 4, 4])],
    outputs: [vi('y', [1, 8, 4, 4])],
  });
}

const SLOW = 120_000; // generous: these are behaviour tests; the speed is benchmarked

describe('deep chains: no recursion proportional to the depth', () => {
  it('a 10,000-layer Relu chain plans: one tensor crosses every cut', () => {
    const g = analyze(reluChain(10_000), 'chain.onnx');
    expect(g.layers.length).toBe(10_000);
    // opClass used to recurse through every fused producer: a RangeError (stack overflow) here.
    expect(opClass(g, g.layers[9_999]!)).toBe('memory');
    const plan = planSplit(g, resolveTarget());
    expect(plan.candidates.filter((c) => c.kind === 'prefix').length).toBe(10_001);
    for (const c of plan.candidates) expect(c.crossingTensors).toBe(1);
    expect(plan.split.cutTensors.length).toBe(1);
  }, SLOW);

  it('min-cut on a 10,000-layer chain (the max-flow search was recursive)', () => {
    const g = analyze(reluChain(10_000), 'chain.onnx');
    const n = g.layers.length;
    const tensorBytes = new Map([...g.tensors].filter(([, t]) => t.kind === 'activation' || t.kind === 'input').map(([name, t]) => [name, t.shape!.reduce((a, b) => a * b, 1)]));
    // DPU time 1 per layer, GPU time 2: everything on the DPU is cheapest; the output still crosses.
    const mask = minCutPartition(g, { dpuMs: new Array(n).fill(1), gpuMs: new Array(n).fill(2), dpuAllowed: new Array(n).fill(true), linkMsPerByte: 1e-3, a: 1, b: 1, c: 1, tensorBytes });
    expect(mask.every((m) => m)).toBe(true);
    // GPU cheaper: nothing on the DPU.
    const none = minCutPartition(g, { dpuMs: new Array(n).fill(2), gpuMs: new Array(n).fill(1), dpuAllowed: new Array(n).fill(true), linkMsPerByte: 1e-3, a: 1, b: 1, c: 1, tensorBytes });
    expect(none.some((m) => m)).toBe(false);
    // GPU free: the source reaches the layers only through the input, so the augmenting path runs
    // down the whole chain (20,000 steps deep in the old recursive search).
    const free = minCutPartition(g, { dpuMs: new Array(n).fill(1), gpuMs: new Array(n).fill(0), dpuAllowed: new Array(n).fill(true), linkMsPerByte: 1e-3, a: 1, b: 1, c: 1, tensorBytes });
    expect(free.some((m) => m)).toBe(false);
  }, SLOW);
});

describe('cycles are found without recursion', () => {
  it('a 20,000-layer cycle: SPLITC2001 naming its layers (graphlib\'s recursive search overflowed the stack)', () => {
    const n = 20_000;
    const bytes = model({
      nodes: [
        ...Array.from({ length: n }, (_, i): NodeInput => ({ name: `r${i}`, opType: 'Relu', inputs: [`t${(i + n - 1) % n}`], outputs: [`t${i}`] })),
        { name: 'add', opType: 'Add', inputs: ['x', 't0'], outputs: ['y'] },
      ],
      inputs: [vi('x', [1, 4])],
      outputs: [vi('y', [1, 4])],
    });
    let err: unknown;
    try { analyze(bytes, 'cycle.onnx'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SplitcError);
    expect((err as SplitcError).code).toBe('SPLITC2001');
    expect((err as SplitcError).message).toMatch(/cycle\.onnx: .*nodes r0, r1, r10, r100, r1000, r10000, r10001, r10002, …/);
  }, SLOW);
});

describe('wide graphs: crossings are not listed per cut', () => {
  it('20,000 parallel Relus into one Concat: cut k carries the input and k branch outputs', () => {
    const n = 20_000;
    const bytes = model({
      nodes: [
        ...Array.from({ length: n }, (_, i): NodeInput => ({ name: `r${i}`, opType: 'Relu', inputs: ['x'], outputs: [`t${i}`] })),
        { name: 'cat', opType: 'Concat', inputs: Array.from({ length: n }, (_, i) => `t${i}`), outputs: ['y'], attributes: [{ name: 'axis', type: 'int', i: 1 }] },
      ],
      inputs: [vi('x', [1, 1, 2, 2])],
      outputs: [vi('y', [1, n, 2, 2])],
    });
    const g = analyze(bytes, 'wide.onnx');
    const cross = prefixCrossings(g);
    for (const k of [0, 1, 2, 777, n - 1]) {
      expect(cross.counts[k]).toBe(k + 1);
      expect(cross.bytes[k]).toBe(4 * (k + 1));
    }
    expect(cross.counts[n]).toBe(n); // every branch output, no longer the input
    expect(cross.counts[n + 1]).toBe(1); // the graph output
    expect(cross.at(3).map((t) => t.name)).toEqual(['t0', 't1', 't2', 'x']);
    const plan = planSplit(g, resolveTarget());
    expect(plan.candidates.filter((c) => c.kind === 'prefix').map((c) => c.crossingTensors)).toEqual(cross.counts);
    // A plan stays linear in size: no candidate lists its tensors.
    expect(JSON.stringify(plan).length).toBeLessThan(50e6);
  }, SLOW);
});

describe('compile-time values: one budget for the whole model', () => {
  it('2,000 ConstantOfShape[65536] feeding Adds: analysed, holding a bounded number of folded elements', () => {
    const n = 2_000;
    const bytes = model({
      nodes: [
        ...Array.from({ length: n }, (_, i): NodeInput => ({ name: `c${i}`, opType: 'ConstantOfShape', inputs: ['shape'], outputs: [`c${i}`], attributes: [{ name: 'value', type: 'tensor', t: { name: '', dataType: DataType.FLOAT, dims: [1], data: floats([i]), storage: 'raw', docString: '', span: { start: 0, end: 0 } } }] })),
        ...Array.from({ length: n }, (_, i): NodeInput => ({ name: `a${i}`, opType: 'Add', inputs: [i === 0 ? 'x' : `s${i - 1}`, `c${i}`], outputs: [i === n - 1 ? 'y' : `s${i}`] })),
      ],
      inputs: [vi('x', [MAX_FOLDED_ELEMENTS])],
      outputs: [vi('y', [MAX_FOLDED_ELEMENTS])],
      initializers: [{ name: 'shape', dataType: DataType.INT64, dims: [1], data: int64s([MAX_FOLDED_ELEMENTS]) }],
    });
    const g = analyze(bytes, 'cos.onnx');
    expect(g.tensors.get('y')!.shape).toEqual([MAX_FOLDED_ELEMENTS]);
    expect(g.layers.filter((l) => l.op === 'Add').length).toBe(n);
    let held = 0;
    for (const t of g.tensors.values()) if (t.name.startsWith('c')) held += t.value?.data.length ?? 0;
    // Before the budget every one of the 2,000 values was kept: 131 M numbers.
    expect(held).toBeLessThanOrEqual(1 << 22);
    const plan = planSplit(g, resolveTarget());
    expect(plan.model.layers).toBe(g.layers.length);
  }, SLOW);

  it('a shape that is needed after the budget is spent: ModelTooLarge, naming the node', () => {
    const fill = 70; // 70 × 65,536 elements > the 2^22 budget
    const bytes = model({
      nodes: [
        ...Array.from({ length: fill }, (_, i): NodeInput => ({ name: `c${i}`, opType: 'ConstantOfShape', inputs: ['big'], outputs: [`c${i}`] })),
        ...Array.from({ length: fill }, (_, i): NodeInput => ({ name: `a${i}`, opType: 'Add', inputs: [i === 0 ? 'x' : `s${i - 1}`, `c${i}`], outputs: [`s${i}`] })),
        { name: 'dims', opType: 'ConstantOfShape', inputs: ['one'], outputs: ['dims'], attributes: [{ name: 'value', type: 'tensor', t: { name: '', dataType: DataType.INT64, dims: [1], data: int64s([-1]), storage: 'raw', docString: '', span: { start: 0, end: 0 } } }] },
        { name: 'flat', opType: 'Reshape', inputs: [`s${fill - 1}`, 'dims'], outputs: ['y'] },
      ],
      inputs: [vi('x', [MAX_FOLDED_ELEMENTS])],
      outputs: [vi('y', [MAX_FOLDED_ELEMENTS])],
      initializers: [
        { name: 'big', dataType: DataType.INT64, dims: [1], data: int64s([MAX_FOLDED_ELEMENTS]) },
        { name: 'one', dataType: DataType.INT64, dims: [1], data: int64s([1]) },
      ],
    });
    let err: unknown;
    try { analyze(bytes, 'budget.onnx'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SplitcError);
    expect((err as SplitcError).code).toBe('SPLITC1005');
    expect((err as SplitcError).message).toContain('node flat (Reshape)');
  });
});
