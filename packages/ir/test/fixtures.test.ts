// The fixture models: every shape static, the graph well-formed around every pass, and MACs equal
// to PyTorch's forward-hook count (fixtures/models/macs.json, written by scripts/export-fixtures.py).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel, graphTotals, importModel, verifier, type Graph } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';

const dir = path.resolve(__dirname, '../../../fixtures/models');
const reference = JSON.parse(readFileSync(path.join(dir, 'macs.json'), 'utf8')) as { macs: Record<string, number> };

const MISSION: Record<string, number> = {
  resnet18: 1_814_073_344,
  resnet50: 4_089_184_256,
  resnet101: 7_801_405_440,
  resnet152: 11_513_626_624,
  vgg16: 15_470_264_320,
  mobilenetv2: 300_774_272,
  lenet5: 416_520,
};

function analyze(name: string): Graph {
  return analyzeModel(loadModel(path.join(dir, `${name}.onnx`)), { instruments: [verifier] });
}

describe('mission models', () => {
  for (const [name, macs] of Object.entries(MISSION)) {
    it(`${name}: MACs ${macs.toLocaleString('en-US')} exactly, all shapes static`, () => {
      const g = analyze(name);
      expect(graphTotals(g).macs).toBe(macs);
      expect(reference.macs[name]).toBe(macs);
      for (const t of g.tensors.values()) expect(t.shape, t.name).toBeDefined();
    });
  }

  it('lenet5 has the classic layer shapes and parameter count', () => {
    const g = analyze('lenet5');
    expect(g.inputs).toEqual(['input']);
    const convs = g.layers.filter((l) => l.op === 'Conv');
    expect(convs.map((l) => g.tensors.get(l.outputs[0]!)!.shape)).toEqual([[1, 6, 28, 28], [1, 16, 10, 10]]);
    expect(g.layers.map((l) => l.cost!.macs)).toEqual([117600, 0, 0, 240000, 0, 0, 0, 48000, 0, 10080, 0, 840]);
    // 6·25+6 + 16·150+16 + 400·120+120 + 120·84+84 + 84·10+10
    expect(graphTotals(g).params).toBe(61_706);
  });

  it('structure-only and weighted exports agree on shapes and MACs', () => {
    for (const name of ['lenet5', 'mobilenetv2']) {
      const a = analyze(name);
      const b = analyze(`${name}-weights`);
      expect(graphTotals(b).macs).toBe(graphTotals(a).macs);
      expect(b.layers.map((l) => g2s(b, l.outputs[0]!))).toEqual(a.layers.map((l) => g2s(a, l.outputs[0]!)));
      expect(b.inputs).toEqual(a.inputs);
    }
  });

  it('weights of a structure-only export are parameters, not data inputs', () => {
    const g = analyze('resnet50');
    expect(g.inputs).toEqual(['input']);
    const source = loadModel(path.join(dir, 'resnet50.onnx'));
    const raw = source.model.graph;
    expect(raw.initializers.length).toBe(0);
    expect(raw.inputs.length).toBeGreaterThan(50);
    const imported = importModel(source);
    for (const vi of raw.inputs.slice(1)) expect(imported.tensors.get(vi.name)!.kind, vi.name).toBe('param');
  });

  it('folds Identity/Constant/shape arithmetic out of the layer list', () => {
    for (const name of ['resnet18', 'mobilenetv2-weights']) {
      const ops = new Set(analyze(name).layers.map((l) => l.op));
      for (const op of ['Identity', 'Constant', 'Shape', 'Gather', 'Unsqueeze']) expect(ops.has(op), `${name} ${op}`).toBe(false);
    }
  });
});

function g2s(g: Graph, name: string): string {
  return g.tensors.get(name)!.shape!.join('x');
}

describe('other torchvision architectures (not tuned to the seven)', () => {
  const others = Object.keys(reference.macs).filter((n) => !(n in MISSION));
  it('covers at least ten families', () => {
    expect(others.length).toBeGreaterThanOrEqual(10);
  });
  for (const name of others) {
    it(`${name}: MACs within 0.1% of PyTorch, all shapes static`, () => {
      const g = analyze(name);
      const ours = graphTotals(g).macs;
      const ref = reference.macs[name]!;
      expect(Math.abs(ours - ref) / ref).toBeLessThanOrEqual(0.001);
      expect(g.inputs).toEqual(['input']);
    });
  }
});
