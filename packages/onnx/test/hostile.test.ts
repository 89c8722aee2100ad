// Hostile inputs: each must give a typed SplitcError with a stable code — no crash, no hang, no
// read outside the model directory.
import { linkSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SplitcError } from '@splitc/diagnostics';
import { DataType, encodeModel, loadModel, loadModelFromBytes } from '@splitc/onnx';
import { analyzeModel } from '@splitc/ir';
import { floats, model, vi } from '@splitc/test-support';

const fixture = path.resolve(__dirname, '../../../fixtures/models/lenet5-weights.onnx');

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SplitcError) return e.code;
    throw new Error(`expected a SplitcError, got: ${String(e)}`);
  }
  throw new Error('expected an error, got none');
}

function messageOf(fn: () => unknown): string {
  try { fn(); } catch (e) { return (e as Error).message; }
  return '';
}

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'splitc-hostile-'));
}

/** A one-Conv model whose weight is external data at `location` with the given offset/length. */
function externalModel(location: string, offset = 0, length = 6 * 1 * 3 * 3 * 4): Uint8Array {
  return model({
    nodes: [{ opType: 'Conv', inputs: ['x', 'w'], outputs: ['y'] }],
    inputs: [vi('x', [1, 1, 8, 8])],
    outputs: [vi('y', [1, 6, 6, 6])],
    initializers: [{ name: 'w', dataType: DataType.FLOAT, dims: [6, 1, 3, 3], external: { location, offset, length } }],
  });
}

