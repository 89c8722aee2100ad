// `splitc inspect` end to end: the JSON contract, the table, and failures as one line + exit code.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspect } from 'splitc';
import { splitc } from './run-cli.js';

describe('splitc inspect --json', () => {
  it('prints exactly one JSON object with the documented fields', () => {
    const r = splitc(['inspect', 'fixtures/models/resnet18.onnx', '--json']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['model', 'inputs', 'outputs', 'layers', 'totals', 'warnings']);
    expect(j.warnings).toEqual([]);
    expect(j.model).toEqual({ path: 'fixtures/models/resnet18.onnx', opset: 13, producer: 'pytorch 1.13.0' });
    expect(j.inputs).toEqual([{ name: 'input', shape: [1, 3, 224, 224], dtype: 'float32' }]);
    expect(j.outputs).toEqual([{ name: 'output', shape: [1, 1000], dtype: 'float32' }]);
    expect(j.layers[0]).toEqual({ index: 0, name: '/conv1/Conv', op: 'Conv', outputShapes: [[1, 64, 112, 112]], macs: 118_013_952, params: 9472 });
    expect(j.totals.macs).toBe(1_814_073_344);
    expect(j.totals.layers).toBe(j.layers.length);
    expect(j.layers.map((l: { index: number }) => l.index)).toEqual([...j.layers.keys()]);
  });

  it('matches the programmatic API', () => {
    const r = splitc(['inspect', 'fixtures/models/mobilenetv2.onnx', '--json']);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(inspect('fixtures/models/mobilenetv2.onnx'))));
  });
});

describe('splitc inspect (table)', () => {
  it('prints one row per layer and the totals', () => {
    const r = splitc(['inspect', 'fixtures/models/lenet5.onnx']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toBe('inputs   input float32[1x1x28x28]');
    expect(lines.find((l) => l.includes('/features/features.3/Conv'))).toMatch(/Conv\s+1x16x10x10\s+240,000\s+2,416$/);
    expect(lines.at(-2)).toBe('total    12 layers, 416,520 MACs (0.000 G), 61,706 params');
  });
});

describe('failures: one line, a stable code, non-zero exit, no stack trace', () => {
  const cases: [string, string[], string, number][] = [
    ['missing file', ['inspect', 'missing.onnx'], 'error SPLITC1001: missing.onnx: cannot read file: no such file', 1],
    ['unknown command', ['frobnicate'], 'error SPLITC9001: unknown command "frobnicate" (run splitc --help)', 2],
    ['no model', ['inspect'], 'error SPLITC9001: missing MODEL (run splitc inspect --help)', 2],
    ['bad --input-shape', ['inspect', 'fixtures/models/lenet5.onnx', '--input-shape', 'x'], 'error SPLITC9001: field --input-shape: --input-shape "x" must look like NAME=1x3x224x224', 2],
    ['--input-shape for a non-input', ['inspect', 'fixtures/models/lenet5.onnx', '--input-shape', 'nope=1x1x28x28'], 'error SPLITC9001: fixtures/models/lenet5.onnx: field --input-shape: "nope" is not a data input of the model (inputs: input)', 2],
  ];
  for (const [what, args, line, code] of cases) {
    it(what, () => {
      const r = splitc(args);
      expect(r.status).toBe(code);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`${line}\n`);
    });
  }

  it('random bytes', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'splitc-cli-'));
    const f = path.join(d, 'junk.onnx');
    writeFileSync(f, Buffer.from('this is not a protobuf at all, just text\n'));
    const r = splitc(['inspect', f]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error SPLITC100[34]: .*junk\.onnx: /);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});
