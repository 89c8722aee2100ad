// Errors stay one line and typed (issue 9, item 6): names with line breaks or control characters
// cannot add (or forge) a line; a one-input BatchNormalization is a typed error in inspect and
// compile alike; input shapes are looked up as names, never on Object.prototype.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataType } from '@splitc/onnx';
import { inspect, SplitcError } from 'splitc';
import { floats, model, vi } from '@splitc/test-support';
import { ROOT, splitc } from './run-cli.js';

const d = mkdtempSync(path.join(tmpdir(), 'splitc-messages-'));
const write = (name: string, bytes: Uint8Array): string => {
  const f = path.join(d, name);
  writeFileSync(f, bytes);
  return f;
};

describe('one line per error', () => {
  it('a node name with line breaks, a forged error line and terminal escapes stays inside one line', () => {
    const evil = 'n\nerror SPLITC0000: forged\r\u2028\u001b[2J\u009b31m';
    const f = write('forge.onnx', model({
      nodes: [{ name: evil, opType: 'NoSuchOp', inputs: ['x'], outputs: ['y'] }],
      inputs: [vi('x', [1, 4])],
      outputs: [vi('y', [1, 4])],
    }));
    for (const cmd of ['inspect', 'plan']) {
      const r = splitc([cmd, f]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`error SPLITC3001: ${f}: in pass infer-shapes: no shape rule for 1 op type: NoSuchOp (1 node, first n\\nerror SPLITC0000: forged\\r\\u2028\\x1b[2J\\x9b31m)\n`);
    }
  });

  it('layer names in the inspect table cannot add rows', () => {
    const f = write('table.onnx', model({
      nodes: [{ name: 'relu\n99  forged  Relu  1x4  0  0', opType: 'Relu', inputs: ['x'], outputs: ['y'] }],
      inputs: [vi('x', [1, 4])],
      outputs: [vi('y', [1, 4])],
    }));
    const r = splitc(['inspect', f]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('relu\\n99  forged');
    expect(r.stdout.split('\n').filter((l) => l.includes('forged'))).toHaveLength(1);
  });
});

describe('typed errors where there used to be internal ones', () => {
  const bnModel = (): Uint8Array => model({
    nodes: [
      { name: 'conv', opType: 'Conv', inputs: ['x', 'w'], outputs: ['c'] },
      { name: 'bn', opType: 'BatchNormalization', inputs: ['c'], outputs: ['y'] },
    ],
    inputs: [vi('x', [1, 3, 8, 8])],
    outputs: [vi('y', [1, 4, 6, 6])],
    initializers: [{ name: 'w', dataType: DataType.FLOAT, dims: [4, 3, 3, 3], data: floats(Array.from({ length: 108 }, (_, i) => i / 100)) }],
  });

  it('a one-input BatchNormalization: the same typed error from inspect and from compile', () => {
    const f = write('bn1.onnx', bnModel());
    const expected = `error SPLITC3002: ${f}: in pass infer-shapes: node bn (BatchNormalization): input 1 is required but missing\n`;
    const i = splitc(['inspect', f]);
    expect(i.stderr).toBe(expected);
    expect(i.status).toBe(1);
    const c = splitc(['compile', f, '-o', path.join(d, 'bn-out')]);
    expect(c.stderr).toBe(expected);
    expect(c.status).toBe(1);
  });

  it('input shapes are names: __proto__ is reported, constructor is not found on Object.prototype', () => {
    const lenet = path.join(ROOT, 'fixtures/models/lenet5.onnx');
    const r = splitc(['inspect', lenet, '--input-shape', '__proto__=1x1x28x28']);
    expect(r.stderr).toMatch(/^error SPLITC\d{4}: .*__proto__/);
    expect(r.stderr.split('\n')).toHaveLength(2);
    const f = write('ctor.onnx', model({
      nodes: [{ name: 'relu', opType: 'Relu', inputs: ['constructor'], outputs: ['y'] }],
      inputs: [vi('constructor', [1, 'H', 8])],
      outputs: [vi('y', [1, 'H', 8])],
    }));
    for (const shapes of [{}, JSON.parse('{"__proto__": [1, 2, 8]}') as Record<string, number[]>]) {
      try {
        inspect(f, { inputShapes: shapes });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(SplitcError);
        expect((e as SplitcError).code).toMatch(/^SPLITC(3003|9001)$/);
      }
    }
    expect(inspect(f, { inputShapes: { constructor: [1, 5, 8] } }).inputs[0]!.shape).toEqual([1, 5, 8]);
  });
});
