// The Manifest contract: what `splitc compile` writes validates, round-trips byte for byte, and a
// damaged or foreign manifest is refused with SPLITC5005 naming the field.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '@splitc/compile';
import { dpuLayoutShape, readManifest, seamSection, serializeManifest, servedModelName } from '@splitc/compile';
import { SplitcError } from '@splitc/diagnostics';

const ROOT = path.resolve(__dirname, '../../..');
const errorOf = (f: () => unknown): SplitcError => {
  try { f(); } catch (e) { if (e instanceof SplitcError) return e; throw e; }
  throw new Error('expected a SplitcError');
};

describe('Manifest', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'splitc-manifest-'));
  const out = path.join(dir, 'out');

  it('reads back what compile wrote, and serialises it to the same bytes', () => {
    process.chdir(ROOT);
    const written = compile('fixtures/models/tinyres-weights.onnx', { output: out, split: 5, onWarning: () => undefined });
    const m = readManifest(out);
    expect(m).toEqual(JSON.parse(JSON.stringify(written)));
    expect(serializeManifest(m)).toBe(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(readManifest(path.join(out, 'manifest.json'))).toEqual(m);
  });

  it('refuses damaged manifests naming the field', () => {
    const file = path.join(dir, 'bad.json');
    const good = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const bad = (m: unknown): SplitcError => { writeFileSync(file, typeof m === 'string' ? m : JSON.stringify(m)); return errorOf(() => readManifest(file)); };
    expect(bad('{').code).toBe('SPLITC5005');
    expect(bad({ ...good, schemaVersion: 1 }).location.field).toBe('schemaVersion');
    const seam = good.seam as Record<string, unknown>;
    expect(bad({ ...good, seam: { ...seam, batch: 0 } }).location.field).toBe('seam.batch');
    expect(bad({ ...good, seam: { ...seam, wire: { ...(seam.wire as object), model: '' } } }).location.field).toBe('seam.wire.model');
    expect(errorOf(() => readManifest(path.join(dir, 'missing'))).code).toBe('SPLITC1001');
  });

  it('builds the seam record: NHWC on the wire, batch first, model named by the source stem', () => {
    expect(servedModelName('models/resnet18.onnx')).toBe('resnet18');
    expect(servedModelName('C:\\m\\Net.v2.ONNX')).toBe('Net.v2');
    expect(dpuLayoutShape([1, 64, 56, 28])).toEqual([1, 56, 28, 64]);
    const s = seamSection({ modelPath: 'x/resnet18.onnx', batch: 6, runtime: { dpuRunnerThreads: 3, gpuContexts: 4 }, tensors: [{ name: 'a', shape: [1, 64, 56, 28] }, { name: 'fc', shape: [1, 512] }], gpuOutputs: [{ name: 'out', shape: [1, 1000] }] });
    expect(s.wire).toEqual({
      protocol: 'kserve-v2', model: 'resnet18',
      inputs: [{ name: 'a', datatype: 'INT8', shape: [6, 56, 28, 64] }, { name: 'fc', datatype: 'INT8', shape: [6, 512] }],
      outputs: [{ name: 'out', datatype: 'FP32', shape: [6, 1000] }],
    });
    expect(s.runtime).toEqual({ dpuRunnerThreads: 3, gpuContexts: 4 });
    expect(s.inputs).toEqual([{ tensor: 'a', int8: 'a__int8', scale: 'a__scale' }, { tensor: 'fc', int8: 'fc__int8', scale: 'fc__scale' }]);
  });
});
