// The planner: every cut valid, the best equal to a brute-force argmin, min-cut optimal on small
// DAGs (checked against exhaustive search of all closed sets), links moving the split.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel, elementCount, type Graph } from '@splitc/ir';
import { DataType, loadModel, loadModelFromBytes } from '@splitc/onnx';
import { Plan, layerCosts, minCutPartition, planSplit, prefixCrossings, serializePlan, type Candidate } from '@splitc/planner';
import { resolveTarget, type ResolvedTarget } from '@splitc/targets';
import { floats, model, twoBranchModel, vi } from '@splitc/test-support';

const root = path.resolve(__dirname, '../../..');
const analyze = (name: string): Graph => analyzeModel(loadModel(path.join(root, 'fixtures/models', `${name}.onnx`)));
/** Every structure-only fixture: the mission seven and the other torchvision families. */
const MODELS = Object.keys((JSON.parse(readFileSync(path.join(root, 'fixtures/models/macs.json'), 'utf8')) as { macs: Record<string, number> }).macs);

/** Crossing tensors of a DPU mask, computed from scratch. */
function crossingNames(g: Graph, mask: readonly boolean[]): string[] {
  const out: string[] = [];
  for (const [name, t] of g.tensors) {
    if (t.kind !== 'activation' && t.kind !== 'input') continue;
    const onDpu = t.producer === undefined || mask[t.producer];
    const readOnGpu = g.layers.some((l) => !mask[l.index] && l.inputs.includes(name));
    if (onDpu && (readOnGpu || g.outputs.includes(name))) out.push(name);
  }
  return out.sort();
}

function objective(c: Candidate, o: 'stream' | 'latency'): number {
  return o === 'stream' ? c.streamMs : c.latencyMs;
}

describe('plans for fixture models', () => {
  const target = resolveTarget();
  for (const name of MODELS) {
    it(`${name}: valid cuts, best = brute-force argmin, no unsupported layer on the DPU`, () => {
      const g = analyze(name);
      for (const o of ['stream', 'latency'] as const) {
        const plan = planSplit(g, target, { objective: o });
        Plan.parse(plan);
        const costs = layerCosts(g, target);
        const maxPrefix = costs.support.findIndex((s) => !s.ok);
        const prefixes = plan.candidates.filter((c) => c.kind === 'prefix').map((c) => c.index);
        expect(prefixes).toEqual([...Array((maxPrefix === -1 ? g.layers.length : maxPrefix) + 1).keys()]);
        const crossings = prefixCrossings(g);
        for (const c of plan.candidates.filter((x) => x.kind === 'prefix')) {
          const mask = g.layers.map((l) => l.index < c.index!);
          const names = crossingNames(g, mask);
          expect(crossings.at(c.index!).map((t) => t.name), `k=${c.index}`).toEqual(names);
          expect(c.crossingTensors, `k=${c.index}`).toBe(names.length);
          expect(c.crossingBytes).toBe(names.reduce((s, n) => s + elementCount(g.tensors.get(n)!.shape!), 0));
          expect(c.latencyMs).toBeCloseTo(c.dpuMs + c.linkMs + c.gpuMs, 12);
        }
        const min = Math.min(...plan.candidates.map((c) => objective(c, o)));
        expect(objective(plan.best, o)).toBe(min);
        // The chosen DPU side is closed under predecessors and holds only supported layers.
        const onDpu = new Set(plan.split.dpuLayers);
        for (const l of g.layers) {
          if (!onDpu.has(l.name)) continue;
          expect(costs.support[l.index]!.ok, l.name).toBe(true);
          for (const i of l.inputs) {
            const p = i === '' ? undefined : g.tensors.get(i)!.producer;
            if (p !== undefined) expect(onDpu.has(g.layers[p]!.name), `${l.name} reads ${i}`).toBe(true);
          }
        }
        const mask = g.layers.map((l) => onDpu.has(l.name));
        expect(plan.split.cutTensors.map((t) => t.name)).toEqual(crossingNames(g, mask));
      }
    });
  }

  it('a residual cut carries both the main path and the skip tensor', () => {
    const g = analyze('resnet18');
    const plan = planSplit(g, target);
    const addIdx = g.layers.findIndex((l) => l.op === 'Add');
    // Cut just before the first residual Add: the block's conv output and its skip input cross.
    const c = plan.candidates.find((x) => x.index === addIdx)!;
    const add = g.layers[addIdx]!;
    expect(prefixCrossings(g).at(addIdx).map((t) => t.name)).toEqual([...add.inputs].sort());
    expect(c.crossingTensors).toBe(2);
  });

  it('is deterministic', () => {
    const g = analyze('resnet50');
    expect(serializePlan(planSplit(g, target))).toBe(serializePlan(planSplit(analyze('resnet50'), target)));
  });
});

