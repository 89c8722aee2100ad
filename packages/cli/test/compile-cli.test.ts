// `splitc compile` as a command: what it prints and its exit codes. The driver itself (artifacts,
// manifest, golden files, atomic output) is tested through its API in packages/compile/test.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, type Manifest } from 'splitc';
import { splitc } from './run-cli.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'splitc-compile-cli-'));
const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? walk(path.join(dir, f)) : [path.join(dir, f)])).sort();

describe('splitc compile', () => {
  it('writes what the API writes, byte for byte, and prints nothing on stderr', () => {
    const d = tmp();
    const r = splitc(['compile', 'fixtures/models/tinyres-weights.onnx', '-o', path.join(d, 'a'), '--split', '9']);
    expect(r.status).toBe(0);
    const m = compile('fixtures/models/tinyres-weights.onnx', { output: path.join(d, 'b'), split: 9, onWarning: () => undefined });
    const files = (dir: string) => walk(dir).map((f) => [path.relative(dir, f), readFileSync(f).toString('base64')]);
    expect(files(path.join(d, 'a'))).toEqual(files(path.join(d, 'b')));
    expect(JSON.parse(readFileSync(path.join(d, 'a', 'manifest.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(m)));
    const ok = splitc(['compile', 'fixtures/models/lenet5-weights.onnx', '-o', path.join(d, 'c')]);
    expect([ok.status, ok.stderr]).toEqual([0, '']);
  });

  it('--split warns on stderr when it is not the best, and an invalid index is one error line, exit 1', () => {
    const d = tmp();
    const r = splitc(['compile', 'fixtures/models/mobilenetv2-weights.onnx', '-o', path.join(d, 'o'), '--split', '10']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^warning: split 10 is not the best for the stream objective: [0-9.]+ ms against [0-9.]+ ms at k = \d+\n$/);
    const m = JSON.parse(readFileSync(path.join(d, 'o', 'manifest.json'), 'utf8')) as Manifest;
    expect(m.split).toMatchObject({ index: 10, forced: true });
    const bad = splitc(['compile', 'fixtures/models/lenet5-weights.onnx', '-o', path.join(d, 'p'), '--split', '99']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('error SPLITC4011: field --split: invalid split: split 99 is not a valid cut: valid indices are 0..12\n');
    expect(existsSync(path.join(d, 'p'))).toBe(false);
  });

  it('an existing output: one error line naming --force, exit 1, untouched', () => {
    const d = tmp();
    const out = path.join(d, 'out');
    mkdirSync(out);
    writeFileSync(path.join(out, 'keep.txt'), 'mine');
    const r = splitc(['compile', 'fixtures/models/lenet5-weights.onnx', '-o', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`error SPLITC5001: ${out}: field --force: output exists: replaced only when forced\n`);
    expect(readdirSync(out)).toEqual(['keep.txt']);
  });

  it('a bad model and a structure-only model: one line, exit 1, nothing written', () => {
    const d = tmp();
    const junk = path.join(d, 'junk.onnx');
    writeFileSync(junk, 'not a model');
    const r = splitc(['compile', junk, '-o', path.join(d, 'out')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error SPLITC100[34]: [^\n]*\n$/);
    const s = splitc(['compile', 'fixtures/models/resnet18.onnx', '-o', path.join(d, 'out')]);
    expect(s.status).toBe(1);
    expect(s.stderr).toMatch(/^error SPLITC5003: fixtures\/models\/resnet18.onnx: field tensor ".*": model has no weights to write: .* \(a structure-only export\?\); export the model with its weights\n$/);
    expect(readdirSync(d)).toEqual(['junk.onnx']);
  });

  it('an output path below a file: SPLITC5002, exit 1', () => {
    const d = tmp();
    writeFileSync(path.join(d, 'file'), 'x');
    const r = splitc(['compile', 'fixtures/models/lenet5-weights.onnx', '-o', path.join(d, 'file', 'out')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error SPLITC5002: /);
    expect(readdirSync(d)).toEqual(['file']);
  });

  it('-o is required', () => {
    const r = splitc(['compile', 'fixtures/models/lenet5-weights.onnx']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('error SPLITC9001: missing -o (--output) (run splitc compile --help)\n');
  });
});
