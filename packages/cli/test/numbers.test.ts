// Numbers (issue 9, item 5): element counts past 2^53 are refused as documented (SPLITC1020),
// and profile numbers that are non-finite or absurd are refused where they are read, naming the
// field — never an internal error with `plan -o`, never `null` in `plan --json` or a manifest.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { model, vi } from '@splitc/test-support';
import { ROOT, splitc } from './run-cli.js';

const d = mkdtempSync(path.join(tmpdir(), 'splitc-numbers-'));
const LENET = path.join(ROOT, 'fixtures/models/lenet5-weights.onnx');

describe('element counts past 2^53', () => {
  it('an input of 3·2^54 elements is SPLITC1020 (each dim alone is a safe integer)', () => {
    const f = path.join(d, 'huge-input.onnx');
    writeFileSync(f, model({
      nodes: [{ name: 'add', opType: 'Add', inputs: ['x', 'x'], outputs: ['y'] }],
      inputs: [vi('x', [3, 2 ** 27, 2 ** 27])],
      outputs: [vi('y', [3, 2 ** 27, 2 ** 27])],
    }));
    const r = splitc(['inspect', f, '--json']);
    expect(r.stderr).toBe(`error SPLITC1020: ${f}: in pass infer-shapes: field graph.input x: invalid tensor dimensions: element count of [3,134217728,134217728] exceeds 2^53\n`);
    expect(r.status).toBe(1);
  });

  it('an inferred shape past 2^53 is SPLITC1020 at the node that makes it', () => {
    const f = path.join(d, 'huge-concat.onnx');
    writeFileSync(f, model({
      nodes: [{ name: 'cat', opType: 'Concat', inputs: ['x', 'x', 'x'], outputs: ['y'], attributes: [{ name: 'axis', type: 'int', i: 0 }] }],
      inputs: [vi('x', [1, 2 ** 26, 2 ** 26])],
      outputs: [vi('y', [3, 2 ** 26, 2 ** 26])],
    }));
    const r = splitc(['inspect', f]);
    expect(r.stderr).toMatch(/^error SPLITC1020: .*huge-concat\.onnx: in pass infer-shapes: node cat \(Concat\): invalid tensor dimensions: element count of \[3,67108864,67108864\] for "y" exceeds 2\^53\n$/);
    expect(r.status).toBe(1);
  });
});

describe('profile numbers are finite and bounded', () => {
  const builtin = JSON.parse(readFileSync(path.join(ROOT, 'packages/targets/profiles/vck190.json'), 'utf8')) as { devices: { vck190: { memory: Record<string, unknown> } } };

  it.each([
    ['bandwidthBytesPerS', 5e-324],
    ['bandwidthBytesPerS', 1e300],
    ['efficiency', 5e-324],
  ])('a target file with memory.%s = %d: SPLITC4001 naming the field, with -o, --json and compile', (field, value) => {
    const dev = structuredClone(builtin.devices.vck190);
    dev.memory[field] = value;
    const tf = path.join(d, `target-${field}-${value}.json`);
    writeFileSync(tf, JSON.stringify({ schemaVersion: 1, devices: { vck190: dev } }));
    for (const extra of [['-o', path.join(d, 'p.json')], ['--json']]) {
      const r = splitc(['plan', LENET, '--target-file', tf, ...extra]);
      expect(r.stderr).toMatch(new RegExp(`^error SPLITC4001: .*: field devices\\.vck190\\.memory\\.${field}: invalid target description: Too (small|big): `));
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
    }
    const c = splitc(['compile', LENET, '--target-file', tf, '-o', path.join(d, `out-${field}`)]);
    expect(c.stderr).toMatch(/^error SPLITC4001: /);
  });

  it('a DPU timing file with ms = 1e308 (or written as 1e999, which JSON reads as Infinity): SPLITC4003 naming the field', () => {
    for (const text of ['1e308', '1e999']) {
      const pf = path.join(d, `dpu-${text}.json`);
      writeFileSync(pf, `{"schemaVersion": 1, "device": "vck190", "layers": [{"name": "x", "ms": ${text}}]}`);
      const r = splitc(['plan', LENET, '--profile-dpu', pf, '--json']);
      expect(r.stderr).toMatch(/^error SPLITC4003: .*: field layers\.0\.ms: invalid measured profile: not a DPU timing file: /);
      expect(r.status).toBe(1);
    }
  });

  it('the built-in profiles are inside the bounds, and plan --json has no null time', () => {
    const r = splitc(['plan', LENET, '--json']);
    expect(r.status).toBe(0);
    const p = JSON.parse(r.stdout) as { candidates: Record<string, unknown>[] };
    for (const c of p.candidates) for (const k of ['dpuMs', 'linkMs', 'gpuMs', 'streamMs', 'latencyMs']) expect(Number.isFinite(c[k]), k).toBe(true);
  });
});
