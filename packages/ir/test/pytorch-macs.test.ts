// Live cross-check: PyTorch counts MACs with forward hooks now, and splitc must agree on the
// committed exports. (fixtures.test.ts checks against the numbers recorded at export time.)
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel, graphTotals } from '@splitc/ir';
import { loadModel } from '@splitc/onnx';
import { havePython, runPython } from '@splitc/test-support';

const root = path.resolve(__dirname, '../../..');

describe.runIf(havePython('torch', 'torchvision'))('MACs against live PyTorch forward hooks', () => {
  it('every fixture model matches PyTorch within 0.1% (the mission seven exactly)', () => {
    const live = JSON.parse(runPython([path.join(root, 'scripts/export-fixtures.py'), '--macs'])) as Record<string, number>;
    expect(Object.keys(live).length).toBeGreaterThanOrEqual(18);
    for (const [name, ref] of Object.entries(live)) {
      const ours = graphTotals(analyzeModel(loadModel(path.join(root, 'fixtures/models', `${name}.onnx`)))).macs;
      if (['lenet5', 'resnet18', 'resnet50', 'resnet101', 'resnet152', 'vgg16', 'mobilenetv2'].includes(name)) expect(ours, name).toBe(ref);
      else expect(Math.abs(ours - ref) / ref, name).toBeLessThanOrEqual(0.001);
    }
  });
});