describe('hostile model files', () => {
  it('empty file → SPLITC1002', () => {
    const d = tmp();
    writeFileSync(path.join(d, 'm.onnx'), '');
    expect(codeOf(() => loadModel(path.join(d, 'm.onnx')))).toBe('SPLITC1002');
  });

  it('missing file → SPLITC1001 naming the file', () => {
    const msg = messageOf(() => loadModel('/nonexistent/model.onnx'));
    expect(msg).toContain('/nonexistent/model.onnx');
    expect(codeOf(() => loadModel('/nonexistent/model.onnx'))).toBe('SPLITC1001');
  });

  it('a directory → SPLITC1001', () => {
    expect(codeOf(() => loadModel(tmp()))).toBe('SPLITC1001');
  });

  it('truncated file: every prefix of a real model fails cleanly', () => {
    const bytes = readFileSync(fixture);
    const cuts = [1, 2, 5, 17, 100, 1000, 10_000, 100_000, bytes.length - 1];
    for (const n of cuts) {
      const code = codeOf(() => loadModelFromBytes(bytes.subarray(0, n), 'cut.onnx'));
      expect(['SPLITC1003', 'SPLITC1004', 'SPLITC1021']).toContain(code);
    }
  });

  it('random bytes (200 seeded buffers) give typed errors only', () => {
    let seed = 12345;
    const rand = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
    const codes = new Set<string>();
    for (let k = 0; k < 200; k++) {
      const buf = new Uint8Array(1 + (rand() % 4096));
      for (let i = 0; i < buf.length; i++) buf[i] = rand() & 0xff;
      codes.add(codeOf(() => analyzeModel(loadModelFromBytes(buf, 'random.onnx'))));
    }
    for (const c of codes) expect(c).toMatch(/^SPLITC\d{4}$/);
  });

  it('a valid protobuf that is not a model (a TensorProto) → SPLITC1004', () => {
    // A TensorProto: dims (field 1), data_type (2), name (8), raw_data (9).
    const t = encodeModel({ irVersion: 1, opsetImport: [], graph: { name: '', nodes: [], initializers: [], inputs: [], outputs: [] } });
    expect(codeOf(() => loadModelFromBytes(t, 'empty-graph.onnx'))).toBe('SPLITC1004');
    const tensor = new Uint8Array([0x0a, 0x02, 0x02, 0x03, 0x10, 0x01, 0x42, 0x01, 0x77]);
    expect(codeOf(() => loadModelFromBytes(tensor, 'tensor.pb'))).toBe('SPLITC1004');
  });

  it('a graph with a cycle → SPLITC2001 naming the nodes', () => {
    const bytes = model({
      nodes: [
        { name: 'a', opType: 'Add', inputs: ['x', 'c'], outputs: ['b'] },
        { name: 'b', opType: 'Relu', inputs: ['b'], outputs: ['c'] },
      ],
      inputs: [vi('x', [1, 4])],
      outputs: [vi('c', [1, 4])],
    });
    const fn = () => analyzeModel(loadModelFromBytes(bytes, 'cycle.onnx'));
    expect(codeOf(fn)).toBe('SPLITC2001');
    expect(messageOf(fn)).toMatch(/cycle.onnx: .*nodes a, b/);
  });

  it('a node reading an undefined tensor → SPLITC2002 naming node and tensor', () => {
    const bytes = model({
      nodes: [{ name: 'r', opType: 'Relu', inputs: ['ghost'], outputs: ['y'] }],
      inputs: [vi('x', [1, 4])],
      outputs: [vi('y', [1, 4])],
    });
    const fn = () => analyzeModel(loadModelFromBytes(bytes, 'undef.onnx'));
    expect(codeOf(fn)).toBe('SPLITC2002');
    expect(messageOf(fn)).toContain('node r (Relu)');
    expect(messageOf(fn)).toContain('"ghost"');
  });

  it('duplicate output names → SPLITC2003', () => {
    const bytes = model({
      nodes: [
        { name: 'r1', opType: 'Relu', inputs: ['x'], outputs: ['y'] },
        { name: 'r2', opType: 'Relu', inputs: ['x'], outputs: ['y'] },
      ],
      inputs: [vi('x', [1, 4])],
      outputs: [vi('y', [1, 4])],
    });
    expect(codeOf(() => analyzeModel(loadModelFromBytes(bytes, 'dup.onnx')))).toBe('SPLITC2003');
  });

  it('dims that overflow → SPLITC1020', () => {
    const big = model({
      nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }],
      inputs: [vi('x', [1, 4])],
      outputs: [vi('y', [1, 4])],
      initializers: [{ name: 'w', dataType: DataType.FLOAT, dims: [2 ** 30, 2 ** 30, 2 ** 30], data: new Uint8Array(0) }],
    });
    expect(codeOf(() => loadModelFromBytes(big, 'big.onnx'))).toBe('SPLITC1020');
    const negative = model({
      nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }],
      inputs: [vi('x', [1, 4])],
      outputs: [vi('y', [1, 4])],
      initializers: [{ name: 'w', dataType: DataType.FLOAT, dims: [-3], data: new Uint8Array(0) }],
    });
    expect(codeOf(() => loadModelFromBytes(negative, 'neg.onnx'))).toBe('SPLITC1020');
  });

  it('tensor data shorter than its shape → SPLITC1021', () => {
    const bytes = model({
      nodes: [{ opType: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
      inputs: [vi('x', [1, 4])],
      outputs: [vi('y', [1, 4])],
      initializers: [{ name: 'w', dataType: DataType.FLOAT, dims: [1, 4], data: floats([1, 2, 3]) }],
    });
    expect(codeOf(() => loadModelFromBytes(bytes, 'short.onnx'))).toBe('SPLITC1021');
  });
});

