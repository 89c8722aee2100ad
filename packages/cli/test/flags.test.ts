// Libraries name their own API options in errors (`target`, `inputShapes`, `gpuUrl`); the CLI maps
// them to the flags the user typed (flags.ts). Before, the IR, the targets, the planner and the
// runtime wrote CLI flags into their errors, so an API caller read `field --target`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderError, SplitcError } from '@splitc/diagnostics';
import { analyzeModel } from '@splitc/ir';
import { loadModelFromBytes } from '@splitc/onnx';
import { candidateAt } from '@splitc/planner';
import { InferenceClient, planPace } from '@splitc/runtime';
import { resolveTarget } from '@splitc/targets';
import { model, packageSourceLines, vi } from '@splitc/test-support';
import { compile, parsePredictor, plan } from '@splitc/compile';
import { API_NAMES_OF_FLAG, apiNamesOf, CLI_FLAGS, cliFlag, shownFlag, withCliFlag } from '../src/flags.js';
import { COMMANDS, GLOBAL_OPTIONS, GNN_COMMANDS } from '../src/options.js';
import { ROOT } from './run-cli.js';

const caught = (f: () => unknown): SplitcError => {
  try {
    f();
  } catch (e) {
    if (e instanceof SplitcError) return e;
    throw e;
  }
  throw new Error('expected a SplitcError');
};

const TABLES = [GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options), ...GNN_COMMANDS.map((c) => c.options)];
const ALL_FLAGS = TABLES.flatMap((t) => Object.keys(t));

describe('the API field → CLI flag table', () => {
  it('is read off the option tables: every flag is reachable, camelCase unless listed, shown by its one-letter alias if any', () => {
    for (const t of TABLES) for (const flag of Object.keys(t)) for (const api of apiNamesOf(flag)) expect(CLI_FLAGS.get(api), api).toBe(shownFlag(flag, t));
    expect([...new Set(CLI_FLAGS.values())].sort()).toEqual([...new Set(TABLES.flatMap((t) => Object.keys(t).map((f) => shownFlag(f, t))))].sort());
    expect([cliFlag('output'), cliFlag('out'), cliFlag('quiet')]).toEqual(['-o', '-o', '-q']);
    // Each exception names a flag that exists.
    for (const flag of Object.keys(API_NAMES_OF_FLAG)) expect(ALL_FLAGS, flag).toContain(flag);
  });

  it('maps the API options the libraries name', () => {
    expect(Object.fromEntries(['target', 'link', 'precision', 'objective', 'inputShapes', 'split', 'gpuUrl', 'frames', 'paceScale', 'window', 'runnerThreads', 'timeoutMs', 'predictor', 'output', 'out', 'weightsDir'].map((f) => [f, cliFlag(f)]))).toEqual({
      target: '--target', link: '--link', precision: '--precision', objective: '--objective', inputShapes: '--input-shape', split: '--split', gpuUrl: '--gpu-url',
      frames: '--frames', paceScale: '--pace-scale', window: '--window', runnerThreads: '--runner-threads', timeoutMs: '--timeout', predictor: '--predictor', output: '-o', out: '-o', weightsDir: '--weights',
    });
    // A place in a file stays as it is.
    expect(cliFlag('devices.vck190.limits.bankDepth')).toBe('devices.vck190.limits.bankDepth');
    expect(cliFlag('--split')).toBe('--split');
  });

  it('leaves fields of files alone, even when a file key is also an option name', () => {
    const inManifest = new SplitcError('BadManifest', 'expected an object', { file: 'out/manifest.json', field: 'split' });
    expect(withCliFlag(inManifest)).toBe(inManifest);
    const other = new Error('x');
    expect(withCliFlag(other)).toBe(other);
  });
});