describe('links move the split', () => {
  it('over 1 GbE the chosen split crosses no more bytes than over PCIe, and fewer on most models', () => {
    let fewer = 0;
    for (const name of ['resnet18', 'resnet50', 'vgg16', 'mobilenetv2', 'googlenet']) {
      const g = analyze(name);
      const pcie = planSplit(g, resolveTarget({ link: 'pcie' }));
      const slow = planSplit(g, resolveTarget({ link: '1gbe' }));
      expect(slow.best.crossingBytes, name).toBeLessThanOrEqual(pcie.best.crossingBytes);
      if (slow.best.crossingBytes < pcie.best.crossingBytes) fewer++;
    }
    expect(fewer).toBeGreaterThanOrEqual(3);
  });
});

describe('impossible requests give a plan that says so', () => {
  it('a model whose first layer the DPU cannot run plans GPU-only', () => {
    const bytes = model({
      nodes: [
        { name: 'soft', opType: 'Softmax', inputs: ['x'], outputs: ['s'] },
        { name: 'conv', opType: 'Conv', inputs: ['s', 'w'], outputs: ['y'] },
      ],
      inputs: [vi('x', [1, 3, 8, 8])], outputs: [vi('y', [1, 4, 6, 6])],
      initializers: [{ name: 'w', dataType: DataType.FLOAT, dims: [4, 3, 3, 3], data: floats(new Array(108).fill(0)) }],
    });
    const g = analyzeModel(loadModelFromBytes(bytes, 'soft.onnx'));
    const plan = planSplit(g, resolveTarget());
    expect(plan.candidates.map((c) => c.index)).toEqual([0]);
    expect(plan.best.index).toBe(0);
    expect(plan.baselines.dpuOnly).toBeNull();
    expect(plan.speedups.overDpuOnly).toBeNull();
    expect(plan.notes[0]).toBe('the DPU cannot run the first layer soft (Softmax): Softmax is not a DPU operator (Vitis AI runs it on the CPU); only GPU-only is possible');
    expect(plan.unsupported).toEqual([{ index: 0, name: 'soft', op: 'Softmax', rule: 'Softmax is not a DPU operator (Vitis AI runs it on the CPU)' }]);
  });
});

// --- min-cut -------------------------------------------------------------------------------------

/** A random DAG of Relu/Add layers on [1,c,8,8] tensors, in topological order. */
function randomDag(seed: number, n: number): Graph {
  let s = seed;
  const rand = (): number => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s / 0x7fffffff; };
  const nodes = [];
  const names = ['x'];
  for (let i = 0; i < n; i++) {
    const a = names[Math.floor(rand() * names.length)]!;
    if (rand() < 0.4 && names.length > 1) {
      const b = names[Math.floor(rand() * names.length)]!;
      nodes.push({ name: `n${i}`, opType: 'Add', inputs: [a, b], outputs: [`t${i}`] });
    } else {
      nodes.push({ name: `n${i}`, opType: 'Relu', inputs: [a], outputs: [`t${i}`] });
    }
    names.push(`t${i}`);
  }
  const bytes = model({ nodes, inputs: [vi('x', [1, 4, 8, 8])], outputs: [vi(`t${n - 1}`, [1, 4, 8, 8])] });
  return analyzeModel(loadModelFromBytes(bytes, 'dag.onnx'));
}