describe('external data is confined to the model directory', () => {
  function setup(location: string, offset?: number, length?: number): { dir: string; file: string } {
    const root = tmp();
    const dir = path.join(root, 'model');
    mkdirSync(dir);
    writeFileSync(path.join(root, 'secret.bin'), Buffer.alloc(216, 7));
    writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(216, 1));
    const file = path.join(dir, 'm.onnx');
    writeFileSync(file, externalModel(location, offset, length));
    return { dir, file };
  }

  it('reads a legitimate external file', () => {
    const { file } = setup('weights.bin');
    const m = loadModel(file);
    const w = m.model.graph.initializers[0]!;
    expect(m.tensorBytes(w).length).toBe(216);
    expect(m.tensorBytes(w)[0]).toBe(1);
  });

  it('refuses ../ escapes', () => {
    const { file } = setup('../secret.bin');
    expect(codeOf(() => loadModel(file))).toBe('SPLITC1010');
    expect(messageOf(() => loadModel(file))).toContain('tensor "w"');
  });

  it('refuses subdir/../../ escapes', () => {
    const { dir, file } = setup('sub/../../secret.bin');
    mkdirSync(path.join(dir, 'sub'));
    expect(codeOf(() => loadModel(file))).toBe('SPLITC1010');
  });

  it('refuses absolute paths', () => {
    const { dir, file } = setup('/etc/passwd');
    expect(codeOf(() => loadModel(file))).toBe('SPLITC1010');
    const abs = setup(path.join(tmp(), 'x.bin'));
    expect(codeOf(() => loadModel(abs.file))).toBe('SPLITC1010');
    expect(dir).toBeTruthy();
  });

  it('refuses a symlink that leaves the directory', () => {
    const { dir, file } = setup('link.bin');
    symlinkSync(path.join(dir, '..', 'secret.bin'), path.join(dir, 'link.bin'));
    expect(codeOf(() => loadModel(file))).toBe('SPLITC1010');
  });

  it('refuses a symlinked subdirectory that leaves the directory', () => {
    const { dir, file } = setup('out/secret.bin');
    symlinkSync(path.join(dir, '..'), path.join(dir, 'out'));
    expect(codeOf(() => loadModel(file))).toBe('SPLITC1010');
  });

  it('refuses hard links', () => {
    const { dir, file } = setup('hard.bin');
    linkSync(path.join(dir, '..', 'secret.bin'), path.join(dir, 'hard.bin'));
    expect(codeOf(() => loadModel(file))).toBe('SPLITC1010');
  });

  it('refuses offset past the end of the data file', () => {
    const { file } = setup('weights.bin', 1000, 216);
    expect(codeOf(() => loadModel(file))).toBe('SPLITC1011');
  });

  it('refuses length past the end of the data file', () => {
    const { file } = setup('weights.bin', 8, 216);
    expect(codeOf(() => loadModel(file))).toBe('SPLITC1011');
  });

  it('refuses a length that does not match the tensor shape', () => {
    const { file } = setup('weights.bin', 0, 100);
    expect(codeOf(() => loadModel(file))).toBe('SPLITC1021');
  });

  it('reports a missing data file', () => {
    const { file } = setup('absent.bin');
    expect(codeOf(() => loadModel(file))).toBe('SPLITC1012');
  });
});

describe('mutation fuzzing (seeded): byte-mutated real models give typed errors or analysed graphs', () => {
  // In the spirit of the onnx/onnxruntime loader fuzzers: mutate a few bytes of a real export and
  // run the whole front end (decode, import, shapes, folding, costs). Anything but a SplitcError
  // is a crash.
  for (const [name, runs] of [['resnet18.onnx', 800], ['mobilenetv2.onnx', 400]] as const) {
    it(`${name}: ${runs} mutants`, () => {
      const base = readFileSync(path.resolve(__dirname, '../../../fixtures/models', name));
      let seed = 4242;
      const rand = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
      const outcomes = new Map<string, number>();
      for (let k = 0; k < runs; k++) {
        const b = Buffer.from(base);
        for (let j = 1 + (rand() % 4); j > 0; j--) b[rand() % b.length] = rand() & 0xff;
        let outcome = 'ok';
        try {
          analyzeModel(loadModelFromBytes(b, 'mutant.onnx'));
        } catch (e) {
          if (!(e instanceof SplitcError)) throw new Error(`mutant ${k} crashed: ${(e as Error).stack}`);
          outcome = e.code;
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
      // The mutants exercise many paths, not one early exit.
      expect(outcomes.size).toBeGreaterThanOrEqual(4);
    });
  }
});