describe('libraries name their API options; the CLI shows the flags', () => {
  it('targets: target, link, precision', () => {
    const dpu = caught(() => resolveTarget({ target: 'vck999+rtx2080' }));
    expect(dpu.location.field).toBe('target');
    expect(renderError(withCliFlag(dpu))).toBe('error SPLITC4002: field --target: unknown target: "vck999" is not a known DPU (known: vck190, zcu102, zcu104)');
    expect(caught(() => resolveTarget({ target: 'vck190' })).location.field).toBe('target');
    expect(caught(() => resolveTarget({ link: 'wifi' })).location.field).toBe('link');
    const precision = caught(() => resolveTarget({ precision: 'int4' }));
    expect(precision.location.field).toBe('precision');
    expect(renderError(withCliFlag(precision))).toBe('error SPLITC9001: field --precision: precision "int4" must be fp16 or fp32');
  });

  it('ir: inputShapes, in the message and the field', () => {
    const bytes = model({ nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [vi('x', ['batch', 'width'])], outputs: [vi('y', ['batch', 'width'])] });
    const dyn = caught(() => analyzeModel(loadModelFromBytes(bytes, 'm.onnx')));
    expect(dyn.location).toEqual({ file: 'm.onnx', field: 'inputShapes' });
    expect(dyn.message).toBe('m.onnx: field inputShapes: shape is not static: input "x": dim 0 is "batch"; give it a static shape, e.g. 1x1');
    expect(renderError(withCliFlag(dyn))).toBe('error SPLITC3003: m.onnx: field --input-shape: shape is not static: input "x": dim 0 is "batch"; give it a static shape, e.g. 1x1');
    const fixed = model({ nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [vi('x', [1, 4])], outputs: [vi('y', [1, 4])] });
    const notInput = caught(() => analyzeModel(loadModelFromBytes(fixed, 'm.onnx'), { inputShapes: { nope: [1] } }));
    expect(renderError(withCliFlag(notInput))).toBe('error SPLITC9001: m.onnx: field --input-shape: "nope" is not a data input of the model (inputs: x)');
    const rank = caught(() => analyzeModel(loadModelFromBytes(bytes, 'm.onnx'), { inputShapes: { x: [1, 2, 3] } }));
    expect(renderError(withCliFlag(rank))).toBe('error SPLITC9001: m.onnx: field --input-shape: input "x": shape 1x2x3 has rank 3, the model declares rank 2');
  });

  it('planner: split', () => {
    const plan = { candidates: [{ kind: 'prefix', index: 0 }, { kind: 'prefix', index: 3 }], unsupported: [] } as unknown as Parameters<typeof candidateAt>[0];
    const e = caught(() => candidateAt(plan, 9));
    expect(e.location.field).toBe('split');
    expect(renderError(withCliFlag(e))).toBe('error SPLITC4011: field --split: invalid split: split 9 is not a valid cut: valid indices are 0..3');
  });

  it('runtime: gpuUrl, paceScale', () => {
    const url = caught(() => new InferenceClient('not a url', 'm', { maxResponseBytes: 1 }));
    expect(url.location.field).toBe('gpuUrl');
    expect(renderError(withCliFlag(url))).toBe('error SPLITC9001: field --gpu-url: GPU server URL "not a url" is not a URL');
    expect(caught(() => new InferenceClient('https://h:1', 'm', { maxResponseBytes: 1 })).message).toBe('field gpuUrl: GPU server URL "https://h:1": only http:// is supported');
    const pace = caught(() => planPace({} as Parameters<typeof planPace>[0], 0));
    expect(renderError(withCliFlag(pace))).toBe('error SPLITC9001: field --pace-scale: pace scale 0 must be positive');
  });

  it('compile: split, predictor, objective, output and force', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'splitc-flags-'));
    try {
      const lenet = path.join(ROOT, 'fixtures/models/lenet5-weights.onnx');
      const split = caught(() => compile(lenet, { output: path.join(dir, 'a'), split: -1 }));
      expect(renderError(withCliFlag(split))).toBe('error SPLITC9001: field --split: split -1 must be a non-negative integer');
      expect(renderError(withCliFlag(caught(() => parsePredictor('fast'))))).toBe('error SPLITC9001: field --predictor: predictor "fast" must be exact or gnn');
      expect(renderError(withCliFlag(caught(() => plan(lenet, { objective: 'fast' }))))).toBe('error SPLITC9001: field --objective: objective "fast" must be stream or latency');
      const empty = caught(() => compile(lenet, { output: '' }));
      expect(empty.location.field).toBe('output');
      expect(renderError(withCliFlag(empty))).toBe('error SPLITC9001: field -o: output "" is empty: name the output');
      mkdirSync(path.join(dir, 'theirs'));
      writeFileSync(path.join(dir, 'theirs', 'x'), 'x');
      const exists = caught(() => compile(lenet, { output: path.join(dir, 'theirs') }));
      expect(exists.location).toEqual({ file: path.join(dir, 'theirs'), field: 'force' });
      expect(renderError(withCliFlag(exists))).toBe(`error SPLITC5001: ${path.join(dir, 'theirs')}: field --force: output exists: replaced only when forced`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no library outside the CLI writes a CLI flag into an error', () => {
    const flags = new Set(ALL_FLAGS);
    const offenders: string[] = [];
    for (const { pkg, where, text } of packageSourceLines(ROOT)) {
      if (pkg === 'cli' || !text.includes('SplitcError(')) continue;
      for (const m of text.matchAll(/--([a-z][a-z0-9-]*)/g)) if (flags.has(m[1]!)) offenders.push(`${where}: --${m[1]}`);
      for (const m of text.matchAll(/field: ['`](-[^'`]*)/g)) offenders.push(`${where}: field ${m[1]}`);
    }
    expect(offenders).toEqual([]);
  });
});