describe('min-cut partition', () => {
  it('is optimal over all closed sets on random DAGs (exhaustive check)', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const g = randomDag(seed, 11);
      const n = g.layers.length;
      let r = seed * 7919;
      const rand = (): number => { r = (r * 1103515245 + 12345) & 0x7fffffff; return r / 0x7fffffff; };
      const dpuMs = g.layers.map(() => rand());
      const gpuMs = g.layers.map(() => rand());
      const dpuAllowed = g.layers.map(() => rand() > 0.15);
      const tensorBytes = new Map<string, number>();
      for (const [name, t] of g.tensors) if (t.kind === 'activation' || t.kind === 'input') tensorBytes.set(name, 1 + Math.floor(rand() * 100));
      const w = { dpuMs, gpuMs, dpuAllowed, linkMsPerByte: 0.01, a: 1, b: 1, c: 1, tensorBytes };
      const cost = (mask: readonly boolean[]): number => {
        let total = 0;
        mask.forEach((m, i) => { total += m ? dpuMs[i]! : gpuMs[i]!; });
        for (const name of crossingNames(g, mask)) total += 0.01 * tensorBytes.get(name)!;
        return total;
      };
      const closed = (mask: readonly boolean[]): boolean => g.layers.every((l) => !mask[l.index] || (dpuAllowed[l.index] && l.inputs.every((i) => {
        const p = g.tensors.get(i)!.producer;
        return p === undefined || mask[p];
      })));
      let best = Infinity;
      for (let bits = 0; bits < 1 << n; bits++) {
        const mask = g.layers.map((_, i) => (bits & (1 << i)) !== 0);
        if (closed(mask)) best = Math.min(best, cost(mask));
      }
      const mask = minCutPartition(g, w);
      expect(closed(mask), `seed ${seed}`).toBe(true);
      expect(cost(mask), `seed ${seed}`).toBeCloseTo(best, 9);
    }
  });

  it('finds a non-prefix cut that beats every prefix when one exists', () => {
    // The best DPU set is the whole conv chain, which is not a prefix of the node order.
    const bytes = twoBranchModel(64, 56, () => 0);
    const g = analyzeModel(loadModelFromBytes(bytes, 'branches.onnx'));
    const slowGpu: ResolvedTarget = (() => {
      const t = resolveTarget({ precision: 'fp32' });
      return { ...t, gpu: { ...t.gpu, compute: { ...t.gpu.compute, peakFlops: { fp16: 1e11, fp32: 1e11 } } } };
    })();
    const plan = planSplit(g, slowGpu, { objective: 'latency' });
    const bestPrefix = Math.min(...plan.candidates.filter((c) => c.kind === 'prefix').map((c) => c.latencyMs));
    expect(plan.best.kind).toBe('min-cut');
    expect(plan.best.latencyMs).toBeLessThan(bestPrefix);
    expect(plan.split.dpuLayers).toEqual(['a1', 'a2', 'a3']);
    expect(plan.notes).toContain('the best cut is not a prefix of the topological order (found by min-cut)');
  });
});

describe('min-cut weight sweep', () => {
  // The default sweep bisects over λ and skips weightings whose mask the linearity of the cost
  // in λ already fixes; the reference solves all 39. The plans must be identical.
  const targets = [
    { precision: 'fp16' as const },
    { precision: 'fp32' as const, link: '1gbe' },
    { precision: 'fp16' as const, link: '10gbe', target: 'zcu102+rtx2080' },
  ];
  it.each(MODELS)('bisection gives the same plan as solving every weighting: %s', (name) => {
    const g = analyze(name);
    for (const spec of targets) {
      const t = resolveTarget(spec);
      for (const objective of ['stream', 'latency'] as const) {
        const fast = serializePlan(planSplit(g, t, { objective }));
        const all = serializePlan(planSplit(g, t, { objective, sweep: 'all' }));
        expect(fast, `${name} ${JSON.stringify(spec)} ${objective}`).toBe(all);
      }
    }
  });
});
